#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A JWT whose signature verified and whose claims passed a ``ValidationPolicy``.
public struct VerifiedJWT: Sendable {
    public let header: JWSHeader
    public let claims: JWTClaims
    /// The `kid` of the key that verified it (the key's own, which may be absent).
    public let keyID: String?
    public var algorithm: JWSAlgorithm { header.algorithm }
}

extension CompactJWS {
    /// Verifies the signature with `key`, then reads and validates the claims.
    ///
    /// Order of checks: policy header rules (allowed `alg`, `typ`), `alg` = key's algorithm, signature, then the
    /// payload is parsed (never before the signature verified) and the claims validated at `now`.
    public func verifyJWT(with key: JWSVerificationKey, policy: ValidationPolicy, now: Date) throws -> VerifiedJWT {
        try policy.validate(header: header)
        try verifySignature(with: key)
        let claims = try JWTClaims(payloadObject())
        try policy.validate(claims: claims, now: now)
        return VerifiedJWT(header: header, claims: claims, keyID: key.keyID)
    }

    /// For a verifier that already read the payload (to choose the key source by the unverified `iss`) and checked
    /// the header rules: verifies the signature, then validates **those same** claims — no second decode and parse.
    ///
    /// - Parameter payload: ``payloadObject()`` of this token, read before the signature check; its claims are
    ///   trusted only once the signature over the very bytes it came from verified.
    package func verifyJWT(with key: JWSVerificationKey, payload: JSONObject, policy: ValidationPolicy, now: Date) throws -> VerifiedJWT {
        try verifySignature(with: key)
        let claims = try JWTClaims(payload)
        try policy.validate(claims: claims, now: now)
        return VerifiedJWT(header: header, claims: claims, keyID: key.keyID)
    }
}

extension JWSKeySet {
    /// Verifies a compact JWT against this key set: the key is chosen by `kid` (and the pinned algorithm),
    /// never guessed. Throws ``JOSEError`` for structure, key and signature problems and
    /// ``TokenValidationError`` for claims.
    public func verify(_ token: String, policy: ValidationPolicy = ValidationPolicy(), now: Date = Date()) throws -> VerifiedJWT {
        let jws = try CompactJWS(token, maxLength: policy.maxTokenLength, understoodCriticalHeaders: policy.understoodCriticalHeaders)
        try policy.validate(header: jws.header)
        let key = try key(for: jws.header)
        return try jws.verifyJWT(with: key, policy: policy, now: now)
    }
}

extension JWSVerificationKey {
    /// Verifies a compact JWT with this single key.
    public func verify(_ token: String, policy: ValidationPolicy = ValidationPolicy(), now: Date = Date()) throws -> VerifiedJWT {
        let jws = try CompactJWS(token, maxLength: policy.maxTokenLength, understoodCriticalHeaders: policy.understoodCriticalHeaders)
        return try jws.verifyJWT(with: self, policy: policy, now: now)
    }
}
