public import Hummingbird
public import HummingbirdAuth
import Logging

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Authenticates requests by the JWT in their `Authorization` header and answers failures as RFC 6750 says.
///
/// Protecting a route takes three lines:
/// ```swift
/// router.group("pangolins")
///     .add(middleware: JWTAuthenticator(verifier: verifier, requiredScopes: ["pangolins"]))
///     .get { _, context in try context.requireJWT().subject ?? "" }
/// ```
///
/// - `Authorization: Bearer <jwt>` (scheme case-insensitive, exactly one token) and the documented bare
///   `Authorization: <jwt>` are read; several headers or extra parts are refused (400, `invalid_request`).
/// - No credentials (or another scheme): 401 with `WWW-Authenticate: Bearer realm="…"` and no error code (§3.1),
///   unless ``credentialsRequired`` is `false`, in which case the request goes on without an identity.
/// - A token that fails verification: 401, `error="invalid_token"` with a short fixed description.
/// - A valid token without every scope of ``requiredScopes``: 403, `error="insufficient_scope", scope="…"`.
/// - Keys that cannot be fetched (a JWKS outage past its stale window): 503, logged as a warning.
///
/// On success the ``JWTIdentity`` is set as the context's `identity` (see ``JWTAuthRequestContext``). Rejections are
/// logged at debug level with the reason; tokens are never logged. Errors of a custom verifier that are not about the
/// token are rethrown (and answered 500 by Hummingbird).
public struct JWTAuthenticator<Context: JWTAuthRequestContext>: AuthenticatorMiddleware {
    public typealias Identity = JWTIdentity

    public let verifier: any BearerTokenVerifier
    /// Scopes every token must grant on the routes behind this middleware.
    public let requiredScopes: Set<String>
    /// The `realm` of the challenges; `nil` omits it.
    public let realm: String?
    /// Whether the documented bare `Authorization: <jwt>` form is accepted besides `Bearer <jwt>`.
    public let allowBareToken: Bool
    /// Whether a request without credentials is refused (the default) or passed on without an identity.
    public let credentialsRequired: Bool
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - verifier: checks signature and claims (``StaticKeyVerifier``, or JWTVerifier's `Verifier`).
    ///   - requiredScopes: scopes every token must grant here.
    ///   - realm: the `realm` of the `WWW-Authenticate` challenges.
    ///   - allowBareToken: accept `Authorization: <jwt>` without the `Bearer` scheme.
    ///   - credentialsRequired: `false` lets requests without credentials through without an identity (a token that
    ///     is present must still verify).
    ///   - now: the clock for `exp`, `nbf` and `iat`.
    public init(
        verifier: any BearerTokenVerifier,
        requiredScopes: Set<String> = [],
        realm: String? = "api",
        allowBareToken: Bool = true,
        credentialsRequired: Bool = true,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.verifier = verifier
        self.requiredScopes = requiredScopes
        self.realm = realm
        self.allowBareToken = allowBareToken
        self.credentialsRequired = credentialsRequired
        self.now = now
    }

    /// Verifies the request's token.
    ///
    /// - Returns: the identity, or `nil` when the request carries no Bearer credentials.
    /// - Throws: ``JWTAuthenticationError`` for a malformed header or a token that fails verification.
    public func authenticate(request: Request, context: Context) async throws -> JWTIdentity? {
        let token: String
        switch BearerCredentials.parse(request.headers, allowBareToken: allowBareToken) {
        case .none, .otherScheme:
            return nil
        case .malformed(let reason):
            throw reject(.malformedAuthorization(reason), logger: context.logger)
        case .token(let value):
            token = value
        }
        do {
            return try await verifier.verify(bearer: token, now: now())
        } catch {
            guard let reason = JWTAuthenticationError.Reason(verificationError: error) else { throw error }
            throw reject(reason, underlying: error, logger: context.logger)
        }
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let identity = try await authenticate(request: request, context: context) else {
            guard credentialsRequired else { return try await next(request, context) }
            switch BearerCredentials.parse(request.headers, allowBareToken: allowBareToken) {
            case .otherScheme(let scheme): throw reject(.unsupportedScheme(scheme), logger: context.logger)
            default: throw reject(.missingCredentials, logger: context.logger)
            }
        }
        let missing = requiredScopes.subtracting(identity.scopes)
        guard missing.isEmpty else {
            throw reject(.insufficientScope(required: requiredScopes.sorted(), missing: missing.sorted()), logger: context.logger)
        }
        var context = context
        context.identity = identity
        return try await next(request, context)
    }

    private func reject(_ reason: JWTAuthenticationError.Reason, underlying: (any Error)? = nil, logger: Logger) -> JWTAuthenticationError {
        let error = JWTAuthenticationError(reason, realm: realm)
        var metadata: Logger.Metadata = ["jwt.rejected": .string(error.description)]
        if let underlying { metadata["jwt.error"] = .string(String(describing: underlying)) }
        if case .keysUnavailable = reason {
            logger.warning("JWT not verifiable: keys unavailable", metadata: metadata)
        } else {
            logger.debug("JWT rejected", metadata: metadata)
        }
        return error
    }
}
