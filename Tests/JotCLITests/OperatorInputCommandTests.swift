import ArgumentParser
import JotCLI
import Testing
import TokenIssuer

@Suite("jot refuses odd operator input, naming the flag and the accepted range")
struct OperatorInputCommandTests {
    static func refusal(_ arguments: [String]) async -> String? {
        do {
            _ = try await ServeCommand.parse(arguments).resolvedConfiguration(environment: [:])
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test(
        "jot serve",
        arguments: [
            (["--port", "70000"], "--port 70000 is out of range: use 0–65535"),
            (["--token-ttl", "999999999999"], "--token-ttl 999999999999 is out of range: use 1–86400 seconds"),
            (["--token-ttl", "90000"], "--token-ttl 90000 is over a day"),
            (["--issuer", "javascript:alert(1)"], "--issuer 'javascript:alert(1)' is not an absolute URL: use an absolute https URL"),
            (["--issuer", "http://issuer.example"], "--issuer 'http://issuer.example' is http on a non-loopback host"),
            (["--audience", ""], "--audience '' is empty"),
            (["--jwks-max-age=-1"], "--jwks-max-age -1 is out of range: use 0–86400 seconds"),
            (["--port", "0"], "--port 0 picks a free port, so the issuer URL (the tokens' iss) is not known before the server binds"),
            (["--host", "192.0.2.10"], "--host 192.0.2.10 serves other machines, and the issuer URL must then be https: give --issuer"),
            (["--host", "0.0.0.0", "--tls-certificate", "c.pem", "--tls-key", "k.pem"], "--host 0.0.0.0 listens on every address, which is no URL"),
        ]
    )
    func serve(arguments: [String], expected: String) async {
        let message = await Self.refusal(arguments)
        #expect(message?.hasPrefix(expected) == true, "\(message ?? "accepted")")
    }

    @Test("jot serve accepts the defaults, and a long token lifetime only with the flag that names the risk")
    func serveAccepts() async throws {
        #expect(await Self.refusal([]) == nil)
        #expect(await Self.refusal(["--issuer", "https://issuer.example", "--token-ttl", "86400"]) == nil)
        #expect(await Self.refusal(["--token-ttl", "90000", "--allow-long-token-ttl"]) == nil)
        #expect(await Self.refusal(["--port", "0", "--issuer", "http://127.0.0.1:9999"]) == nil)
        #expect(await Self.refusal(["--host", "0.0.0.0", "--issuer", "https://auth.example/"]) == nil)
        // The issuer is kept exactly as given (verifiers compare iss byte for byte); endpoints drop the trailing '/'.
        let configuration = try await ServeCommand.parse(["--issuer", "https://auth.example/"]).resolvedConfiguration(environment: [:])
        #expect(configuration.issuer == "https://auth.example/")
        #expect(configuration.jwksURI == "https://auth.example/.well-known/jwks.json")
    }

    @Test("jot serve --reload-interval is 1–60 seconds")
    func reloadInterval() {
        #expect(throws: (any Error).self) { try ServeCommand.parse(["--reload-interval", "0"]) }
        #expect(throws: (any Error).self) { try ServeCommand.parse(["--reload-interval", "10000000000000000"]) }
        #expect(throws: Never.self) { try ServeCommand.parse(["--reload-interval", "60"]) }
    }

    @Test("jot serve's network limits are checked at parse time")
    func serveLimits() {
        #expect(throws: (any Error).self) { try ServeCommand.parse(["--header-timeout", "0"]) }
        #expect(throws: (any Error).self) { try ServeCommand.parse(["--shutdown-grace", "100000"]) }
    }

    @Test("jot token sign and verify check their numbers too")
    func token() {
        #expect(throws: (any Error).self) {
            try TokenCommand.parseAsRoot(["sign", "--claims", "{}", "--secret-env", "S", "--expires-in", "999999999999"])
        }
        #expect(throws: (any Error).self) { try TokenCommand.parseAsRoot(["verify", "t", "--jwks", "f", "--leeway", "100000"]) }
        #expect(throws: (any Error).self) { try TokenCommand.parseAsRoot(["verify", "t", "--jwks", "f", "--audience", ""]) }
    }
}
