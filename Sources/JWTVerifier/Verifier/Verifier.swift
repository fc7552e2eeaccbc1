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
    /// The claims policy for tokens of each configured issuer (its `iss` required), built once.
    private let issuerPolicies: [String: ValidationPolicy]
    /// The claims policy for tokens without `iss` (accepted only through ``IssuerRegistry/tokensWithoutIssuer``).
    private let policy: ValidationPolicy

    public init(issuers: IssuerRegistry, configuration: Configuration) {
        self.issuers = issuers
        self.configuration = configuration
        self.tokenCache = configuration.tokenCache.map { VerifiedTokenCache(configuration: $0) }
        let policy = ValidationPolicy(
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
        self.policy = policy
        self.issuerPolicies = Dictionary(
            uniqueKeysWithValues: issuers.issuers.map { issuer in
                var issuerPolicy = policy
                issuerPolicy.issuers = [issuer]
                return (issuer, issuerPolicy)
            }
        )
    }

    /// Verifies a token with the configured requirements.
    ///
    /// Everything that needs no key fetch — a cache hit, a static key set, a JWKS set that is fresh — runs without
    /// suspending (one `async` frame in all); only a due refresh or an unknown `kid` waits for the ``JWKSCache``.
    ///
    /// - Returns: the token's identity, scopes read.
    /// - Throws: ``TokenVerificationError`` for every reason the token is refused (its ``TokenVerificationError/code``
    ///   says which); `CancellationError` when the task is cancelled while keys are fetched.
    public func verify(_ token: String, now: Date = Date()) async throws -> VerifiedToken {
        switch try verifyWithKeysAtHand(token, now: now) {
        case .verified(let verified): verified
        case .keysNeeded(let pending): try await verifyFetchingKeys(pending, token: token, now: now)
        }
    }

    /// Where verification stands when it could not finish with the keys in memory.
    package enum Progress: Sendable {
        case verified(VerifiedToken)
        case keysNeeded(Pending)
    }

    /// What a verification waits for.
    package enum Pending: Sendable {
        /// A cached verification whose key set must be looked up again (a refresh is due).
        case revalidate(VerifiedTokenCache.Entry, source: IssuerRegistry.KeySource)
        /// A parsed token (header checked, payload read) whose key must be fetched.
        case resolve(CompactJWS, payload: JSONObject, issuer: String?, source: IssuerRegistry.KeySource)
    }

    /// The part of ``verify(_:now:)`` that needs no key fetch, without suspending: HummingbirdJWT's authenticator calls
    /// it (and ``verifyFetchingKeys(_:token:now:)`` only when keys are needed) to save the `async` frames.
    ///
    /// - Throws: what ``verify(_:now:)`` throws.
    package func verifyWithKeysAtHand(_ token: String, now: Date) throws -> Progress {
        do {
            return try verifyInMemory(token, now: now)
        } catch {
            throw TokenVerificationError(error) ?? error
        }
    }

    /// The rest of a verification that needs the ``JWKSCache`` (a refresh due, a kid not in memory).
    ///
    /// - Throws: what ``verify(_:now:)`` throws.
    package func verifyFetchingKeys(_ pending: Pending, token: String, now: Date) async throws -> VerifiedToken {
        do {
            return try await fetchKeysAndVerify(pending, token: token, now: now)
        } catch {
            throw TokenVerificationError(error) ?? error
        }
    }

    private func verifyInMemory(_ token: String, now: Date) throws -> Progress {
        if let tokenCache, let entry = tokenCache.lookup(token, now: now) {
            let issuer = entry.token.claims.issuer
            if let source = issuers.source(forIssuer: issuer) {
                let keyAtHand: (key: JWSVerificationKey, generation: Int)?
                do {
                    keyAtHand = try source.resolveAtHand(entry.token.header, now: now)
                } catch {
                    tokenCache.remove(token)
                    throw error
                }
                guard let keyAtHand else { return .keysNeeded(.revalidate(entry, source: source)) }
                if let hit = try revalidate(entry, generation: keyAtHand.generation, token: token, now: now) { return .verified(hit) }
            } else {
                tokenCache.remove(token)
            }
        }
        return try parse(token, now: now)
    }

    /// A cached verification still holds when its key set is unchanged and its time-based claims still pass. `nil`
    /// (entry dropped) means "verify again"; a thrown error (expired) is the answer.
    private func revalidate(_ entry: VerifiedTokenCache.Entry, generation: Int, token: String, now: Date) throws -> VerifiedToken? {
        guard generation == entry.generation else {
            tokenCache?.remove(token)
            return nil
        }
        do {
            try policy(for: entry.token.claims.issuer).validate(claims: entry.token.claims, now: now)
        } catch {
            tokenCache?.remove(token)
            throw error
        }
        return entry.token
    }

    /// Parses the token, checks its header and picks its issuer's key source; verifies it when the key is in memory.
    private func parse(_ token: String, now: Date) throws -> Progress {
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
        guard let (key, generation) = try source.resolveAtHand(jws.header, now: now) else {
            return .keysNeeded(.resolve(jws, payload: payload, issuer: issuer, source: source))
        }
        return .verified(try verifySignature(jws, payload: payload, issuer: issuer, key: key, generation: generation, token: token, now: now))
    }

    /// Checks the signature and the claims, reads the identity and caches it.
    private func verifySignature(
        _ jws: CompactJWS,
        payload: JSONObject,
        issuer: String?,
        key: JWSVerificationKey,
        generation: Int,
        token: String,
        now: Date
    ) throws -> VerifiedToken {
        let jwt = try jws.verifyJWT(with: key, payload: payload, policy: policy(for: issuer), now: now)
        let verified = try VerifiedToken(jwt: jwt, issuer: issuer ?? "")
        if let tokenCache { tokenCache.insert(token, verified: verified, generation: generation, now: now) }
        return verified
    }

    private func fetchKeysAndVerify(_ pending: Pending, token: String, now: Date) async throws -> VerifiedToken {
        switch pending {
        case .revalidate(let entry, let source):
            let generation: Int
            do {
                generation = try await source.resolve(entry.token.header, now: now).generation
            } catch {
                tokenCache?.remove(token)
                throw error
            }
            if let hit = try revalidate(entry, generation: generation, token: token, now: now) { return hit }
            switch try parse(token, now: now) {
            case .verified(let verified): return verified
            case .keysNeeded(let pending): return try await fetchKeysAndVerify(pending, token: token, now: now)
            }
        case .resolve(let jws, let payload, let issuer, let source):
            let (key, generation) = try await source.resolve(jws.header, now: now)
            return try verifySignature(jws, payload: payload, issuer: issuer, key: key, generation: generation, token: token, now: now)
        }
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

    /// The claims policy for a token of `issuer`: its `iss` must be that issuer (a token without `iss`, accepted only
    /// through ``IssuerRegistry/tokensWithoutIssuer``, has none to check).
    private func policy(for issuer: String?) -> ValidationPolicy {
        guard let issuer else { return policy }
        if let issuerPolicy = issuerPolicies[issuer] { return issuerPolicy }
        var issuerPolicy = policy
        issuerPolicy.issuers = [issuer]
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
