public import JOSE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Verifies access tokens from one or more issuers, offline, with keys from their JWKS.
///
/// Order of checks: size and structure; allowed `alg` and expected `typ`; the unverified `iss` picks the issuer's key
/// source (unknown or missing `iss` is refused before any key lookup); the key is found by `kid` and pinned `alg`
/// (an unknown kid costs at most one refetch per cooldown); the signature; then the claims (`iss` again, now
/// verified, `aud`, `exp`, `nbf`, `iat` with leeway); finally the required scopes.
///
/// ```swift
/// let cache = try JWKSCache(url: "https://issuer.example/.well-known/jwks.json", client: client)
/// let verifier = Verifier(
///     issuers: IssuerRegistry(["https://issuer.example": .jwks(cache)]),
///     configuration: .init(audiences: ["photos"], expectedType: "at+jwt")
/// )
/// let token = try await verifier.verify(bearer, requiredScopes: ["photos:read"])
/// ```
public struct Verifier: Sendable {
    public struct Configuration: Sendable {
        /// Accepted audiences: `aud` must contain one; `nil` does not check `aud` (only for single-audience setups).
        public var audiences: Set<String>?
        /// Accepted algorithms; `nil` accepts whatever algorithm the issuer's key is bound to.
        public var allowedAlgorithms: Set<JWSAlgorithm>?
        /// Clock-skew allowance for `exp`, `nbf` and `iat`, in seconds.
        public var leeway: Int
        /// Required `typ` header (`at+jwt` for RFC 9068 access tokens); `nil` does not check it.
        public var expectedType: String?
        /// Scopes every token must grant; ``Verifier/verify(_:requiredScopes:now:)`` adds per-call ones.
        public var requiredScopes: Set<String>
        /// Claims that must be present (`exp` by default).
        public var requiredClaims: Set<String>
        /// Maximum age since `iat`, in seconds.
        public var maxTokenAge: Int?
        /// Longest token accepted, in bytes.
        public var maxTokenLength: Int
        /// Header parameters that may be listed in `crit`.
        public var understoodCriticalHeaders: Set<String>
        /// The verified-token cache; `nil` (the default) verifies every signature.
        public var tokenCache: VerifiedTokenCache.Configuration?

        public init(
            audiences: Set<String>? = nil,
            allowedAlgorithms: Set<JWSAlgorithm>? = nil,
            leeway: Int = 30,
            expectedType: String? = nil,
            requiredScopes: Set<String> = [],
            requiredClaims: Set<String> = ["exp"],
            maxTokenAge: Int? = nil,
            maxTokenLength: Int = CompactJWS.defaultMaxLength,
            understoodCriticalHeaders: Set<String> = [],
            tokenCache: VerifiedTokenCache.Configuration? = nil
        ) {
            self.audiences = audiences
            self.allowedAlgorithms = allowedAlgorithms
            self.leeway = leeway
            self.expectedType = expectedType
            self.requiredScopes = requiredScopes
            self.requiredClaims = requiredClaims
            self.maxTokenAge = maxTokenAge
            self.maxTokenLength = maxTokenLength
            self.understoodCriticalHeaders = understoodCriticalHeaders
            self.tokenCache = tokenCache
        }
    }

    public let issuers: IssuerRegistry
    public let configuration: Configuration
    /// The verified-token cache, when configured.
    public let tokenCache: VerifiedTokenCache?
    private let policy: ValidationPolicy

    public init(issuers: IssuerRegistry, configuration: Configuration = Configuration()) {
        self.issuers = issuers
        self.configuration = configuration
        self.tokenCache = configuration.tokenCache.map { VerifiedTokenCache(configuration: $0) }
        self.policy = ValidationPolicy(
            issuers: nil,
            audiences: configuration.audiences,
            leeway: configuration.leeway,
            requiredClaims: configuration.requiredClaims,
            expectedType: configuration.expectedType,
            allowedAlgorithms: configuration.allowedAlgorithms,
            maxTokenAge: configuration.maxTokenAge,
            maxTokenLength: configuration.maxTokenLength,
            understoodCriticalHeaders: configuration.understoodCriticalHeaders
        )
    }

    /// Verifies a token with the configured requirements.
    ///
    /// - Throws: ``JOSEError`` (structure, `alg`, key, signature), ``TokenValidationError`` (claims, `typ`) or
    ///   ``VerifierError`` (issuer, remote keys, scopes).
    public func verify(_ token: String, now: Date = Date()) async throws -> VerifiedToken {
        try await verify(token, requiredScopes: [], now: now)
    }

    /// Verifies a token and requires `requiredScopes` on top of the configured ones.
    public func verify(_ token: String, requiredScopes: Set<String>, now: Date = Date()) async throws -> VerifiedToken {
        let required = configuration.requiredScopes.union(requiredScopes)
        if let tokenCache, let entry = tokenCache.lookup(token, now: now) {
            let hit: VerifiedToken?
            do {
                hit = try await revalidate(entry, now: now)
            } catch {
                tokenCache.remove(token)
                throw error
            }
            if let hit {
                try Self.check(hit, requiredScopes: required)
                return hit
            }
            tokenCache.remove(token)
        }

        let jws = try CompactJWS(token, maxLength: policy.maxTokenLength, understoodCriticalHeaders: policy.understoodCriticalHeaders)
        try policy.validate(header: jws.header)
        let issuer = try Self.unverifiedIssuer(of: jws, configured: issuers)
        guard let source = issuers.source(for: issuer) else {
            throw VerifierError.unknownIssuer(issuer, configured: issuers.issuers)
        }
        let (key, generation) = try await source.resolve(jws.header, now: now)
        var issuerPolicy = policy
        issuerPolicy.issuers = [issuer]
        let jwt = try jws.verifyJWT(with: key, policy: issuerPolicy, now: now)
        let verified = VerifiedToken(jwt: jwt, issuer: issuer, scopes: try VerifiedToken.scopes(in: jwt.claims))
        if let tokenCache { tokenCache.insert(token, verified: verified, generation: generation, now: now) }
        try Self.check(verified, requiredScopes: required)
        return verified
    }

    /// Prefetches every issuer's JWKS, for start-up.
    public func prefetch(now: Date = Date()) async throws {
        try await issuers.prefetch(now: now)
    }

    /// A cached verification still holds when its key set is unchanged and its time-based claims still pass.
    /// `nil` means "verify again"; a thrown error (expired, key gone and not refetchable) is the answer.
    private func revalidate(_ entry: VerifiedTokenCache.Entry, now: Date) async throws -> VerifiedToken? {
        guard let source = issuers.source(for: entry.token.issuer) else { return nil }
        let (_, generation) = try await source.resolve(entry.token.header, now: now)
        guard generation == entry.generation else { return nil }
        var issuerPolicy = policy
        issuerPolicy.issuers = [entry.token.issuer]
        try issuerPolicy.validate(claims: entry.token.claims, now: now)
        return entry.token
    }

    private static func unverifiedIssuer(of jws: CompactJWS, configured: IssuerRegistry) throws -> String {
        guard let value = try jws.payloadObject()["iss"] else {
            throw VerifierError.missingIssuer(configured: configured.issuers)
        }
        guard case .string(let issuer) = value else {
            throw TokenValidationError.invalidClaim(name: "iss", reason: "must be a string, got \(value.typeName)")
        }
        return issuer
    }

    private static func check(_ token: VerifiedToken, requiredScopes: Set<String>) throws {
        let missing = requiredScopes.subtracting(token.scopes)
        guard missing.isEmpty else {
            throw VerifierError.missingScopes(required: requiredScopes.sorted(), missing: missing.sorted())
        }
    }
}
