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
/// verified, `aud`, `exp`, `nbf`, `iat` with leeway). Scopes are read once into the ``VerifiedToken``; which scopes a
/// route needs is the caller's policy (``VerifiedToken/missingScopes(_:)``, HummingbirdJWT's `ScopePolicy`).
///
/// An audience is required: a token minted for another service of the same issuer must not pass here. Services that
/// really accept any audience say so with ``Configuration/allowInsecureAnyAudience``.
///
/// ```swift
/// let cache = try JWKSCache(url: "https://issuer.example/.well-known/jwks.json", client: client)
/// let verifier = Verifier(
///     issuers: IssuerRegistry(["https://issuer.example": .jwks(cache)]),
///     configuration: .init(audiences: ["photos"], expectedType: "at+jwt")
/// )
/// let token = try await verifier.verify(bearer)
/// guard token.missingScopes(["photos:read"]).isEmpty else { … }
/// ```
public struct Verifier: Sendable {
    public struct Configuration: Sendable {
        /// Accepted audiences: `aud` must contain one. An empty set accepts no token, unless
        /// ``allowInsecureAnyAudience`` is set.
        public var audiences: Set<String>
        /// Skips the `aud` check. Insecure: any token of the issuer, whatever service it was minted for, passes.
        public var allowInsecureAnyAudience: Bool
        /// Accepted algorithms; `nil` accepts whatever algorithm the issuer's key is bound to.
        public var allowedAlgorithms: Set<JWSAlgorithm>?
        /// Clock-skew allowance for `exp`, `nbf` and `iat`.
        public var leeway: Duration
        /// Required `typ` header (`at+jwt` for RFC 9068 access tokens); `nil` does not check it.
        public var expectedType: String?
        /// Claims that must be present (`exp` by default).
        public var requiredClaims: Set<String>
        /// Maximum age since `iat`; `nil` does not limit it.
        public var maxTokenAge: Duration?
        /// Longest token accepted, in bytes.
        public var maxTokenLength: Int
        /// Header parameters that may be listed in `crit`.
        public var understoodCriticalHeaders: Set<String>
        /// The verified-token cache; `nil` (the default) verifies every signature.
        public var tokenCache: VerifiedTokenCache.Configuration?

        /// - Parameters:
        ///   - audiences: the accepted audiences (required; `aud` must contain one).
        ///   - allowInsecureAnyAudience: skip the `aud` check (insecure; see ``allowInsecureAnyAudience``).
        ///   - allowedAlgorithms: the accepted algorithms; `nil` accepts the algorithm each key is bound to.
        ///   - leeway: clock-skew allowance for `exp`, `nbf` and `iat`.
        ///   - expectedType: the required `typ` header (`at+jwt`); `nil` does not check it.
        ///   - requiredClaims: claims that must be present.
        ///   - maxTokenAge: the maximum age since `iat`; `nil` for none.
        ///   - maxTokenLength: the longest token accepted, in bytes.
        ///   - understoodCriticalHeaders: header parameters that may be listed in `crit`.
        ///   - tokenCache: the verified-token cache; `nil` verifies every signature.
        public init(
            audiences: Set<String>,
            allowInsecureAnyAudience: Bool = false,
            allowedAlgorithms: Set<JWSAlgorithm>? = nil,
            leeway: Duration = .seconds(30),
            expectedType: String? = nil,
            requiredClaims: Set<String> = ["exp"],
            maxTokenAge: Duration? = nil,
            maxTokenLength: Int = CompactJWS.defaultMaxLength,
            understoodCriticalHeaders: Set<String> = [],
            tokenCache: VerifiedTokenCache.Configuration? = nil
        ) {
            self.audiences = audiences
            self.allowInsecureAnyAudience = allowInsecureAnyAudience
            self.allowedAlgorithms = allowedAlgorithms
            self.leeway = leeway
            self.expectedType = expectedType
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

    public init(issuers: IssuerRegistry, configuration: Configuration) {
        self.issuers = issuers
        self.configuration = configuration
        self.tokenCache = configuration.tokenCache.map { VerifiedTokenCache(configuration: $0) }
        self.policy = ValidationPolicy(
            issuers: nil,
            audiences: configuration.allowInsecureAnyAudience ? nil : configuration.audiences,
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
    /// - Returns: the token's identity, scopes read.
    /// - Throws: ``TokenVerificationError`` for every reason the token is refused (its ``TokenVerificationError/code``
    ///   says which); `CancellationError` when the task is cancelled while keys are fetched.
    public func verify(_ token: String, now: Date = Date()) async throws -> VerifiedToken {
        do {
            return try await verifyToken(token, now: now)
        } catch {
            throw TokenVerificationError(error) ?? error
        }
    }

    private func verifyToken(_ token: String, now: Date) async throws -> VerifiedToken {
        if let tokenCache, let entry = tokenCache.lookup(token, now: now) {
            let hit: VerifiedToken?
            do {
                hit = try await revalidate(entry, now: now)
            } catch {
                tokenCache.remove(token)
                throw error
            }
            if let hit { return hit }
            tokenCache.remove(token)
        }

        let jws = try CompactJWS(token, maxLength: policy.maxTokenLength, understoodCriticalHeaders: policy.understoodCriticalHeaders)
        try policy.validate(header: jws.header)
        // The payload is read once: its unverified `iss` picks the key source, and the same claims are validated
        // once the signature over them verified.
        let payload = try jws.payloadObject()
        let issuer = try Self.unverifiedIssuer(in: payload)
        guard let source = issuers.source(forIssuer: issuer) else {
            guard let issuer else { throw VerifierError.missingIssuer(configured: issuers.issuers) }
            throw VerifierError.unknownIssuer(issuer, configured: issuers.issuers)
        }
        let (key, generation) = try await source.resolve(jws.header, now: now)
        let jwt = try jws.verifyJWT(with: key, payload: payload, policy: policy(for: issuer), now: now)
        let verified = try VerifiedToken(jwt: jwt, issuer: issuer ?? "")
        if let tokenCache { tokenCache.insert(token, verified: verified, generation: generation, now: now) }
        return verified
    }

    /// Verifies a token and decodes its claims into `type`, jwt-kit style.
    ///
    /// Everything ``verify(_:now:)`` checks is checked first — signature, `iss`, `aud`, `exp`, `nbf`, `iat`, `typ` —
    /// so `type` carries only what the service needs; the claims were read by the strict reader (duplicates refused).
    ///
    /// - Throws: what ``verify(_:now:)`` throws; ``TokenVerificationError/Code/claimsNotDecodable`` when the claims do
    ///   not decode into `type`.
    public func verify<Claims: Decodable>(_ token: String, as type: Claims.Type, now: Date = Date()) async throws -> Claims {
        let verified = try await verify(token, now: now)
        do {
            return try verified.claims(as: type)
        } catch {
            throw TokenVerificationError(error) ?? error
        }
    }

    /// Prefetches every issuer's JWKS, for start-up.
    public func prefetch(now: Date = Date()) async throws {
        try await issuers.prefetch(now: now)
    }

    /// A cached verification still holds when its key set is unchanged and its time-based claims still pass.
    /// `nil` means "verify again"; a thrown error (expired, key gone and not refetchable) is the answer.
    private func revalidate(_ entry: VerifiedTokenCache.Entry, now: Date) async throws -> VerifiedToken? {
        let issuer = entry.token.claims.issuer
        guard let source = issuers.source(forIssuer: issuer) else { return nil }
        let (_, generation) = try await source.resolve(entry.token.header, now: now)
        guard generation == entry.generation else { return nil }
        try policy(for: issuer).validate(claims: entry.token.claims, now: now)
        return entry.token
    }

    /// The claims policy for a token of `issuer`: its `iss` must be that issuer (a token without `iss`, accepted only
    /// through ``IssuerRegistry/tokensWithoutIssuer``, has none to check).
    private func policy(for issuer: String?) -> ValidationPolicy {
        var issuerPolicy = policy
        issuerPolicy.issuers = issuer.map { [$0] }
        return issuerPolicy
    }

    /// The token's `iss`, still unverified, or `nil` when it has none.
    private static func unverifiedIssuer(in payload: JSONObject) throws -> String? {
        guard let value = payload["iss"] else { return nil }
        guard case .string(let issuer) = value else {
            throw TokenValidationError.invalidClaim(name: "iss", reason: "must be a string, got \(value.typeName)")
        }
        return issuer
    }
}
