import Crypto
public import JOSE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What the issuer signs with and publishes, prepared once each time the key set changes.
///
/// The JWKS body, its strong ETag and the discovery document are computed here, not per request.
/// HMAC keys sign (and verify) but are never in ``publicKeys`` or the JWKS body.
public struct IssuerKeyRing: Sendable {
    /// A key's lifecycle state, for metrics and logs.
    public struct KeyInfo: Sendable, Hashable {
        public var keyID: String
        public var algorithm: JWSAlgorithm
        public var state: String
        public var since: Date

        public init(keyID: String, algorithm: JWSAlgorithm, state: String, since: Date) {
            self.keyID = keyID
            self.algorithm = algorithm
            self.state = state
            self.since = since
        }
    }

    /// The signing key (state `current`) per algorithm.
    public let signingKeys: [JWSAlgorithm: JWSSigningKey]
    /// Every key that verifies tokens of this issuer (next, current, previous; HMAC included).
    public let verificationKeys: JWSKeySet
    /// The published public keys (asymmetric only).
    public let publicKeys: [PublicJWK]
    public let keys: [KeyInfo]
    /// Identifies this key set (changes whenever the keys or their states change).
    public let version: String
    public let jwksBody: [UInt8]
    /// A strong ETag of ``jwksBody`` (quoted).
    public let jwksETag: String

    public init(signingKeys: [JWSAlgorithm: JWSSigningKey], verificationKeys: [JWSVerificationKey], keys: [KeyInfo], version: String) {
        self.signingKeys = signingKeys
        self.verificationKeys = JWSKeySet(verificationKeys)
        self.publicKeys = verificationKeys.compactMap(\.publicJWK)
        self.keys = keys
        self.version = version
        self.jwksBody = JSONWriter.bytes(PublicJWK.jwksDocument(publicKeys))
        self.jwksETag = "\"" + Base64URL.encode(SHA256.hash(data: jwksBody).prefix(18)) + "\""
    }

    /// Adds an HMAC signing key (from `JWT_SECRET`): it signs and verifies, and is never published.
    public func addingSecretKey(_ key: JWSSigningKey) -> IssuerKeyRing {
        var signing = signingKeys
        signing[key.algorithm] = key
        return IssuerKeyRing(
            signingKeys: signing,
            verificationKeys: verificationKeys.keys + [key.verificationKey],
            keys: keys,
            version: version + "+secret"
        )
    }

    /// Algorithms this issuer can sign with.
    public var signingAlgorithms: [JWSAlgorithm] { signingKeys.keys.sorted { $0.rawValue < $1.rawValue } }
}
