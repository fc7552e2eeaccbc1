public import ArgumentParser
import JOSE

/// `jot jwk public FILE`: the public JWK (kid = RFC 7638 thumbprint) of a PEM key or a JWK file.
public struct JWKPublic: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "public",
        abstract: "Print the public JWK of a private or public key (PEM, or a JWK JSON file), kid = RFC 7638 thumbprint."
    )

    @Argument(help: "A PEM file (PKCS#8 / SPKI) or a JWK JSON file.")
    public var file: String

    @Option(name: .long, help: "The algorithm an RSA key is pinned to (required for RSA PEM keys).")
    public var alg: String?

    @Option(name: .long, help: "Use this kid instead of the thumbprint.")
    public var kid: String?

    @Flag(name: .long, help: "Print a JWKS document ({\"keys\":[…]}) instead of a single JWK.")
    public var jwks = false

    public init() {}

    public func run() async throws {
        print(try output())
    }

    package func output() throws -> String {
        let text = try IO.readText(file)
        let algorithm = try alg.map(CLIAlgorithm.parse)
        let key: JWSVerificationKey
        if IO.trimmed(text).hasPrefix("{") {
            let jwk = try JWK(json: text)
            if jwk.keyType == "oct" { throw CLIError.keyProblem("\(file) is a symmetric (oct) key: it has no public JWK and is never published") }
            key = try jwk.verificationKey(defaultRSAAlgorithm: algorithm ?? .RS256)
        } else if text.contains("PRIVATE KEY") {
            key =
                try algorithm.map { try JWSSigningKey(pemRepresentation: text, algorithm: $0) }?.verificationKey
                ?? JWSSigningKey(pemRepresentation: text, rsaAlgorithm: .RS256).verificationKey
            if algorithm == nil, key.algorithm.keyType == "RSA" {
                throw CLIError.keyProblem("this is an RSA key, which can serve RS256/384/512 or PS256/384/512: pass --alg to pin one")
            }
        } else {
            key = try VerificationKeyOptions.pemVerificationKey(text, algorithm: algorithm)
        }
        guard var jwk = key.publicJWK else { throw CLIError.keyProblem("\(file) has no public key") }
        jwk = key.withKeyID(kid ?? jwk.thumbprint()).publicJWK ?? jwk
        let value: JSONValue = jwks ? .object(PublicJWK.jwksDocument([jwk])) : .object(jwk.jsonObject)
        return JSONWriter.prettyString(value)
    }
}
