import Foundation
import JOSE
import Logging
import PostgresStore
import Testing

@testable import TokenIssuer

/// The grant store on memory, SQLite and PostgreSQL (with `JOT_TEST_DATABASE_URL`, as the user-store tests): single-use
/// codes, rotation with reuse detection, lifetimes, sign-out.
@Suite("Grant store: codes, refresh tokens, sessions")
struct GrantStoreTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case memory, sqlite, postgres
        var testDescription: String { rawValue }

        static let available: [Backend] = UserStoreTests.Backend.available.contains(.postgres) ? allCases : [.memory, .sqlite]
    }

    static func withStore(_ backend: Backend, clock: ManualClock, _ body: (GrantStore) async throws -> Void) async throws {
        let lifetimes = GrantStore.Lifetimes(code: .seconds(60), refreshAbsolute: .seconds(1000), refreshIdle: .seconds(100), session: .seconds(50))
        switch backend {
        case .memory:
            try await body(GrantStore(table: InMemoryGrantTable(), lifetimes: lifetimes, clock: clock))
        case .postgres:
            try await UserStoreTests.withPostgres { database in
                try await body(GrantStore(table: PostgresGrantTable(database: database), lifetimes: lifetimes, clock: clock))
            }
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jot-grants-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            try await SQLiteFile.withFile(
                path: directory.appendingPathComponent("g.sqlite").path,
                logger: Logger(label: "test"),
                schema: SQLiteGrantTable.schema
            ) {
                try await body(GrantStore(table: SQLiteGrantTable(file: $0), lifetimes: lifetimes, clock: clock))
            }
        }
    }

    static let sam = GrantStore.Authorization(
        clientID: "album",
        username: "Sam",
        scopes: ["openid", "photos:read"],
        audiences: ["photo-service"],
        authTime: 1_800_000_000,
        redirectURI: "https://album.example/cb",
        codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        nonce: "n-0S6"
    )

    @Test("a code is single use; its details survive the store; a replay revokes the family", arguments: Backend.available)
    func codes(backend: Backend) async throws {
        let clock = ManualClock()
        try await Self.withStore(backend, clock: clock) { store in
            let code = try await store.issueCode(Self.sam)
            #expect(code.utf8.count == 43)
            guard case .valid(let authorization, let family) = try await store.redeemCode(code) else {
                Issue.record("the code did not redeem")
                return
            }
            #expect(authorization.username == "Sam" && authorization.scopes == ["openid", "photos:read"])
            #expect(authorization.redirectURI == Self.sam.redirectURI && authorization.codeChallenge == Self.sam.codeChallenge)
            #expect(authorization.nonce == "n-0S6" && authorization.audiences == ["photo-service"])
            let refresh = try await store.issueRefreshToken(authorization, family: family)
            #expect(try await store.redeemCode(code) == .replayed(clientID: "album"))
            // What the first use issued is gone.
            #expect(try await store.redeemRefreshToken(refresh) == .invalid)
            #expect(try await store.redeemCode("not-a-code") == .invalid)
            #expect(try await store.redeemCode(String(repeating: "A", count: 43)) == .invalid)
        }
    }

    @Test("a code expires after 60 s", arguments: Backend.available)
    func codeExpiry(backend: Backend) async throws {
        let clock = ManualClock()
        try await Self.withStore(backend, clock: clock) { store in
            let code = try await store.issueCode(Self.sam)
            clock.advance(by: .seconds(60))
            #expect(try await store.redeemCode(code) == .invalid)
        }
    }

    @Test("refresh tokens rotate; a rotated one presented again revokes the whole family", arguments: Backend.available)
    func rotation(backend: Backend) async throws {
        let clock = ManualClock()
        try await Self.withStore(backend, clock: clock) { store in
            let code = try await store.issueCode(Self.sam)
            guard case .valid(let authorization, let family) = try await store.redeemCode(code) else { return }
            let first = try await store.issueRefreshToken(authorization, family: family)
            guard case .valid(let again, let sameFamily) = try await store.redeemRefreshToken(first) else {
                Issue.record("the refresh token did not redeem")
                return
            }
            #expect(sameFamily == family)
            let second = try await store.issueRefreshToken(again, family: family)
            // The attacker presents the stolen, rotated first token: refused, and the real client's token dies too.
            #expect(try await store.redeemRefreshToken(first) == .replayed(clientID: "album"))
            #expect(try await store.redeemRefreshToken(second) == .invalid)
        }
    }

    @Test("idle and absolute refresh lifetimes", arguments: Backend.available)
    func lifetimes(backend: Backend) async throws {
        let clock = ManualClock()
        try await Self.withStore(backend, clock: clock) { store in
            let code = try await store.issueCode(Self.sam)
            guard case .valid(let authorization, let family) = try await store.redeemCode(code) else { return }
            let idle = try await store.issueRefreshToken(authorization, family: family)
            clock.advance(by: .seconds(100))
            #expect(try await store.redeemRefreshToken(idle) == .invalid, "unused for the idle lifetime")
            // Used every 90 s, the family still ends at the absolute lifetime (1000 s after the code).
            var token = try await store.issueRefreshToken(authorization, family: family)
            var refreshed = 0
            while true {
                clock.advance(by: .seconds(90))
                guard case .valid(let next, _) = try await store.redeemRefreshToken(token) else { break }
                refreshed += 1
                token = try await store.issueRefreshToken(next, family: family)
            }
            #expect(refreshed == 9, "refreshes before the absolute lifetime: \(refreshed)")
        }
    }

    @Test("sessions expire and sign-out revokes sessions and refresh tokens", arguments: Backend.available)
    func sessions(backend: Backend) async throws {
        let clock = ManualClock()
        try await Self.withStore(backend, clock: clock) { store in
            let session = try await store.startSession(username: "Sam")
            #expect(try await store.session(session)?.username == "Sam")
            #expect(try await store.session("forged-session-value-forged-session-value-x") == nil)
            let code = try await store.issueCode(Self.sam)
            guard case .valid(let authorization, let family) = try await store.redeemCode(code) else { return }
            let refresh = try await store.issueRefreshToken(authorization, family: family)
            #expect(try await store.signOut(username: "Sam") >= 2)
            #expect(try await store.session(session) == nil)
            #expect(try await store.redeemRefreshToken(refresh) == .invalid)
            let later = try await store.startSession(username: "Sam")
            clock.advance(by: .seconds(50))
            #expect(try await store.session(later) == nil, "past the session lifetime")
        }
    }

    @Test("revocation by a client: only its own refresh tokens, also after rotation", arguments: Backend.available)
    func revocation(backend: Backend) async throws {
        let clock = ManualClock()
        try await Self.withStore(backend, clock: clock) { store in
            let code = try await store.issueCode(Self.sam)
            guard case .valid(let authorization, let family) = try await store.redeemCode(code) else { return }
            let refresh = try await store.issueRefreshToken(authorization, family: family)
            #expect(try await !store.revokeRefreshToken(refresh, clientID: "another-client"))
            #expect(try await store.revokeRefreshToken(refresh, clientID: "album"))
            #expect(try await store.redeemRefreshToken(refresh) == .invalid)
        }
    }
}
