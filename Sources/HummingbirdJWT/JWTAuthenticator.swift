public import Hummingbird
public import HummingbirdAuth
public import JOSE
public import JWTVerifier
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Authenticates requests by the JWT in their `Authorization` header: hummingbird-auth's `AuthenticatorMiddleware`,
/// setting the ``JWTVerifier/VerifiedToken`` as the context's `identity`. It only authenticates; what a route needs
/// (scopes) is a policy beside it, ``ScopePolicy`` through `AuthorizationPolicyMiddleware`.
///
/// Protecting a route takes three lines (any context conforming to `AuthRequestContext<VerifiedToken>`, such as
/// `BasicAuthRequestContext<VerifiedToken>`):
/// ```swift
/// router.group("pangolins")
///     .add(middleware: JWTAuthenticator(verifier: verifier))
///     .add(middleware: AuthorizationPolicyMiddleware(requiredScopes: ["pangolins"]))
///     .get { _, context in try context.requireIdentity().subject ?? "" }
/// ```
///
/// - `Authorization: Bearer <jwt>` (scheme case-insensitive, exactly one token) is read; several headers or extra parts
///   are refused (400, `invalid_request`). The bare `Authorization: <jwt>` form is read only when ``allowBareToken``
///   is set (a service that mirrors a sample sending it opts in).
/// - No credentials (or another scheme): 401 with `WWW-Authenticate: Bearer realm="…"` and no error code (RFC 6750
///   §3.1), unless ``credentialsRequired`` is `false`, in which case the request goes on without an identity.
/// - A token that fails verification: 401, `error="invalid_token"` with a short fixed description.
/// - Keys that cannot be fetched (a JWKS outage past its stale window): 503, logged as a warning.
///
/// Rejections are logged at debug level with the reason and counted (`jwt_authentications_total{result}`) — except a
/// token of a trusted issuer minted for another audience or type, logged at notice (a misconfigured client, not an
/// attacker: its signature verified); tokens are never logged. Errors that are not about the token
/// (cancellation) are rethrown.
public struct JWTAuthenticator<Context: AuthRequestContext<VerifiedToken>>: AuthenticatorMiddleware {
    public typealias Identity = VerifiedToken

    public let verifier: Verifier
    /// The `realm` of the challenges; `nil` omits it.
    public let realm: String?
    /// Whether the bare `Authorization: <jwt>` form is accepted besides `Bearer <jwt>` (off by default).
    public let allowBareToken: Bool
    /// Whether a request without credentials is refused (the default) or passed on without an identity.
    public let credentialsRequired: Bool
    private let clock: any WallClock
    private let metrics: JWTAuthenticatorMetrics

    /// - Parameters:
    ///   - verifier: checks signature and claims; a fixed key set is an issuer with a `.keys` source.
    ///   - realm: the `realm` of the `WWW-Authenticate` challenges.
    ///   - allowBareToken: accept `Authorization: <jwt>` without the `Bearer` scheme (not RFC 6750; opt in only to
    ///     mirror a client that sends it).
    ///   - credentialsRequired: `false` lets requests without credentials through without an identity (a token that
    ///     is present must still verify).
    ///   - clock: the clock for `exp`, `nbf` and `iat`.
    public init(
        verifier: Verifier,
        realm: String? = "api",
        allowBareToken: Bool = false,
        credentialsRequired: Bool = true,
        clock: any WallClock = SystemClock()
    ) {
        self.verifier = verifier
        self.realm = realm
        self.allowBareToken = allowBareToken
        self.credentialsRequired = credentialsRequired
        self.clock = clock
        self.metrics = JWTAuthenticatorMetrics()
    }

    /// Verifies the request's token.
    ///
    /// - Returns: the verified token, or `nil` when the request carries no Bearer credentials and they are optional.
    /// - Throws: ``JWTAuthenticationError`` for missing credentials (when required), a malformed header, or a token
    ///   that fails verification.
    public func authenticate(request: Request, context: Context) async throws -> VerifiedToken? {
        guard let token = try bearerToken(request, logger: context.logger) else { return nil }
        return try await verify(token, logger: context.logger)
    }

    /// hummingbird-auth's `handle` with the authentication inlined: sets the verified token as the context's
    /// `identity` and calls `next`. The same behaviour as the protocol's default, one `async` frame fewer per request
    /// (each frame is a trip through the executor's queue when NIO's event loops run Swift's jobs).
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = try bearerToken(request, logger: context.logger) else { return try await next(request, context) }
        var context = context
        context.identity = try await verify(token, logger: context.logger)
        return try await next(request, context)
    }

    /// The request's Bearer token; `nil` when there is none and credentials are optional.
    private func bearerToken(_ request: Request, logger: Logger) throws(JWTAuthenticationError) -> String? {
        switch BearerCredentials.parse(request.headers, allowBareToken: allowBareToken) {
        case .none:
            guard credentialsRequired else { return nil }
            throw reject(.missingCredentials, logger: logger)
        case .otherScheme(let scheme):
            guard credentialsRequired else { return nil }
            throw reject(.unsupportedScheme(scheme), logger: logger)
        case .malformed(let reason):
            throw reject(.malformedAuthorization(reason), logger: logger)
        case .token(let value):
            return value
        }
    }

    /// `Verifier.verify` in its two parts, so that a token verified with the keys in memory costs no `async` frame.
    @inline(__always)
    private func verify(_ token: String, logger: Logger) async throws -> VerifiedToken {
        do {
            let now = clock.now
            let verified =
                switch try verifier.verifyWithKeysAtHand(token, now: now) {
                case .verified(let verified): verified
                case .keysNeeded(let pending): try await verifier.verifyFetchingKeys(pending, token: token, now: now)
                }
            metrics.accepted()
            return verified
        } catch {
            guard let reason = JWTAuthenticationError.Reason(verificationError: error) else { throw error }
            throw reject(reason, underlying: error, logger: logger)
        }
    }

    /// Refusals that come after the signature verified and point at a client or issuer set up for another service.
    private static var misconfigurationCodes: Set<TokenVerificationError.Code> { [.audienceNotAccepted, .typeNotAccepted] }

    private func reject(_ reason: JWTAuthenticationError.Reason, underlying: (any Error)? = nil, logger: Logger) -> JWTAuthenticationError {
        let error = JWTAuthenticationError(reason, realm: realm, underlying: underlying)
        metrics.rejected(error.code)
        var metadata: Logger.Metadata = ["jwt.rejected": .string(error.description)]
        if let underlying { metadata["jwt.error"] = .string(String(describing: underlying)) }
        let refusal = underlying.flatMap { TokenVerificationError($0) }
        if error.code == .keysUnavailable {
            logger.warning("JWT not verifiable: keys unavailable", metadata: metadata)
        } else if let refusal, Self.misconfigurationCodes.contains(refusal.code) {
            // Only a token signed by a trusted issuer gets this far: not something a stranger can flood the log with,
            // and most often a client asking the issuer for the wrong audience or type.
            logger.notice(
                "JWT of a trusted issuer refused: \(refusal.summary); the client must ask the issuer for a token for this service",
                metadata: metadata
            )
        } else {
            logger.debug("JWT rejected", metadata: metadata)
        }
        return error
    }
}
