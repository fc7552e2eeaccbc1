public import ArgumentParser
import Foundation
import JOSE

/// `jot jwk generate --alg ALG [--out FILE]`: a PKCS#8 PEM private key, or an `oct` JWK for HMAC.
public struct JWKGenerate: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a private key: PKCS#8 PEM (ES256, RS256, PS256, EdDSA, …) or an oct JWK (HS256/384/512).",
        discussion: "With --out the file is created with mode 0600 and never overwritten; the kid is printed on stderr."
    )

    @Option(name: .long, help: "ES256, ES384, ES512, RS256, RS384, RS512, PS256, PS384, PS512, EdDSA, HS256, HS384, HS512.")
    public var alg: String

    @Option(name: .long, help: ArgumentHelp("Write the key to this new file (mode 0600) instead of standard output.", valueName: "file"))
    public var out: String?

    @Option(name: .customLong("rsa-bits"), help: "RSA modulus size (≥ 2048).")
    public var rsaBits: Int = 2048

    public init() {}

    public func run() async throws {
        let (text, keyID) = try generate()
        if let out {
            try IO.writeSecretFile(out, contents: text)
            IO.printError("wrote \(out) (mode 0600), kid \(keyID)\n")
        } else {
            print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        }
    }

    /// The key file contents and its kid.
    package func generate() throws -> (text: String, keyID: String) {
        let algorithm = try CLIAlgorithm.parse(alg)
        if algorithm.isSymmetric {
            let keyID = Base64URL.encode((0..<16).map { _ in UInt8.random(in: 0...255) })
            let key = try JWSSigningKey.generate(algorithm, keyID: keyID)
            let jwk: JSONObject = [
                "kty": "oct",
                "k": .string(Base64URL.encode(key.hmacSecretBytes ?? [])),
                "alg": .string(algorithm.rawValue),
                "kid": .string(keyID),
                "use": "sig",
            ]
            return (JSONWriter.prettyString(.object(jwk)) + "\n", keyID)
        }
        let key = try JWSSigningKey.generate(algorithm, rsaKeySize: rsaBits)
        return (key.pkcs8PEMRepresentation ?? "", key.keyID ?? "")
    }
}
