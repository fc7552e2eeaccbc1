import ArgumentParser
import Foundation
import JOSE
import Testing

@testable import JotCLI

/// The `jot token` and `jot jwk` commands, parsed from argument lists and run in-process.
@Suite("jot token / jot jwk")
struct TokenCommandTests {
    static let vectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("JOSETests/Vectors")

    static func vector(_ name: String) throws -> JSONObject {
        let data = try Data(contentsOf: vectors.appendingPathComponent(name))
        return try #require(try JSONReader().parse(Array(data)).objectValue)
    }

    static func temp(_ contents: String, name: String = UUID().uuidString) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jot-cli-\(name)").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `jot token verify …` in-process; returns stdout or the error ArgumentParser would print (exit status).
    static func verify(_ arguments: [String], environment: [String: String]? = nil) async -> (output: String?, error: String?, exitCode: Int32) {
        do {
            let command = try TokenVerify.parse(arguments)
            return (try await command.output(environment: environment), nil, 0)
        } catch {
            return (nil, Jot.message(for: error), Jot.exitCode(for: error).rawValue)
        }
    }

    @Test("Without --issuer/--audience, verify warns which checks it skipped; with both, it does not")
    func skippedChecksWarning() throws {
        let bare = try TokenVerify.parse(["a.b.c", "--jwk", "k.json"])
        #expect(
            bare.skippedChecksWarning
                == "warning: not checked: the issuer (iss; pass --issuer) and the audience (aud; pass --audience); a token of any issuer or audience passes these"
        )
        #expect(try TokenVerify.parse(["a.b.c", "--jwk", "k.json", "--issuer", "joe"]).skippedChecksWarning?.contains("audience (aud") == true)
        #expect(try TokenVerify.parse(["a.b.c", "--jwk", "k.json", "--issuer", "joe"]).skippedChecksWarning?.contains("the issuer (iss") == false)
        #expect(try TokenVerify.parse(["a.b.c", "--jwk", "k.json", "--audience", "api"]).skippedChecksWarning?.contains("the issuer (iss") == true)
        #expect(try TokenVerify.parse(["a.b.c", "--jwk", "k.json", "--issuer", "joe", "--audience", "api"]).skippedChecksWarning == nil)
    }

    @Test(
        "RFC 7515 A.1–A.3 tokens verify with their JWKs at --now inside their validity",
        arguments: [
            "rfc7515-a1-hs256.json", "rfc7515-a2-rs256.json", "rfc7515-a3-es256.json",
        ]
    )
    func rfc7515(_ file: String) async throws {
        let vector = try Self.vector(file)
        let token = try #require(vector["token"]?.stringValue)
        let jwk = try Self.temp(JSONWriter.string(try #require(vector["jwk"])))
        let result = await Self.verify([token, "--jwk", jwk, "--now", "1300819000", "--issuer", "joe"])
        #expect(result.exitCode == 0, "\(result.error ?? "")")
        let output = try #require(result.output)
        let document = try #require(try JSONReader().parse(output).objectValue)
        #expect(document["claims"]?.objectValue?["iss"] == "joe")
        #expect(document["claims"]?.objectValue?["http://example.com/is_root"] == true)
        #expect(document["header"]?.objectValue?["alg"]?.stringValue == vector["algorithm"]?.stringValue)

        // The same token after its exp (1300819380) + leeway: exit 1 naming the rule.
        let late = await Self.verify([token, "--jwk", jwk, "--now", "1300819452"])
        #expect(late.exitCode == 1)
        #expect(late.error == "invalid token: token expired 72 s ago (leeway 30 s)")
        // Another issuer expected.
        let wrongIssuer = await Self.verify([token, "--jwk", jwk, "--now", "1300819000", "--issuer", "mallory"])
        #expect(wrongIssuer.exitCode == 1)
        #expect(wrongIssuer.error?.contains("issuer 'joe' is not accepted") == true)
    }

    @Test("each rejection rule exits 1 with a message naming it")
    func rejections() async throws {
        let es256 = try Self.vector("rfc7515-a3-es256.json")
        let token = try #require(es256["token"]?.stringValue)
        let jwk = try Self.temp(JSONWriter.string(try #require(es256["jwk"])))
        let parts = token.split(separator: ".").map(String.init)
        let now = ["--now", "1300819000"]
        func header(_ json: String) -> String { Base64URL.encode(Array(json.utf8)) }
        let cases: [(String, [String], String)] = [
            ("tampered signature", [parts[0] + "." + parts[1] + "." + Self.flip(parts[2], at: 10)], "signature does not verify"),
            ("tampered payload", [parts[0] + "." + Self.flip(parts[1], at: 5) + "." + parts[2]], "signature does not verify"),
            ("two segments", [parts[0] + "." + parts[1]], "has 2"),
            ("padding", [token + "="], "strict base64url"),
            ("alg none", [header(#"{"alg":"none"}"#) + "." + parts[1] + ".", "--no-exp-required"], "alg 'none'"),
            ("alg mismatch", [header(#"{"alg":"HS256"}"#) + "." + parts[1] + "." + parts[2]], "alg HS256 does not match key"),
            ("unknown crit", [header(#"{"alg":"ES256","crit":["x"],"x":1}"#) + "." + parts[1] + "." + parts[2]], "critical"),
            ("b64", [header(#"{"alg":"ES256","b64":false}"#) + "." + parts[1] + "." + parts[2]], "b64"),
            ("duplicate header member", [header(#"{"alg":"ES256","alg":"ES256"}"#) + "." + parts[1] + "." + parts[2]], "duplicate member name"),
            ("DER signature length", [parts[0] + "." + parts[1] + "." + Base64URL.encode([UInt8](repeating: 1, count: 72))], "exactly 64 bytes"),
            ("too large", [String(repeating: "a", count: 20000)], "over the limit of 16384"),
            ("wrong --alg", [token, "--alg", "ES384"], "not allowed"),
        ]
        for (name, arguments, expected) in cases {
            let result = await Self.verify(arguments + ["--jwk", jwk] + now)
            #expect(result.exitCode == 1, "\(name)")
            #expect(result.error?.contains(expected) == true, "\(name): \(result.error ?? "accepted")")
        }
    }

    /// Changes one base64url character in the middle of a segment (keeping it canonical).
    static func flip(_ segment: String, at offset: Int) -> String {
        var characters = Array(segment)
        characters[offset] = characters[offset] == "A" ? "B" : "A"
        return String(characters)
    }

    @Test("an HMAC secret from the environment: short secrets need --allow-weak-secret")
    func secrets() async throws {
        let environment = ["S": String(repeating: "s", count: 40), "W": "weak"]
        let sign = try TokenSign.parse(["--claims", #"{"sub":"a"}"#, "--secret-env", "S", "--expires-in", "60"])
        let token = try await sign.output(environment: environment)
        #expect(await Self.verify([token, "--secret-env", "S"], environment: environment).exitCode == 0)
        #expect(await Self.verify([token, "--secret-env", "W"], environment: environment).error?.contains("at least 32") == true)
        #expect(
            await Self.verify([token, "--secret-env", "W", "--allow-weak-secret"], environment: environment).error?.contains(
                "signature does not verify"
            ) == true
        )
        #expect(await Self.verify([token, "--secret-env", "MISSING"], environment: environment).error?.contains("MISSING is not set") == true)
        let weak = try TokenSign.parse(["--claims", "{}", "--secret-env", "W"])
        await #expect(throws: JOSEError.hmacKeyTooShort(.HS256, bytes: 4, minimum: 32)) { try await weak.output(environment: environment) }
    }

    @Test("sign with --header: members added, null removes, alg cannot change")
    func headerEditing() throws {
        let key = try JWSSigningKey.generate(.ES256)
        let header = try TokenSign.header(for: key, patch: ["typ": .null, "cty": "x"])
        #expect(header["typ"] == nil)
        #expect(header["cty"] == "x")
        #expect(header["kid"]?.stringValue == key.keyID)
        #expect(throws: CLIError.self) { try TokenSign.header(for: key, patch: ["alg": "HS256"]) }
    }

    @Test("jwk generate → public → sign → verify through a JWKS; RSA needs --alg")
    func jwkRoundTrip() async throws {
        for alg in ["ES256", "EdDSA", "PS256"] {
            let (pem, kid) = try JWKGenerate.parse(["--alg", alg]).generate()
            #expect(pem.contains("BEGIN PRIVATE KEY"))
            let pemPath = try Self.temp(pem)
            let publicArguments = alg == "PS256" ? [pemPath, "--jwks", "--alg", alg] : [pemPath, "--jwks"]
            let jwks = try Self.temp(try JWKPublic.parse(publicArguments).output())
            #expect(try String(contentsOfFile: jwks, encoding: .utf8).contains(kid))
            let token = try await TokenSign.parse(["--claims", #"{"sub":"x"}"#, "--key", pemPath, "--alg", alg, "--expires-in", "60"]).output()
            #expect(await Self.verify([token, "--jwks", jwks]).exitCode == 0)
        }
        let (rsa, _) = try JWKGenerate.parse(["--alg", "RS256"]).generate()
        #expect(throws: CLIError.self) { try JWKPublic.parse([try Self.temp(rsa)]).output() }
        let (oct, _) = try JWKGenerate.parse(["--alg", "HS256"]).generate()
        #expect(oct.contains("\"kty\": \"oct\""))
        #expect(throws: CLIError.self) { try JWKPublic.parse([try Self.temp(oct)]).output() }
    }

    @Test("decode shows unverified header and claims")
    func decode() throws {
        let token = try #require(try Self.vector("rfc7515-a3-es256.json")["token"]?.stringValue)
        let output = try TokenDecode.parse([token]).output()
        let document = try #require(try JSONReader().parse(output).objectValue)
        #expect(document["verified"] == false)
        #expect(document["claims"]?.objectValue?["iss"] == "joe")
        #expect(throws: CLIError.self) { try TokenDecode.parse(["a.b"]).output() }
    }
}
