import Foundation
import Hummingbird
import HummingbirdTesting
import JOSE
import KeyStore
import Logging
import Testing

@testable import TokenIssuer

@Suite("Issuer with a key directory, over real sockets")
struct LiveRotationTests {
    static func tempDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jot-live-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("jot keys rotate while the server serves: the JWKS changes within 5 s and no login fails")
    func rotationPickedUpWhileServing() async throws {
        let root = try Self.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = KeyStore(directory: root + "/Keys")
        _ = try await store.initialize(algorithms: [.ES256], now: Date())
        let source = KeyStoreKeyRingSource(store: store)
        let holder = KeyRingHolder(try await source.loadKeyRing())
        let before = try #require(holder.current.signingKeys[.ES256]?.keyID)
        let users = try InMemoryUserStore(bcryptCost: 4)
        _ = try await DemoUsers.add(to: users)
        let app = IssuerApplication.build(
            configuration: IssuerConfiguration(port: 0),
            keySource: source,
            keys: holder,
            users: users,
            reloadInterval: .milliseconds(200),
            trapSIGHUP: false,
            logger: Logger(label: "live-test")
        )
        try await app.test(.live) { client in
            let jwksBefore = try await client.execute(uri: "/.well-known/jwks.json", method: .get) { response in
                try JWKSet(json: Array(response.body.readableBytesView)).keySet
            }
            #expect(jwksBefore.keys.count == 2)

            // Logins keep flowing in the background while the key directory is rotated.
            let loginTask = Task { () -> (ok: Int, failed: Int, tokens: [String]) in
                var ok = 0
                var failed = 0
                var tokens: [String] = []
                let deadline = Date().addingTimeInterval(3)
                while Date() < deadline {
                    let (status, token) = try await client.execute(
                        uri: "/sessions",
                        method: .post,
                        body: ByteBuffer(string: #"{"username":"Cthon98","password":"hunter2"}"#)
                    ) { response in
                        (response.status, try JSONReader().parse(Array(response.body.readableBytesView)).objectValue?["token"]?.stringValue)
                    }
                    if status == .ok, let token {
                        ok += 1
                        tokens.append(token)
                    } else {
                        failed += 1
                    }
                }
                return (ok, failed, tokens)
            }

            try await Task.sleep(for: .milliseconds(300))
            let rotation = try await store.rotate(algorithm: .ES256, now: Date(), force: true)
            let after = try #require(rotation.rotations.first?.activated.keyID)
            #expect(after != before)

            let started = Date()
            var served: JWSKeySet = jwksBefore
            while Date().timeIntervalSince(started) < 5 {
                served = try await client.execute(uri: "/.well-known/jwks.json", method: .get) { response in
                    try JWKSet(json: Array(response.body.readableBytesView)).keySet
                }
                if served.keys.count == 3 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(served.keys.count == 3, "the JWKS did not change within 5 s")
            #expect(Date().timeIntervalSince(started) < 5)
            #expect(served.contains(keyID: before) && served.contains(keyID: after))

            let result = try await loginTask.value
            #expect(result.failed == 0)
            #expect(result.ok > 0)
            // Every token issued before, during and after the rotation verifies with the served JWKS.
            let kids = Set(try result.tokens.map { try CompactJWS($0).header.keyID ?? "" })
            for token in result.tokens {
                _ = try served.verify(token, policy: ValidationPolicy(issuers: ["http://127.0.0.1:8080"], expectedType: "at+jwt"))
            }
            #expect(kids.isSubset(of: [before, after]))
            // New logins are signed by the new current key.
            try await client.execute(uri: "/sessions", method: .post, body: ByteBuffer(string: #"{"username":"Cthon98","password":"hunter2"}"#)) {
                response in
                let token = try #require(try JSONReader().parse(Array(response.body.readableBytesView)).objectValue?["token"]?.stringValue)
                #expect(try CompactJWS(token).header.keyID == after)
            }
        }
    }

    @Test("a key directory that breaks while serving does not replace the good keys")
    func brokenDirectoryKeepsServing() async throws {
        let root = try Self.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = KeyStore(directory: root + "/Keys")
        _ = try await store.initialize(algorithms: [.ES256], now: Date())
        let source = KeyStoreKeyRingSource(store: store)
        let holder = KeyRingHolder(try await source.loadKeyRing())
        let reloader = KeyReloader(source: source, holder: holder, trapSIGHUP: false, logger: Logger(label: "test"))
        let version = holder.current.fingerprint
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: root + "/Keys/manifest.json"))
        #expect(await reloader.reload(reason: "test") == false)
        #expect(holder.current.fingerprint == version)
        #expect(holder.current.signingKeys[.ES256] != nil)
    }
}
