public import Hummingbird
public import HummingbirdAuth
public import JWTVerifier

/// Requires scopes of the verified token: a hummingbird-auth `AuthorizationPolicy` over ``JWTVerifier/VerifiedToken``.
///
/// Use it behind ``JWTAuthenticator`` through `AuthorizationPolicyMiddleware`; ``deniedError`` is the RFC 6750 §3.1
/// answer, 403 with `WWW-Authenticate: Bearer realm="…", error="insufficient_scope", scope="…"`:
/// ```swift
/// .add(middleware: AuthorizationPolicyMiddleware(requiredScopes: ["pangolins"], realm: "pangolin-service"))
/// ```
/// It composes with hummingbird-auth's `allOf`/`anyOf`/`Not` like any policy (give the middleware ``deniedError``).
public struct ScopePolicy: AuthorizationPolicy {
    public typealias Identity = VerifiedToken

    /// Scopes the token must all grant.
    public let requiredScopes: Set<String>
    /// The `realm` of the challenge in ``deniedError``.
    public let realm: String?

    public init(_ requiredScopes: Set<String>, realm: String? = "api") {
        self.requiredScopes = requiredScopes
        self.realm = realm
    }

    public func isAuthorized(identity: VerifiedToken, request: Request) async throws -> Bool {
        // No allocation on the request path: `missingScopes` (sorted, for messages) is for callers that explain.
        requiredScopes.allSatisfy(identity.scopes.contains)
    }

    /// 403 `insufficient_scope` naming the required scopes.
    public var deniedError: JWTAuthenticationError {
        JWTAuthenticationError(.insufficientScope(required: requiredScopes.sorted()), realm: realm)
    }
}

extension AuthorizationPolicyMiddleware where Policy == ScopePolicy, DeniedError == JWTAuthenticationError {
    /// Requires `requiredScopes` of the verified token; a token without them is answered 403 `insufficient_scope`
    /// (RFC 6750 §3.1).
    ///
    /// - Parameters:
    ///   - requiredScopes: scopes the token must all grant.
    ///   - realm: the `realm` of the challenge (use the authenticator's).
    ///   - context: the request context type (inferred).
    public init(requiredScopes: Set<String>, realm: String? = "api", context: Context.Type = Context.self) {
        let policy = ScopePolicy(requiredScopes, realm: realm)
        self.init(policy, deniedError: policy.deniedError, context: context)
    }
}
