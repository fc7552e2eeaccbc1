public import Hummingbird
import JOSE

/// An OAuth error answer (RFC 6749 §5.2, RFC 7009, RFC 7662, RFC 8707 §2): `{"error", "error_description"}` with
/// `Cache-Control: no-store`, the status the code calls for, and on a 401 a `WWW-Authenticate` challenge (RFC 9110
/// §15.5.2): `Basic` for client authentication (RFC 6749 §5.2), or the bearer challenge of a protected resource.
public struct OAuthError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case invalidRequest = "invalid_request"
        case invalidClient = "invalid_client"
        case invalidGrant = "invalid_grant"
        case unauthorizedClient = "unauthorized_client"
        case unsupportedGrantType = "unsupported_grant_type"
        case invalidScope = "invalid_scope"
        case invalidTarget = "invalid_target"
        case unsupportedResponseType = "unsupported_response_type"
        case accessDenied = "access_denied"
        case loginRequired = "login_required"
        case consentRequired = "consent_required"
        /// RFC 6750 §3.1, at `/userinfo`.
        case invalidToken = "invalid_token"
        case insufficientScope = "insufficient_scope"
        case unsupportedTokenType = "unsupported_token_type"
        case temporarilyUnavailable = "temporarily_unavailable"
        case serverError = "server_error"
    }

    public let code: Code
    /// Human-readable: names the problem and the fix. Never a secret.
    public let message: String
    public var status: HTTPResponse.Status
    /// `Retry-After`, sent in whole seconds (rounded up).
    public var retryAfter: Duration?
    /// `WWW-Authenticate` for a protected resource (RFC 6750 §3), e.g. `/userinfo`.
    public var bearerChallenge: String?
    /// Whether the answer has the JSON body; not when a protected resource was asked without any token (RFC 6750 §3.1:
    /// no error information then).
    public var hasBody = true

    /// A protected resource asked without a token: 401, `WWW-Authenticate: Bearer realm="jot"`, nothing else.
    public static var bearerRequired: OAuthError {
        var error = OAuthError(.invalidRequest, "an access token is required (Authorization: Bearer ...)", status: .unauthorized)
        error.bearerChallenge = #"Bearer realm="jot""#
        error.hasBody = false
        return error
    }

    public init(_ code: Code, _ message: String, status: HTTPResponse.Status? = nil, retryAfter: Duration? = nil) {
        self.code = code
        self.message = message
        self.status = status ?? Self.defaultStatus(code)
        self.retryAfter = retryAfter
    }

    static func defaultStatus(_ code: Code) -> HTTPResponse.Status {
        switch code {
        case .invalidClient, .invalidToken: .unauthorized
        case .insufficientScope: .forbidden
        case .temporarilyUnavailable: .serviceUnavailable
        case .serverError: .internalServerError
        default: .badRequest
        }
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// The HTTP answer.
    var response: Response {
        var headers: HTTPFields = [.cacheControl: "no-store"]
        if let bearerChallenge {
            headers[.wwwAuthenticate] = bearerChallenge
        } else if status == .unauthorized {
            headers[.wwwAuthenticate] = #"Basic realm="jot", charset="UTF-8""#
        }
        if let retryAfter { headers[.retryAfter] = String(retryAfter.wholeSeconds(.up)) }
        guard hasBody else { return Response(status: status, headers: headers) }
        return JSONResponse.make(
            status,
            ["error": .string(code.rawValue), "error_description": .string(UntrustedText.errorDescription(message))],
            headers: headers
        )
    }
}
