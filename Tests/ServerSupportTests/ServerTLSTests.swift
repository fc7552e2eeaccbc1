import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOSSL
import ServerSupport
import TestPKI
import Testing

@Suite("ServerTLS: loading, refusing and reloading a certificate and key")
struct ServerTLSTests {
    @Test("a good pair loads; its subject and names are reported")
    func loads() throws {
        let directory = try TestPKI.temporaryDirectory()
        let pki = try TestPKI()
        let files = try TestPKI.write(try pki.issue(commonName: "first"), to: directory, name: "server")
        let tls = try ServerTLS(certificatePath: files.certificate, keyPath: files.key)
        #expect(tls.subject == "CN=first")
        #expect(tls.names == ["localhost", "127.0.0.1"])
        #expect(tls.problem == nil)
        #expect(tls.metadata["tls.subject"] == "CN=first")
    }

    @Test("a key file readable by group or others is refused, naming chmod 600")
    func keyPermissions() throws {
        let directory = try TestPKI.temporaryDirectory()
        let files = try TestPKI.write(try TestPKI().issue(), to: directory, name: "server")
        for mode in [0o644, 0o640, 0o604] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: files.key)
            #expect {
                _ = try ServerTLS(certificatePath: files.certificate, keyPath: files.key)
            } throws: { error in
                guard case .keyReadableByOthers(let path, _) = error as? ServerTLSError else { return false }
                return path == files.key && (error as? ServerTLSError)?.description.contains("chmod 600 \(files.key)") == true
            }
        }
    }

    @Test("a key that is not the certificate's, an expired certificate, a missing file: each refused with its reason")
    func refusals() throws {
        let directory = try TestPKI.temporaryDirectory()
        let pki = try TestPKI()
        let first = try TestPKI.write(try pki.issue(), to: directory, name: "first")
        let second = try TestPKI.write(try pki.issue(), to: directory, name: "second")
        #expect(throws: ServerTLSError.mismatchedPair(certificate: first.certificate, key: second.key)) {
            _ = try ServerTLS(certificatePath: first.certificate, keyPath: second.key)
        }
        let now = Date()
        let old = try pki.issue(notBefore: now.addingTimeInterval(-10 * 86_400), notAfter: now.addingTimeInterval(-86_400))
        let expired = try TestPKI.write(old, to: directory, name: "expired")
        #expect {
            _ = try ServerTLS(certificatePath: expired.certificate, keyPath: expired.key)
        } throws: { error in
            guard case .expired(let path, _) = error as? ServerTLSError else { return false }
            return path == expired.certificate
        }
        #expect {
            _ = try ServerTLS(certificatePath: directory + "/missing.crt", keyPath: first.key)
        } throws: { error in
            guard case .unreadable(let path, _) = error as? ServerTLSError else { return false }
            return path == directory + "/missing.crt"
        }
        // A key file given as the certificate.
        #expect {
            _ = try ServerTLS(certificatePath: first.key, keyPath: first.key)
        } throws: { error in
            guard case .invalidCertificate = error as? ServerTLSError else { return false }
            return true
        }
    }

    @Test("the options need both files; environment variables work like the flags")
    func options() throws {
        let directory = try TestPKI.temporaryDirectory()
        let files = try TestPKI.write(try TestPKI().issue(), to: directory, name: "server")
        #expect(try ServerTLSOptions.parse([]).resolve(environment: [:]) == nil)
        #expect(try ServerTLSOptions.parse([]).isRequested(environment: [:]) == false)
        #expect(throws: OperatorInput.Refusal.self) {
            _ = try ServerTLSOptions.parse(["--tls-certificate", files.certificate]).resolve(environment: [:])
        }
        #expect(throws: OperatorInput.Refusal.self) { _ = try ServerTLSOptions.parse(["--tls-key", files.key]).resolve(environment: [:]) }
        let fromEnvironment = try ServerTLSOptions.parse([]).resolve(environment: ["TLS_CERTIFICATE": files.certificate, "TLS_KEY": files.key])
        #expect(fromEnvironment?.certificatePath == files.certificate)
        #expect(try ServerTLSOptions.parse([]).isRequested(environment: ["TLS_CERTIFICATE": files.certificate]))
    }

    @Test("reload: a renewal replaces the pair; a broken pair keeps the old one, is reported once, and clears when fixed")
    func reload() throws {
        let directory = try TestPKI.temporaryDirectory()
        let pki = try TestPKI()
        let files = try TestPKI.write(try pki.issue(commonName: "v1"), to: directory, name: "server")
        let tls = try ServerTLS(certificatePath: files.certificate, keyPath: files.key)
        #expect(tls.reload() == .unchanged)

        try TestPKI.write(try pki.issue(commonName: "v2"), to: directory, name: "server")
        #expect(tls.reload() == .reloaded)
        #expect(tls.subject == "CN=v2")

        // A renewal half written: the new certificate with the old key.
        let v3 = try pki.issue(commonName: "v3")
        try v3.certificatePEM.write(toFile: files.certificate, atomically: true, encoding: .utf8)
        #expect(tls.reload() == .failed(.mismatchedPair(certificate: files.certificate, key: files.key)))
        #expect(tls.subject == "CN=v2")
        #expect(tls.problem == .mismatchedPair(certificate: files.certificate, key: files.key))
        #expect(tls.reload() == .unchanged, "reported once per change of the files")
        #expect(tls.reload(force: true) == .failed(.mismatchedPair(certificate: files.certificate, key: files.key)), "SIGHUP retries")

        try v3.keyPEM.write(toFile: files.key, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: files.key)
        #expect(tls.reload() == .reloaded)
        #expect(tls.subject == "CN=v3")
        #expect(tls.problem == nil)
    }

    @Test("live HTTPS on the ServerEdge: TLS 1.2+ only, and a renewed certificate served to new connections without a restart")
    func liveRenewal() async throws {
        let directory = try TestPKI.temporaryDirectory()
        let first = try TestPKI(name: "First CA")
        let second = try TestPKI(name: "Second CA")
        let files = try TestPKI.write(try first.issue(), to: directory, name: "server")
        let tls = try ServerTLS(certificatePath: files.certificate, keyPath: files.key)
        let edge = ServerEdge(limits: ServerLimits(), tls: tls, openFileLimit: nil)
        #expect(edge.scheme == "https")
        let router = Router()
        router.get("/ping") { _, _ in "pong" }
        try await ServerEdgeLiveTests.run(router, on: edge, label: "tls-test") { port in
            let url = "https://127.0.0.1:\(port)/ping"
            #expect(try await Self.get(url, trusting: first.caPEM) == "pong")
            await #expect(throws: (any Error).self) { try await Self.get(url, trusting: second.caPEM) }
            await #expect(throws: (any Error).self, "TLS 1.1 is refused") {
                try await Self.get(url, trusting: first.caPEM, maximumVersion: .tlsv11)
            }

            try TestPKI.write(try second.issue(), to: directory, name: "server")
            #expect(tls.reload() == .reloaded)
            #expect(try await Self.get(url, trusting: second.caPEM) == "pong")
            await #expect(throws: (any Error).self) { try await Self.get(url, trusting: first.caPEM) }
        }
    }

    /// One GET on a new client (so a new connection), trusting only `caPEM`.
    static func get(_ url: String, trusting caPEM: String, maximumVersion: TLSVersion? = nil) async throws -> String {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
        if let maximumVersion {
            tls.minimumTLSVersion = .tlsv1
            tls.maximumTLSVersion = maximumVersion
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.httpVersion = .http1Only
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
            let body = String(buffer: try await response.body.collect(upTo: 1024))
            try await client.shutdown()
            return body
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
