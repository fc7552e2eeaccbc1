import JOSE
import JWTVerifier

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The documented serverless-auth Lambda authorizer, mirrored: from a token and a method ARN to an IAM policy.
///
/// The documented flow: `POST /sessions` signs `{"user": {"username", "scopes"}}` with HS256 and `JWT_SECRET` for
/// 5 minutes; API Gateway hands the `Authorization` header and the method ARN to the authorizer, which
///
/// 1. verifies the token (signature, `exp`) — any failure is `Unauthorized` (API Gateway answers 401);
/// 2. allows the call when one of `user.scopes` names the end of the method ARN (see ``isAllowed(scopes:methodArn:)``
///    for the segment-boundary rule and how it differs from the sample's `endsWith`), denies it otherwise (403);
/// 3. returns the policy with `principalId` = `user.username` and `context.user` = the user object as JSON text.
///
/// Differences from the sample, all on the safe side: scopes match on a path-segment boundary; empty scopes grant
/// nothing; a `user` claim of the wrong shape is `Unauthorized` rather than a crash; the policy cache is keyed by token
/// and resource and never outlives the token; nothing about the token is logged.
struct TokenAuthorizer: Sendable {
    /// The library's verifier over the documented key (for the documented flow, the HS256 `JWT_SECRET`): the one
    /// verification path, configured as the sample's `jwt.verify(token, secret)`.
    let verifier: Verifier
    /// Reused policies; `nil` verifies every call.
    let cache: AuthorizerPolicyCache?

    /// The sample's `jwt.verify(token, secret)`: `exp` required and checked without leeway, `nbf` honoured, and only
    /// the algorithm pinned to the key accepted. The documented tokens name neither issuer nor audience: the key is
    /// the verifier's source for tokens without `iss` (a token that names an issuer is refused), and the audience
    /// check is skipped by its loudly named opt-out — the secret is this one service's own.
    static let documentedConfiguration = Verifier.Configuration(audiences: [], allowInsecureAnyAudience: true, leeway: .zero, requiredClaims: ["exp"])

    init(keys: JWSKeySet, cache: AuthorizerPolicyCache? = AuthorizerPolicyCache()) {
        self.verifier = Verifier(issuers: IssuerRegistry([:], tokensWithoutIssuer: .keys(keys)), configuration: Self.documentedConfiguration)
        self.cache = cache
    }

    /// The documented setup: an HS256 shared secret (`JWT_SECRET`).
    ///
    /// - Throws: `JOSEError.hmacKeyTooShort` for a secret under 32 bytes (RFC 7518 §3.2).
    init(secret: some Collection<UInt8>, cache: AuthorizerPolicyCache? = AuthorizerPolicyCache()) throws(JOSEError) {
        self.init(keys: JWSKeySet([try JWSVerificationKey(hmacSecret: secret, algorithm: .HS256)]), cache: cache)
    }

    /// Decides whether `token` may call `methodArn`.
    ///
    /// - Parameters:
    ///   - token: the `Authorization` header's token (API Gateway's `event.authorizationToken`).
    ///   - methodArn: `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path}`.
    ///   - now: the time `exp` and `nbf` are checked against, and the cache's clock.
    /// - Returns: an `Allow` or `Deny` policy for `methodArn`.
    /// - Throws: ``AuthorizerError/unauthorized(reason:)`` when the token does not verify or has no usable `user`.
    func authorize(token: String, methodArn: String, now: Date = Date()) async throws(AuthorizerError) -> AuthorizerResponse {
        if let cache, let cached = await cache.policy(token: token, resource: methodArn, now: now) {
            return cached
        }
        let verified: VerifiedToken
        do {
            verified = try await verifier.verify(token, now: now)
        } catch {
            throw .unauthorized(reason: String(describing: error))
        }
        let user = try Self.user(in: verified.claims)
        let response = AuthorizerResponse(
            principalID: user.username,
            effect: Self.isAllowed(scopes: user.scopes, methodArn: methodArn) ? .allow : .deny,
            resource: methodArn,
            context: ["user": JSONWriter.string(.object(user.object))]
        )
        if let cache {
            await cache.store(response, token: token, resource: methodArn, tokenExpiresAt: verified.expiresAt, now: now)
        }
        return response
    }

    /// Reads the documented `user` claim: an object with a non-empty string `username` and, optionally, `scopes`, an
    /// array of strings (absent means none).
    static func user(in claims: JWTClaims) throws(AuthorizerError) -> (object: JSONObject, username: String, scopes: [String]) {
        guard case .object(let user)? = claims["user"] else {
            throw .unauthorized(reason: "the token has no 'user' object")
        }
        guard case .string(let username)? = user["username"], !username.isEmpty else {
            throw .unauthorized(reason: "'user.username' must be a non-empty string")
        }
        var scopes: [String] = []
        switch user["scopes"] {
        case nil, .null?:
            break
        case .array(let values)?:
            for value in values {
                guard case .string(let scope) = value else {
                    throw .unauthorized(reason: "'user.scopes' must be an array of strings")
                }
                scopes.append(scope)
            }
        default:
            throw .unauthorized(reason: "'user.scopes' must be an array of strings")
        }
        return (user, username, scopes)
    }
}
