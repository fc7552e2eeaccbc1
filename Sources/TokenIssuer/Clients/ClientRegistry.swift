public import JOSE
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The issuer's registered OAuth clients over any ``ClientTable``: validation, secret hashing, authentication and
/// secret rotation with a grace period. Used by `jot clients …` and by the token and introspection endpoints.
public final class ClientRegistry: Sendable {
    public static let maximumIDLength = 64
    /// Longest per-client token lifetime (a client's lifetime only ever shortens the server's `--token-ttl`).
    public static let maximumTokenTTL: Duration = .seconds(86_400)

    public let table: any ClientTable
    let clock: any WallClock
    let random: Mutex<any RandomNumberGenerator & Sendable>

    /// - Parameters:
    ///   - table: where the clients are kept (SQLite, PostgreSQL or memory).
    ///   - clock: the clock for `createdAt` and secret grace periods.
    ///   - random: salts for secret hashes (the system CSPRNG unless a test injects one).
    public init(
        table: any ClientTable,
        clock: any WallClock = SystemClock(),
        random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) {
        self.table = table
        self.clock = clock
        self.random = Mutex(random)
    }

    /// Where the clients are kept.
    public var location: String { table.location }

    /// Registers a client.
    /// - Parameters:
    ///   - id: the client id (its name).
    ///   - secret: its secret (``ClientSecret/minimumLength`` bytes or more; only a hash is stored), or `nil` for a
    ///     public client.
    ///   - scopes: the scopes it may ask for.
    ///   - audiences: the audiences it may ask for, the first being its default.
    ///   - grants: the grant types it may use.
    ///   - tokenTTL: its tokens' lifetime, when shorter than the server's: whole seconds, 1 s to
    ///     ``maximumTokenTTL``.
    ///   - redirectURIs: where the authorization endpoint may send users back (required with `authorization_code`).
    ///   - trusted: a first-party client, whose users are not asked for consent.
    @discardableResult
    public func add(
        id: String,
        secret: String?,
        scopes: [String],
        audiences: [String],
        grants: [GrantType],
        tokenTTL: Duration? = nil,
        redirectURIs: [String] = [],
        trusted: Bool = false
    ) async throws -> ClientRecord {
        try Self.validate(id: id)
        let scopes = try Self.normalize(scopes: scopes)
        let audiences = try Self.normalize(audiences: audiences)
        let grants = Self.unique(grants)
        guard !grants.isEmpty else { throw ClientStoreError.noGrants }
        if let tokenTTL, !tokenTTL.isWholeSeconds || !(.seconds(1)...Self.maximumTokenTTL).contains(tokenTTL) {
            throw ClientStoreError.invalidTokenTTL(tokenTTL)
        }
        if let secret, let problem = ClientSecret.problem(with: secret) { throw ClientStoreError.invalidSecret(problem) }
        let redirectURIs = Self.unique(redirectURIs)
        for uri in redirectURIs {
            if let problem = RedirectURI.registrationProblem(uri) { throw ClientStoreError.invalidRedirectURI(uri, problem) }
        }
        if grants.contains(.authorizationCode), redirectURIs.isEmpty { throw ClientStoreError.redirectURIRequired }
        if secret == nil, grants.contains(.clientCredentials) { throw ClientStoreError.publicClientCredentials }
        let createdAt = clock.now.timeIntervalSince1970
        let row = ClientRow(
            id: id,
            secretHash: secret.map(hash) ?? "",
            scopes: scopes.joined(separator: " "),
            audiences: audiences.joined(separator: " "),
            grants: grants.map(\.rawValue).joined(separator: " "),
            tokenTTL: tokenTTL?.wholeSeconds(),
            createdAt: createdAt,
            redirectURIs: redirectURIs.joined(separator: " "),
            isPublic: secret == nil,
            trusted: trusted
        )
        guard try await table.insert(row) else { throw ClientStoreError.clientExists(id) }
        return Self.record(row)
    }

    public func remove(id: String) async throws {
        guard try await table.delete(id: id) else { throw ClientStoreError.clientNotFound(id) }
    }

    /// Replaces the secret. The old one keeps working for `grace` (zero: stops at once); a secret replaced earlier and
    /// still in its grace period stops now.
    @discardableResult
    public func rotateSecret(id: String, newSecret: String, grace: Duration) async throws -> ClientRecord {
        if let problem = ClientSecret.problem(with: newSecret) { throw ClientStoreError.invalidSecret(problem) }
        guard let current = try await table.find(id: id) else { throw ClientStoreError.clientNotFound(id) }
        guard !current.isPublic else { throw ClientStoreError.publicClientSecret(id) }
        let keepsOld = grace > .zero
        let expires = clock.now.advanced(by: grace).timeIntervalSince1970
        guard
            let row = try await table.updateSecret(
                id: id,
                secretHash: hash(newSecret),
                previousSecretHash: keepsOld ? current.secretHash : nil,
                previousSecretExpiresAt: keepsOld ? expires : nil
            )
        else { throw ClientStoreError.clientNotFound(id) }
        return Self.record(row)
    }

    public func client(id: String) async throws -> ClientRecord? {
        try await table.find(id: id).map(Self.record)
    }

    public func list() async throws -> [ClientRecord] {
        try await table.all().map(Self.record)
    }

    /// Checks a client id and secret. `nil` for an unknown client, a wrong secret and an old secret past its grace
    /// period alike; an unknown client costs the same hash check as a known one.
    /// - Throws: only when the store fails.
    public func authenticate(id: String, secret: String) async throws -> ClientRecord? {
        try await authenticate(id: id, anyOf: [secret])
    }

    /// Checks a client id and the readings of one presented secret (HTTP Basic's encoded and raw forms): one lookup,
    /// every candidate compared in constant time against the current (and a still-valid previous) secret.
    public func authenticate(id: String, anyOf candidates: [String]) async throws -> ClientRecord? {
        let row = Self.isValid(id: id) ? try await table.find(id: id) : nil
        let previousValid = row.flatMap { row in row.previousSecretExpiresAt.map { clock.now.timeIntervalSince1970 < $0 } } ?? false
        var matched = false
        for secret in candidates.prefix(2) {
            matched = ClientSecret.matches(secret, stored: row?.secretHash ?? ClientSecret.dummyHash) || matched
            if let old = row?.previousSecretHash {
                matched = (ClientSecret.matches(secret, stored: old) && previousValid) || matched
            }
        }
        guard let row, matched else { return nil }
        return Self.record(row)
    }

    private func hash(_ secret: String) -> String {
        random.withLock { generator in ClientSecret.hash(secret, using: &generator) }
    }

    // MARK: Rules

    static func isValid(id: String) -> Bool {
        let bytes = id.utf8
        return !bytes.isEmpty && bytes.count <= maximumIDLength
            && bytes.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "~")
            }
    }

    static func validate(id: String) throws(ClientStoreError) {
        guard isValid(id: id) else { throw .invalidClientID(id) }
    }

    static func normalize(scopes: [String]) throws(ClientStoreError) -> [String] {
        for scope in scopes where !scope.isScopeToken { throw .invalidScope(scope) }
        return unique(scopes)
    }

    static func normalize(audiences: [String]) throws(ClientStoreError) -> [String] {
        for audience in audiences where !isAudience(audience) { throw .invalidAudience(audience) }
        return unique(audiences)
    }

    /// 1–200 printable ASCII characters without spaces (audiences are stored space-delimited).
    static func isAudience(_ value: String) -> Bool {
        !value.utf8.isEmpty && value.utf8.count <= 200 && value.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }

    static func unique<T: Hashable>(_ values: [T]) -> [T] {
        var seen = Set<T>()
        return values.filter { seen.insert($0).inserted }
    }

    static func record(_ row: ClientRow) -> ClientRecord {
        func split(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }
        return ClientRecord(
            id: row.id,
            scopes: split(row.scopes),
            audiences: split(row.audiences),
            grants: split(row.grants).compactMap(GrantType.init(rawValue:)),
            tokenTTL: row.tokenTTL.map { .seconds($0) },
            createdAt: Date(timeIntervalSince1970: row.createdAt),
            previousSecretExpiresAt: row.previousSecretHash == nil ? nil : row.previousSecretExpiresAt.map(Date.init(timeIntervalSince1970:)),
            redirectURIs: split(row.redirectURIs),
            isPublic: row.isPublic,
            trusted: row.trusted
        )
    }
}
