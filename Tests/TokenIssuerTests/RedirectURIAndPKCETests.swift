import Testing

@testable import TokenIssuer

@Suite("Redirect URIs (RFC 9700 §4.1.3, RFC 8252 §7) and PKCE (RFC 7636)")
struct RedirectURIAndPKCETests {
    @Test(
        "registration refuses what could leak a code",
        arguments: [
            ("http://app.example/cb", "uses http"),
            ("https://app.example/cb#frag", "fragment"),
            ("https://user:pw@app.example/cb", "userinfo"),
            ("myapp:/cb", "private-use"),
            ("/relative/cb", "absolute"),
            ("https://app.example/c b", "spaces"),
            ("http://localhost:8080/cb", "uses http"),
        ]
    )
    func refusedRegistrations(uri: String, reason: String) {
        let problem = RedirectURI.registrationProblem(uri)
        #expect(problem?.contains(reason) == true, "\(uri): \(problem ?? "accepted")")
    }

    @Test("registration accepts https, loopback IP http and private-use schemes")
    func acceptedRegistrations() {
        for uri in ["https://app.example/cb", "http://127.0.0.1:8083/callback", "http://[::1]/cb", "com.example.app:/oauth2redirect"] {
            #expect(RedirectURI.registrationProblem(uri) == nil, "\(uri)")
        }
    }

    @Test(
        "open-redirect variants never match a registered URI",
        arguments: [
            "https://app.example:8443/cb",  // another port of a non-loopback URI
            "https://app.example/cb/extra",  // path suffix
            "https://app.example/c",  // prefix
            "https://app.example/cbx",
            "https://evil@app.example/cb",  // userinfo
            "https://app.example/cb#x",  // fragment
            "https://app.example/cb/%2e%2e/evil",  // encoded dots
            "https://app.example/a/../cb",
            "https://app.example/cb?x=1",  // an added query
            "HTTPS://APP.EXAMPLE/cb",  // case changes
            "https://app.example.evil.example/cb",
            "http://app.example/cb",  // downgrade
            "http://localhost:9000/callback",  // localhost for 127.0.0.1
            "http://127.0.0.1:9000/callback/x",
            "http://127.0.0.1:9000/callback?x",
            "http://u@127.0.0.1:9000/callback",
            "http://127.0.0.2:9000/callback",
        ]
    )
    func openRedirects(presented: String) {
        #expect(!RedirectURI.matches(presented, registered: ["https://app.example/cb", "http://127.0.0.1:8083/callback"]))
    }

    @Test("exact match; a loopback http redirect URI matches on any port (RFC 8252 §7.3)")
    func matches() {
        let registered = ["https://app.example/cb", "http://127.0.0.1:8083/callback", "http://[::1]/cb"]
        #expect(RedirectURI.matches("https://app.example/cb", registered: registered))
        #expect(RedirectURI.matches("http://127.0.0.1:51234/callback", registered: registered))
        #expect(RedirectURI.matches("http://127.0.0.1/callback", registered: registered))
        #expect(RedirectURI.matches("http://[::1]:4000/cb", registered: registered))
    }

    @Test("PKCE S256: the RFC 7636 Appendix B vector, and refusals")
    func pkce() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        #expect(PKCE.isChallenge(challenge))
        #expect(PKCE.verifies(verifier, challenge: challenge))
        #expect(!PKCE.verifies(verifier + "x", challenge: challenge))
        #expect(!PKCE.verifies(String(verifier.dropLast()), challenge: challenge))  // 42 characters: too short
        #expect(!PKCE.verifies(verifier, challenge: verifier))
        #expect(!PKCE.isChallenge("short"))
        #expect(!PKCE.verifies(String(repeating: "a", count: 129), challenge: challenge))
        #expect(!PKCE.verifies(String(repeating: "a", count: 42) + " ", challenge: challenge))
    }
}
