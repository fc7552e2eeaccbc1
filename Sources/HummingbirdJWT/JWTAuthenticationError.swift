public import Hummingbird
import JOSE

/// Why ``JWTAuthenticator`` or ``ScopePolicy`` refused a request, rendered as the RFC 6750 §3 answer.
///
/// | Reason | Status | `WWW-Authenticate` | Body |
/// |---|---|---|---|
/// | ``Reason/missingCredentials``, ``Reason/unsupportedScheme(_:)`` | 401 | `Bearer realm="…"` (no error code, §3.1) | `{"message":"Unauthorized"}` |
/// | ``Reason/malformedAuthorization(_:)`` | 400 | `Bearer realm="…", error="invalid_request", error_description="…"` | `{"message":"Bad Request"}` |
/// | ``Reason/invalidToken(_:)`` | 401 | `Bearer realm="…", error="invalid_token", error_description="…"` | `{"message":"Unauthorized"}` |
/// | ``Reason/insufficientScope(required:)`` | 403 | `Bearer realm="…", error="insufficient_scope", scope="…"` | `{"message":"Forbidden"}` |
/// | ``Reason/keysUnavailable(_:)`` | 503 | none (the token may be fine) | `{"message":"Service Unavailable"}` |
///
/// Descriptions sent to the client are fixed phrases chosen by the authenticator (with numbers at most), never text
/// taken from the request, and are reduced to the characters RFC 6750 allows in a quoted value.
public struct JWTAuthenticationError: HTTPResponseError, Sendable, Hashable, CustomStringConvertible {
    /// The closed set of reasons.
    public enum Reason: Sendable, Hashable {
        /// No `Authorization` header (or an empty one).
        case missingCredentials
        /// An `Authorization` header of another scheme (`Basic …`); holds the scheme name.
        case unsupportedScheme(String)
        /// A `Bearer` header that is not exactly `Bearer <token>`, or several `Authorization` headers.
        case malformedAuthorization(String)
        /// The token failed verification; holds the client-safe description.
        case invalidToken(String)
        /// The token verified and lacks some of the `required` scopes.
        case insufficientScope(required: [String])
        /// The verification keys cannot be had right now (JWKS outage past its stale window).
        case keysUnavailable(String)
    }

    /// The stable code of a ``Reason``, without its details: what callers switch on.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        case missingCredentials = "missing_credentials"
        case unsupportedScheme = "unsupported_scheme"
        case malformedAuthorization = "malformed_authorization"
        case invalidToken = "invalid_token"
        case insufficientScope = "insufficient_scope"
        case keysUnavailable = "keys_unavailable"
    }

    public let reason: Reason
    /// The `realm` of the challenge, if any.
    public let realm: String?
    /// The error the verifier threw, for logs (never sent to the client); not part of equality.
    public let underlying: (any Error)?

    public init(_ reason: Reason, realm: String?, underlying: (any Error)? = nil) {
        self.reason = reason
        self.realm = realm
        self.underlying = underlying
    }

    /// The stable code of ``reason``.
    public var code: Code {
        switch reason {
        case .missingCredentials: .missingCredentials
        case .unsupportedScheme: .unsupportedScheme
        case .malformedAuthorization: .malformedAuthorization
        case .invalidToken: .invalidToken
        case .insufficientScope: .insufficientScope
        case .keysUnavailable: .keysUnavailable
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.reason == rhs.reason && lhs.realm == rhs.realm }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(reason)
        hasher.combine(realm)
    }

    public var status: HTTPResponse.Status {
        switch reason {
        case .missingCredentials, .unsupportedScheme, .invalidToken: .unauthorized
        case .malformedAuthorization: .badRequest
        case .insufficientScope: .forbidden
        case .keysUnavailable: .serviceUnavailable
        }
    }

    /// The RFC 6750 `error` code, when the answer carries one.
    public var errorCode: String? {
        switch reason {
        case .missingCredentials, .unsupportedScheme, .keysUnavailable: nil
        case .malformedAuthorization: "invalid_request"
        case .invalidToken: "invalid_token"
        case .insufficientScope: "insufficient_scope"
        }
    }

    /// The `WWW-Authenticate` challenge, or `nil` for ``Reason/keysUnavailable(_:)``.
    public var challenge: String? {
        var parameters: [(String, String)] = []
        if let realm { parameters.append(("realm", realm)) }
        switch reason {
        case .keysUnavailable:
            return nil
        case .missingCredentials, .unsupportedScheme:
            break
        case .malformedAuthorization(let description), .invalidToken(let description):
            parameters.append(("error", errorCode ?? ""))
            parameters.append(("error_description", description))
        case .insufficientScope(let required):
            parameters.append(("error", "insufficient_scope"))
            parameters.append(("scope", required.joined(separator: " ")))
        }
        return BearerChallenge.render(parameters)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json", .cacheControl: "no-store"]
        if let challenge { headers[.wwwAuthenticate] = challenge }
        if case .keysUnavailable = reason { headers[.retryAfter] = "30" }
        let message =
            switch status {
            case .unauthorized: "Unauthorized"
            case .forbidden: "Forbidden"
            case .badRequest: "Bad Request"
            default: "Service Unavailable"
            }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"message":"\#(message)"}"#)))
    }

    /// For logs: the reason in full (never the token).
    public var description: String {
        switch reason {
        case .missingCredentials: "no Authorization header; send 'Authorization: Bearer <jwt>'"
        case .unsupportedScheme(let scheme):
            "Authorization scheme '\(UntrustedText.errorDescription(scheme, limit: 32))' is not supported; use Bearer"
        case .malformedAuthorization(let reason): "malformed Authorization header: \(reason)"
        case .invalidToken(let reason): "invalid token: \(reason)"
        case .insufficientScope(let required): "token lacks a required scope (required: \(required.joined(separator: " ")))"
        case .keysUnavailable(let reason): "verification keys unavailable: \(reason)"
        }
    }
}
