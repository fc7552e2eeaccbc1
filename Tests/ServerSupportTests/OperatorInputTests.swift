import ArgumentParser
import ServerSupport
import Testing

@Suite("OperatorInput: every refusal names the flag and the accepted range")
struct OperatorInputTests {
    @Test("ports 0–65535", arguments: [-1, 65536, 70000])
    func portsOutOfRange(port: Int) {
        let error = #expect(throws: OperatorInput.Refusal.self) { try OperatorInput.port(port) }
        #expect(error?.description == "--port \(port) is out of range: use 0–65535")
    }

    @Test("ports in range are kept")
    func portsInRange() throws {
        #expect(try OperatorInput.port(0) == 0)
        #expect(try OperatorInput.port(65535) == 65535)
    }

    @Test("token lifetime: 1 s to a day; more only with the flag naming the risk, and never absurd")
    func tokenTTL() throws {
        #expect(try OperatorInput.tokenTTL(300, allowLong: false) == 300)
        let overADay = #expect(throws: OperatorInput.Refusal.self) { try OperatorInput.tokenTTL(86_401, allowLong: false) }
        #expect(overADay?.description.contains("--allow-long-token-ttl") == true)
        #expect(try OperatorInput.tokenTTL(86_401, allowLong: true) == 86_401)
        let absurd = #expect(throws: OperatorInput.Refusal.self) { try OperatorInput.tokenTTL(999_999_999_999, allowLong: true) }
        #expect(absurd?.description == "--token-ttl 999999999999 is out of range: use 1–2592000 seconds")
        let zero = #expect(throws: OperatorInput.Refusal.self) { try OperatorInput.tokenTTL(0, allowLong: false) }
        #expect(zero?.description == "--token-ttl 0 is out of range: use 1–86400 seconds")
    }

    @Test("JWKS max-age: 0 to a day")
    func jwksMaxAge() throws {
        #expect(try OperatorInput.jwksMaxAge(0) == 0)
        let error = #expect(throws: OperatorInput.Refusal.self) { try OperatorInput.jwksMaxAge(86_401) }
        #expect(error?.description == "--jwks-max-age 86401 is out of range: use 0–86400 seconds")
    }

    @Test(
        "issuer: absolute https, or http on loopback",
        arguments: ["https://issuer.example", "https://issuer.example/tenant", "http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"]
    )
    func issuersAccepted(issuer: String) throws {
        #expect(try OperatorInput.issuer(issuer) == issuer)
    }

    @Test(
        "issuer: anything else is refused naming --issuer",
        arguments: [
            "javascript:alert(1)", "", "issuer.example", "http://issuer.example", "ftp://issuer.example", "https://issuer.example?x=1",
            "https://issuer.example#f", "https://user@issuer.example", "https://issuer.example/a b", "http://127.0.0.1.evil.example",
        ]
    )
    func issuersRefused(issuer: String) {
        let error = #expect(throws: OperatorInput.Refusal.self) { try OperatorInput.issuer(issuer) }
        #expect(error?.description.hasPrefix("--issuer '") == true)
        #expect(error?.description.contains("https") == true)
    }

    @Test("audiences: at least one, none empty")
    func audiences() throws {
        #expect(try OperatorInput.audiences(["jot", "api"]) == ["jot", "api"])
        let empty = #expect(throws: OperatorInput.Refusal.self) { try OperatorInput.audiences([""]) }
        #expect(empty?.description.hasPrefix("--audience '' is empty") == true)
        #expect(throws: OperatorInput.Refusal.self) { try OperatorInput.audiences([]) }
    }

    @Test("server limits: defaults, flags, environment, and refusals naming the flag or variable")
    func serverLimits() throws {
        let defaults = try ServerLimitsOptions.parse([]).resolve(environment: [:])
        #expect(defaults == ServerLimits())
        #expect(defaults.shutdownGracePeriod <= .seconds(10))
        let flags = try ServerLimitsOptions.parse(["--header-timeout", "2", "--shutdown-grace", "3"]).resolve(environment: [
            "HTTP_HEADER_TIMEOUT": "9"
        ])
        #expect(flags.headerReadTimeout == .seconds(2))
        #expect(flags.shutdownGracePeriod == .seconds(3))
        let env = try ServerLimitsOptions.parse([]).resolve(environment: ["HTTP_MAX_CONNECTIONS": "50"])
        #expect(env.maxConnections == 50)
        var zeroIdle = try ServerLimitsOptions.parse([])
        zeroIdle.idleTimeout = 0
        let bad = #expect(throws: OperatorInput.Refusal.self) { try zeroIdle.resolve(environment: [:]) }
        #expect(bad?.description == "--idle-timeout 0 is out of range: use 1–3600 seconds")
        #expect(throws: (any Error).self) { try ServerLimitsOptions.parse(["--max-connections", "0"]) }
        let badEnv = #expect(throws: OperatorInput.Refusal.self) {
            try ServerLimitsOptions.parse([]).resolve(environment: ["HTTP_BODY_TIMEOUT": "soon"])
        }
        #expect(badEnv?.description == "HTTP_BODY_TIMEOUT=soon is not a whole number: use 1–3600")
    }

    @Test("the connection cap fits under the open-file limit")
    func connectionCap() {
        let limits = ServerLimits(maxConnections: 4096)
        #expect(limits.effectiveMaxConnections(openFileLimit: 1024) == 1024 - ServerLimits.reservedFileDescriptors)
        #expect(limits.effectiveMaxConnections(openFileLimit: 1_000_000) == 4096)
        #expect(limits.effectiveMaxConnections(openFileLimit: nil) == 4096)
    }
}
