public import ArgumentParser
package import JOSE

/// How `jot token verify` is told which key to trust: exactly one of a JWKS, a JWK, a PEM key or a secret.
public struct VerificationKeyOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A JWKS document (keys chosen by kid; oct keys refused).", valueName: "file"))
    public var jwks: String?

    @Option(
        name: .customLong("jwks-url"),
        help: ArgumentHelp(
            "Fetch the JWKS from this URL: https (plain http only on loopback), no redirects, 256 KiB at most.",
            valueName: "url"
        )
    )
    public var jwksURL: String?

    @Flag(name: .customLong("allow-insecure-http"), help: "With --jwks-url: allow plain http to a non-loopback host (insecure).")
    public var allowInsecureHTTP = false

    @Option(
        name: .customLong("jwks-ca-file"),
        help: ArgumentHelp("With --jwks-url: trust only the CA certificates of this PEM bundle (default: the system's roots).", valueName: "file")
    )
    public var jwksCAFile: String?

    @Option(name: .long, help: ArgumentHelp("A single JWK (any key type, oct included).", valueName: "file"))
    public var jwk: String?

    @Option(name: .long, help: ArgumentHelp("A PEM key: SPKI public key or PKCS#8 private key.", valueName: "pem-file"))
    public var key: String?

    @Option(name: .customLong("secret-env"), help: ArgumentHelp("Environment variable holding the HMAC secret.", valueName: "name"))
    public var secretEnv: String?

    @Option(name: .long, help: "The algorithm the key is pinned to (required for RSA PEM keys; limits JWK/JWKS keys).")
    public var alg: String?

    @Flag(name: .customLong("allow-weak-secret"), help: "Accept HMAC secrets shorter than the hash output (insecure; legacy tokens only).")
    public var allowWeakSecret = false

    public init() {}

    public func validate() throws {
        let chosen = [jwks, jwksURL, jwk, key, secretEnv].compactMap { $0 }.count
        guard chosen == 1 else { throw ValidationError("give exactly one of --jwks, --jwks-url, --jwk, --key or --secret-env") }
        if allowInsecureHTTP, jwksURL == nil { throw ValidationError("--allow-insecure-http only applies to --jwks-url") }
        if jwksCAFile != nil, jwksURL == nil { throw ValidationError("--jwks-ca-file only applies to --jwks-url") }
        if let alg { _ = try CLIAlgorithm.parse(alg) }
    }

    /// What to verify with: a key set (looked up by kid) or one key the operator chose (kid not consulted).
    package enum Trust {
        case keySet(JWSKeySet, skipped: [JWKSet.SkippedKey])
        case single(JWSVerificationKey)
    }

    /// The trusted keys; `--jwks-url` is fetched here (the other sources are read from disk or the environment).
    package func load(environment: [String: String]? = nil) async throws -> Trust {
        guard let jwksURL else { return try loadLocal(environment: environment) }
        let set = try JWKSet(
            json: try await RemoteJWKS.fetch(jwksURL, allowInsecureHTTP: allowInsecureHTTP, trustRoots: try RemoteJWKS.trustRoots(caFile: jwksCAFile))
        )
        return .keySet(set.keySet, skipped: set.skipped)
    }

    private func loadLocal(environment: [String: String]?) throws -> Trust {
        let algorithm = try alg.map(CLIAlgorithm.parse)
        if let jwks {
            let text = try IO.readText(jwks)
            let set = try JWKSet(json: Array(text.utf8))
            return .keySet(set.keySet, skipped: set.skipped)
        }
        if let jwk {
            let key = try JWK(json: try IO.readText(jwk)).verificationKey(
                defaultRSAAlgorithm: algorithm ?? .RS256,
                allowSymmetric: true,
                allowInsecureShortSecret: allowWeakSecret
            )
            return .single(key)
        }
        if let key {
            return .single(try Self.pemVerificationKey(try IO.readText(key), algorithm: algorithm))
        }
        let secret =
            try environment.map { try IO.secret(fromEnvironment: secretEnv!, environment: $0) }
            ?? IO.secret(fromEnvironment: secretEnv!)
        return .single(try JWSVerificationKey(hmacSecret: secret, algorithm: algorithm ?? .HS256, allowInsecureShortSecret: allowWeakSecret))
    }

    /// A verification key from PEM, its algorithm given or inferred from the key type (RSA needs `--alg`).
    package static func pemVerificationKey(_ pem: String, algorithm: JWSAlgorithm?) throws -> JWSVerificationKey {
        if let algorithm { return try JWSVerificationKey(pemRepresentation: pem, algorithm: algorithm) }
        for candidate in [JWSAlgorithm.ES256, .ES384, .ES512, .EdDSA] {
            if let key = try? JWSVerificationKey(pemRepresentation: pem, algorithm: candidate) { return key }
        }
        if (try? JWSVerificationKey(pemRepresentation: pem, algorithm: .RS256)) != nil {
            throw CLIError.keyProblem("this is an RSA key, which can serve RS256/384/512 or PS256/384/512: pass --alg to pin one")
        }
        throw CLIError.keyProblem("not a PEM key Jot can use (P-256, P-384, P-521, Ed25519 or RSA ≥ 2048 bits)")
    }
}

/// Parses algorithm names given on the command line, refusing `none` with a clear message.
package enum CLIAlgorithm {
    package static func parse(_ name: String) throws(CLIError) -> JWSAlgorithm {
        if name.lowercased() == "none" { throw .invalidInput("alg 'none' is never accepted") }
        guard let algorithm = JWSAlgorithm(rawValue: name) else {
            throw .invalidInput("unknown alg '\(name)' (one of \(JWSAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return algorithm
    }
}
