import Foundation
import Hummingbird
import HummingbirdTesting
import JOSE
import KeyStore
import Logging
import ServerSupport
import Synchronization
import Testing

@testable import TokenIssuer

@Suite("Login throttling, bounded password checks and equal-time failures")
struct LoginHardeningTests {
    static func router(
        throttle: LoginThrottle,
        clock: ManualClock,
        passwordChecks: PasswordCheckLimit = PasswordCheckLimit(),
        users: (any UserStore)? = nil,
        health: IssuerHealth = IssuerHealth()
    ) async throws -> (Router<BasicRequestContext>, IssuerMetrics) {
        let key = try JWSSigningKey.generate(.ES256)
        let ring = testRing([key])
        let store: any UserStore
        if let users {
            store = users
        } else {
            let memory = try InMemoryUserStore(bcryptCost: 4)
            _ = try await DemoUsers.add(to: memory)
            store = memory
        }
        let metrics = IssuerMetrics()
        let router = IssuerApplication.makeRouter(
            configuration: IssuerConfiguration(),
            keys: KeyRingHolder(ring),
            users: store,
            metrics: metrics,
            clock: clock,
            throttle: throttle,
            passwordChecks: passwordChecks,
            health: health
        )
        return (router, metrics)
    }

    static func login(_ client: some TestClientProtocol, _ username: String, _ password: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/sessions",
            method: .post,
            body: ByteBuffer(string: #"{"username":"\#(username)","password":"\#(password)"}"#)
        ) { $0 }
    }

    @Test("wrong passwords for one username: 429 with Retry-After and a JSON error once the bucket is empty, counted in /metrics")
    func perUsername() async throws {
        let clock = ManualClock()
        let throttle = LoginThrottle(configuration: .init(userBurst: 3, userRefill: .seconds(30), addressBurst: 100))
        let (router, metrics) = try await Self.router(throttle: throttle, clock: clock)
        try await Application(router: router).test(.router) { client in
            for _ in 0..<3 { #expect(try await Self.login(client, "Cthon98", "wrong").status == .unauthorized) }
            let refused = try await Self.login(client, "Cthon98", "hunter2")
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "30")
            let error = try #require(try JSONReader().parse(Array(refused.body.readableBytesView)).objectValue?["error"]?.stringValue)
            #expect(error == "too many failed logins for this username; retry in 30 s")
            // Another user is not affected.
            #expect(try await Self.login(client, "AzureDiamond", "*********").status == .ok)
            // One refill period later the owner gets one attempt back.
            clock.advance(by: .seconds(30))
            #expect(try await Self.login(client, "Cthon98", "hunter2").status == .ok)
        }
        #expect(String(decoding: metrics.render(), as: UTF8.self).contains(#"jot_login_failures_total{reason="throttled_user"} 1"#))
    }

    @Test("wrong passwords from one client address across usernames are limited by address")
    func perAddress() async throws {
        let clock = ManualClock()
        let throttle = LoginThrottle(configuration: .init(userBurst: 100, addressBurst: 4, addressRefill: .seconds(3)))
        let (router, metrics) = try await Self.router(throttle: throttle, clock: clock)
        try await ClientAddress.$current.withValue("192.0.2.7") {
            try await Application(router: router).test(.router) { client in
                for index in 0..<4 { #expect(try await Self.login(client, "guess\(index)", "x").status == .unauthorized) }
                let refused = try await Self.login(client, "guess9", "x")
                #expect(refused.status == .tooManyRequests)
                #expect(refused.headers[.retryAfter] == "3")
            }
        }
        #expect(String(decoding: metrics.render(), as: UTF8.self).contains(#"jot_login_failures_total{reason="throttled_address"} 1"#))
    }

    @Test("a successful login gives its tokens back; buckets are bounded in number")
    func bucketAccounting() {
        let t0 = Date(timeIntervalSince1970: 0)
        let throttle = LoginThrottle(configuration: .init(userBurst: 1, addressBurst: 1, maximumTrackedKeys: 10))
        guard case .success(let ticket) = throttle.admit(username: "a", address: "1", now: t0) else {
            Issue.record("first attempt refused")
            return
        }
        throttle.finished(ticket, succeeded: true)
        guard case .success(let second) = throttle.admit(username: "a", address: "1", now: t0) else {
            Issue.record("attempt after a success refused")
            return
        }
        throttle.finished(second, succeeded: false)
        guard case .failure(let refusal) = throttle.admit(username: "a", address: "1", now: t0) else {
            Issue.record("third attempt admitted")
            return
        }
        #expect(refusal.scope == .address)
        for index in 0..<100 { _ = throttle.admit(username: "u\(index)", address: "a\(index)", now: t0.addingTimeInterval(Double(index))) }
        #expect(throttle.trackedKeys <= 10)
    }

    @Test("one client address may have only a few password checks in flight, so it cannot fill the queue")
    func inFlightPerAddress() {
        let t0 = Date(timeIntervalSince1970: 0)
        let throttle = LoginThrottle(configuration: .init(userBurst: 100, addressBurst: 100, maxInFlightPerAddress: 2))
        var tickets: [LoginThrottle.Ticket] = []
        for index in 0..<2 {
            guard case .success(let ticket) = throttle.admit(username: "u\(index)", address: "9", now: t0) else {
                Issue.record("attempt \(index) refused")
                return
            }
            tickets.append(ticket)
        }
        guard case .failure(let refusal) = throttle.admit(username: "u3", address: "9", now: t0) else {
            Issue.record("a third attempt in flight was admitted")
            return
        }
        #expect(refusal == LoginThrottle.Refusal(scope: .inFlight, retryAfter: .seconds(1)))
        #expect(refusal.description == "too many logins in progress from this client address; retry in 1 s", "nothing failed: it does not say so")
        guard case .success = throttle.admit(username: "u3", address: "10", now: t0) else {
            Issue.record("another address was refused")
            return
        }
        throttle.finished(tickets[0], succeeded: false)
        guard case .success = throttle.admit(username: "u4", address: "9", now: t0) else {
            Issue.record("refused after one attempt finished")
            return
        }
    }

    @Test("password checks beyond the concurrency limit and queue are refused at once with 503")
    func boundedPasswordChecks() async throws {
        let limit = PasswordCheckLimit(maxConcurrent: 1, maxWaiting: 0)
        let (entered, enteredContinuation) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseContinuation) = AsyncStream.makeStream(of: Void.self)
        try await withThrowingTaskGroup(of: Int?.self) { group async throws in
            group.addTask {
                try await limit.run { () async -> Int in
                    enteredContinuation.yield()
                    for await _ in release { break }
                    return 1
                }
            }
            for await _ in entered { break }
            #expect(try await limit.run { 2 } == nil, "a second check with no queue room is refused")
            releaseContinuation.yield()
            #expect(try await group.next() == 1)
        }
        #expect(try await limit.run { 3 } == 3, "the slot is free again")

        let clock = ManualClock()
        let busy = PasswordCheckLimit(maxConcurrent: 1, maxWaiting: 0)
        let (router, _) = try await Self.router(throttle: LoginThrottle(), clock: clock, passwordChecks: busy)
        let (held, heldContinuation) = AsyncStream.makeStream(of: Void.self)
        let (go, goContinuation) = AsyncStream.makeStream(of: Void.self)
        async let occupied: Int? = busy.run { () async -> Int in
            heldContinuation.yield()
            for await _ in go { break }
            return 0
        }
        for await _ in held { break }
        try await Application(router: router).test(.router) { client in
            let response = try await Self.login(client, "Cthon98", "hunter2")
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "1")
        }
        goContinuation.yield()
        _ = try await occupied
    }

    @Test("a hash of another cost is upgraded to the server's cost at a successful login, not at a failed one")
    func costUpgrade() async throws {
        let store = try InMemoryUserStore(bcryptCost: 5)
        let oldHash = try await PasswordHasher(cost: 4).hash("correct horse")
        #expect(try await store.table.insert(UserRow(username: "legacy", passwordHash: oldHash, scopes: "", createdAt: 0)))
        #expect(PasswordHasher.cost(ofHash: oldHash) == 4)
        #expect(try await store.authenticate(username: "legacy", password: "wrong") == nil)
        #expect(try await store.passwordHash(of: "legacy") == oldHash)
        #expect(try await store.authenticate(username: "legacy", password: "correct horse")?.username == "legacy")
        let upgraded = try #require(try await store.passwordHash(of: "legacy"))
        #expect(PasswordHasher.cost(ofHash: upgraded) == 5)
        #expect(try await store.authenticate(username: "legacy", password: "correct horse") != nil)
    }

    @Test("the SQLite store upgrades hashes too")
    func sqliteCostUpgrade() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jot-upgrade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("users.sqlite").path
        try await SQLiteUserStore.withStore(path: path, bcryptCost: 4) { store async throws in
            _ = try await store.add(username: "legacy", password: "correct horse", scopes: [])
        }
        try await SQLiteUserStore.withStore(path: path, bcryptCost: 5) { store async throws in
            #expect(PasswordHasher.cost(ofHash: try #require(try await store.passwordHash(of: "legacy"))) == 4)
            #expect(try await store.authenticate(username: "legacy", password: "correct horse") != nil)
            #expect(PasswordHasher.cost(ofHash: try #require(try await store.passwordHash(of: "legacy"))) == 5)
        }
    }

    @Test("bcrypt costs are read from hashes; the failure floor follows the costliest check seen")
    func costParsing() {
        #expect(PasswordHasher.cost(ofHash: "$2b$12$abcdefghijklmnopqrstuv") == 12)
        #expect(PasswordHasher.cost(ofHash: "$2y$04$x") == 4)
        #expect(PasswordHasher.cost(ofHash: "plain") == nil)
        #expect(PasswordHasher.failureFloor >= .zero)
    }
}
