public import Hummingbird
import JOSE

/// An OAuth error answer (RFC 6749 §5.2, RFC 7009, RFC 7662, RFC 8707 §2): `{"error", "error_description"}` with
/// `Cache-Control: no-store`, the status the code calls for, and `WWW-Authenticate: Basic` when a client that
/// authenticated with HTTP Basic failed (§5.2).
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
        case unsupportedTokenType = "unsupported_token_type"
        case temporarilyUnavailable = "temporarily_unavailable"
        case serverError = "server_error"
    }

    public let code: Code
    /// Human-readable: names the problem and the fix. Never a secret.
    public let message: String
    public var status: HTTPResponse.Status
    /// `WWW-Authenticate: Basic realm="jot"` on a 401 (the client used, or should use, HTTP Basic).
    public var basicChallenge: Bool
    /// `Retry-After`, sent in whole seconds (rounded up).
    public var retryAfter: Duration?
    /// `WWW-Authenticate` for a protected resource (RFC 6750 §3), e.g. `/userinfo`.
    public var bearerChallenge: String?

    public init(_ code: Code, _ message: String, status: HTTPResponse.Status? = nil, basicChallenge: Bool = false, retryAfter: Duration? = nil) {
        self.code = code
        self.message = message
        self.status = status ?? Self.defaultStatus(code)
        self.basicChallenge = basicChallenge
        self.retryAfter = retryAfter
    }

    static func defaultStatus(_ code: Code) -> HTTPResponse.Status {
        switch code {
        case .invalidClient: .unauthorized
        case .temporarilyUnavailable: .serviceUnavailable
        case .serverError: .internalServerError
        default: .badRequest
        }
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// The HTTP answer.
    var response: Response {
        var headers: HTTPFields = [.cacheControl: "no-store"]
        if basicChallenge, status == .unauthorized { headers[.wwwAuthenticate] = #"Basic realm="jot", charset="UTF-8""# }
        if let retryAfter { headers[.retryAfter] = String(retryAfter.wholeSeconds(.up)) }
        if let bearerChallenge { headers[.wwwAuthenticate] = bearerChallenge }
        return JSONResponse.make(status, ["error": .string(code.rawValue), "error_description": .string(message)], headers: headers)
    }
}
