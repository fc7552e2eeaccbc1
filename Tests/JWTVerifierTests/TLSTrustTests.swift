import AsyncHTTPClient
import Foundation
import JOSE
import JWTVerifier
import NIOSSL
import TestPKI
import Testing

/// A server configuration presenting `issued` (TLS 1.2+ unless `maximumVersion` says otherwise).
func serverTLS(_ issued: TestPKI.Issued, maximumVersion: TLSVersion? = nil) throws -> TLSConfiguration {
    var configuration = TLSConfiguration.makeServerConfiguration(
        certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(issued.certificatePEM.utf8)).map { .certificate($0) },
        privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(issued.keyPEM.utf8), format: .pem))
    )
    if let maximumVersion {
        configuration.minimumTLSVersion = .tlsv1
        configuration.maximumTLSVersion = maximumVersion
    }
    return configuration
}

/// The ``TLSFailure`` of a fetch that must fail.
func tlsFailure(_ source: HTTPJWKSSource) async throws -> TLSFailure? {
    do {
        _ = try await source.fetch(ifNoneMatch: nil)
        Issue.record("\(source.url) was fetched although its certificate must be refused")
        return nil
    } catch let error as JWKSFetchError {
        guard case .tls(let url, let failure) = error else {
            Issue.record("expected a TLS refusal, got: \(error)")
            return nil
        }
        #expect(url == source.url)
        #expect(error.description.hasPrefix("\(source.url) refused: "))
        return failure
    }
}

@Suite("Trust roots and TLS refusals against a live HTTPS server")
struct TLSTrustTests {
    static let pki = Result { try TestPKI() }

    @Test("a JWKS over https is fetched when the CA is in the trust roots, by IP address and by name")
    func trustedCA() async throws {
        let pki = try Self.pki.get()
        let roots = try TrustRoots(pemBundle: pki.caPEM, source: "ca.pem")
        #expect(roots.certificateCount == 1)
        #expect(roots.description == "1 CA certificate from ca.pem")
        try await withJWKSServer(tls: try serverTLS(try pki.issue())) { server in
            try await withHTTPClient { client in
                let document = Fixture.jwks([try Fixture.key(kid: "k1")])
                await server.endpoints.set("/jwks", .jwks(document, etag: "\"v1\"", cacheControl: "max-age=60"))
                for host in ["127.0.0.1", "localhost"] {
                    let source = try HTTPJWKSSource(url: server.url("/jwks", host: host), client: client, options: .init(trustRoots: roots))
                    #expect(try await source.fetch(ifNoneMatch: nil) == .document(document, etag: "\"v1\"", maxAge: .seconds(60)), "\(host)")
                }
                let cache = try JWKSCache(url: server.url("/jwks"), client: client, options: .init(trustRoots: roots))
                try await cache.prefetch(now: Fixture.t0)
                #expect(await cache.status.keyIDs == ["k1"])
            }
        }
    }

    @Test("OIDC discovery over https with the trust roots; the jwks_uri is https too")
    func discoveryOverTLS() async throws {
        let pki = try Self.pki.get()
        let roots = try TrustRoots(pemBundle: pki.caPEM)
        try await withJWKSServer(tls: try serverTLS(try pki.issue())) { server in
            try await withHTTPClient { client in
                let issuer = server.base
                let configuration: JSONObject = ["issuer": .string(issuer), "jwks_uri": .string(server.url("/jwks"))]
                await server.endpoints.set("/.well-known/openid-configuration", .body(JSONWriter.bytes(configuration)))
                let found = try await OIDCDiscovery.jwksURI(issuer: issuer, client: client, options: .init(trustRoots: roots))
                #expect(found == server.url("/jwks"))
                #expect(found.hasPrefix("https://"))
                // Without the CA, discovery is refused with the reason, not a generic connection error.
                do {
                    _ = try await OIDCDiscovery.jwksURI(issuer: issuer, client: client)
                    Issue.record("discovery succeeded against an untrusted CA")
                } catch let error as JWKSFetchError {
                    #expect(error.description.contains("issuer not trusted"), "\(error)")
                }
            }
        }
    }

    @Test("the system roots do not trust a private CA: 'issuer not trusted', naming the CA and --jwks-ca-file")
    func systemRootsRefusePrivateCA() async throws {
        let pki = try Self.pki.get()
        try await withJWKSServer(tls: try serverTLS(try pki.issue())) { server in
            try await withHTTPClient { client in
                let failure = try await tlsFailure(try HTTPJWKSSource(url: server.url("/jwks"), client: client))
                guard case .untrustedIssuer(let host, let issuer) = failure else {
                    Issue.record("expected an untrusted issuer, got \(String(describing: failure))")
                    return
                }
                #expect(host == "127.0.0.1")
                #expect(issuer == "CN=Jot Test CA")
                #expect(failure?.description.hasPrefix("issuer not trusted: ") == true)
                #expect(failure?.description.contains("--jwks-ca-file") == true)
                #expect(await server.endpoints.requestCount("/jwks") == 0)
            }
        }
    }

    @Test("an expired certificate: 'certificate for 127.0.0.1 expired 3 days ago'")
    func expired() async throws {
        let pki = try Self.pki.get()
        let now = Date()
        let issued = try pki.issue(notBefore: now.addingTimeInterval(-30 * 86_400), notAfter: now.addingTimeInterval(-3 * 86_400 - 600))
        try await withJWKSServer(tls: try serverTLS(issued)) { server in
            try await withHTTPClient { client in
                let roots = try TrustRoots(pemBundle: pki.caPEM)
                let failure = try await tlsFailure(try HTTPJWKSSource(url: server.url("/jwks"), client: client, options: .init(trustRoots: roots)))
                guard case .expired = failure else {
                    Issue.record("expected expired, got \(String(describing: failure))")
                    return
                }
                #expect(failure?.description.hasPrefix("certificate for 127.0.0.1 expired 3 days ago") == true, "\(String(describing: failure))")
            }
        }
    }

    @Test("a certificate not valid yet is refused and says from when")
    func notYetValid() async throws {
        let pki = try Self.pki.get()
        let now = Date()
        let issued = try pki.issue(notBefore: now.addingTimeInterval(2 * 86_400 + 600), notAfter: now.addingTimeInterval(30 * 86_400))
        try await withJWKSServer(tls: try serverTLS(issued)) { server in
            try await withHTTPClient { client in
                let roots = try TrustRoots(pemBundle: pki.caPEM)
                let failure = try await tlsFailure(try HTTPJWKSSource(url: server.url("/jwks"), client: client, options: .init(trustRoots: roots)))
                guard case .notYetValid = failure else {
                    Issue.record("expected not yet valid, got \(String(describing: failure))")
                    return
                }
                #expect(failure?.description.contains("is not valid yet") == true)
                #expect(failure?.description.contains("in 2 days") == true, "\(String(describing: failure))")
            }
        }
    }

    @Test("a certificate for another name: 'certificate is for other.example, not 127.0.0.1' (and not localhost)")
    func wrongName() async throws {
        let pki = try Self.pki.get()
        let issued = try pki.issue(dnsNames: ["other.example"], ipAddresses: [])
        try await withJWKSServer(tls: try serverTLS(issued)) { server in
            try await withHTTPClient { client in
                let roots = try TrustRoots(pemBundle: pki.caPEM)
                for host in ["127.0.0.1", "localhost"] {
                    let source = try HTTPJWKSSource(url: server.url("/jwks", host: host), client: client, options: .init(trustRoots: roots))
                    let failure = try await tlsFailure(source)
                    #expect(failure == .nameMismatch(host: host, names: ["other.example"]))
                    #expect(failure?.description.hasPrefix("certificate is for other.example, not \(host)") == true)
                }
            }
        }
    }

    @Test("a self-signed certificate is refused as self-signed, even with a CA bundle configured")
    func selfSigned() async throws {
        let pki = try Self.pki.get()
        try await withJWKSServer(tls: try serverTLS(try TestPKI.selfSigned())) { server in
            try await withHTTPClient { client in
                for roots in [TrustRoots.system, try TrustRoots(pemBundle: pki.caPEM)] {
                    let failure = try await tlsFailure(
                        try HTTPJWKSSource(url: server.url("/jwks"), client: client, options: .init(trustRoots: roots))
                    )
                    #expect(failure == .selfSigned(host: "127.0.0.1", subject: "CN=self-signed jot server"), "\(roots)")
                    #expect(failure?.description.contains("is self-signed") == true)
                }
            }
        }
    }

    @Test("a certificate from another CA than the trusted one: 'issuer not trusted', naming that CA")
    func unknownCA() async throws {
        let pki = try Self.pki.get()
        let other = try TestPKI(name: "Other CA")
        try await withJWKSServer(tls: try serverTLS(try other.issue())) { server in
            try await withHTTPClient { client in
                let roots = try TrustRoots(pemBundle: pki.caPEM)
                let failure = try await tlsFailure(try HTTPJWKSSource(url: server.url("/jwks"), client: client, options: .init(trustRoots: roots)))
                #expect(failure == .untrustedIssuer(host: "127.0.0.1", issuer: "CN=Other CA"))
            }
        }
    }

    @Test("a server speaking only TLS 1.1 is refused: below 1.2")
    func oldProtocol() async throws {
        let pki = try Self.pki.get()
        try await withJWKSServer(tls: try serverTLS(try pki.issue(), maximumVersion: .tlsv11)) { server in
            try await withHTTPClient { client in
                let roots = try TrustRoots(pemBundle: pki.caPEM)
                let failure = try await tlsFailure(try HTTPJWKSSource(url: server.url("/jwks"), client: client, options: .init(trustRoots: roots)))
                #expect(failure == .protocolVersion(host: "127.0.0.1"))
                #expect(failure?.description.contains("below 1.2") == true)
            }
        }
    }

    @Test("an https URL to a plain-http server fails; it is never retried over http")
    func noFallbackToHTTP() async throws {
        try await withJWKSServer { server in
            try await withHTTPClient { client in
                await server.endpoints.set("/jwks", .jwks(Fixture.jwks([try Fixture.key()])))
                let url = "https://127.0.0.1:\(server.port)/jwks"
                let source = try HTTPJWKSSource(url: url, client: client)
                await #expect(throws: JWKSFetchError.self) { _ = try await source.fetch(ifNoneMatch: nil) }
                #expect(await server.endpoints.requestCount("/jwks") == 0)
            }
        }
    }

    @Test("a trust-root bundle must hold PEM certificates; the messages say what to give")
    func bundleErrors() throws {
        #expect(throws: TrustRootsError.noCertificates(source: "x.pem")) { _ = try TrustRoots(pemBundle: "", source: "x.pem") }
        let key = try TestPKI.selfSigned().keyPEM
        #expect(throws: TrustRootsError.noCertificates(source: "key.pem")) { _ = try TrustRoots(pemBundle: key, source: "key.pem") }
        #expect(TrustRootsError.noCertificates(source: "key.pem").description.contains("CA certificate"))
        let broken = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"
        #expect {
            _ = try TrustRoots(pemBundle: broken, source: "broken.pem")
        } throws: { error in
            guard case .invalidPEM(let source, _) = error as? TrustRootsError else { return false }
            return source == "broken.pem"
        }
        #expect {
            _ = try TrustRoots(pemFile: "/nonexistent/ca.pem")
        } throws: { error in
            guard case .unreadable(let path, _) = error as? TrustRootsError else { return false }
            return path == "/nonexistent/ca.pem"
        }
        #expect(TrustRoots.system.certificateCount == nil)
        #expect(TrustRoots.system.clientTLSConfiguration.minimumTLSVersion == .tlsv12)
    }

    @Test("the reasons read from a chain, at an injected time")
    func diagnosisWithInjectedTime() throws {
        let t0 = Fixture.t0
        let ca = try TestPKI(name: "Diag CA", now: t0)
        let valid = try ca.issue(notBefore: t0.addingTimeInterval(-86_400), notAfter: t0.addingTimeInterval(86_400))
        let names = [
            "expired 3 days ago": t0.addingTimeInterval(86_400 * 4), "expired 5 hours ago": t0.addingTimeInterval(86_400 + 5 * 3600 + 10),
        ]
        for (words, now) in names {
            let failure = TLSFailure.explainChain([valid.certificate], host: "127.0.0.1", now: now)
            #expect(failure?.description.contains(words) == true, "\(String(describing: failure))")
        }
        #expect(
            TLSFailure.explainChain([valid.certificate], host: "127.0.0.2", now: t0)
                == .nameMismatch(host: "127.0.0.2", names: ["localhost", "127.0.0.1"])
        )
        #expect(TLSFailure.explainChain([valid.certificate], host: "localhost", now: t0) == .untrustedIssuer(host: "localhost", issuer: "CN=Diag CA"))
        #expect(TLSFailure.explainChain([], host: "localhost", now: t0) == nil)
        let wildcard = try ca.issue(dnsNames: ["*.example.com"], ipAddresses: [], notBefore: t0, notAfter: t0.addingTimeInterval(60))
        #expect(
            TLSFailure.explainChain([wildcard.certificate], host: "a.example.com", now: t0)
                == .untrustedIssuer(host: "a.example.com", issuer: "CN=Diag CA")
        )
        #expect(
            TLSFailure.explainChain([wildcard.certificate], host: "a.b.example.com", now: t0)
                == .nameMismatch(host: "a.b.example.com", names: ["*.example.com"])
        )
        let v6 = try ca.issue(dnsNames: [], ipAddresses: [Array(repeating: 0, count: 15) + [1]], notBefore: t0, notAfter: t0.addingTimeInterval(60))
        #expect(TLSFailure.explainChain([v6.certificate], host: "[::1]", now: t0) == .untrustedIssuer(host: "[::1]", issuer: "CN=Diag CA"))
        #expect(TLSFailure.explainChain([v6.certificate], host: "127.0.0.1", now: t0) == .nameMismatch(host: "127.0.0.1", names: ["::1"]))
    }
}
