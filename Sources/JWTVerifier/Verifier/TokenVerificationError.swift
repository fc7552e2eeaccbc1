import JOSE

/// Why ``Verifier`` refused a token: the one error its `verify` methods throw, with a stable ``Code`` to switch on.
///
/// ```swift
/// do {
///     let token = try await verifier.verify(bearer)
/// } catch let error as TokenVerificationError where error.code == .expired {
///     // ask the client to refresh
/// }
/// ```
///
/// - ``code``: what went wrong, stable across releases (its raw value is a snake_case name for logs and metrics).
/// - ``summary``: a fixed phrase safe to send to the client (numbers at most, never text from the token).
/// - ``description``: the full reason for logs — header values, issuers and audiences quoted and escaped — never the
///   token itself.
/// - ``underlying``: the error of the layer that refused the token (`JOSEError`, `TokenValidationError`,
///   ``VerifierError``, ``JWKSFetchError``), for callers that need its details.
public struct TokenVerificationError: Error, Sendable, CustomStringConvertible {
    /// The closed set of reasons a token is refused.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// Not a compact JWS of the accepted size, or its header or payload is not valid base64url JSON.
        case malformed
        /// A `crit` header the verifier does not understand, or an unencoded payload.
        case unsupportedCriticalHeader = "unsupported_critical_header"
        /// `alg` is `none`, unknown, not allowed, or not the algorithm the key is bound to.
        case algorithmNotAccepted = "algorithm_not_accepted"
        /// No key of the issuer has the token's `kid` (after the one refetch an unknown kid may cause).
        case unknownKey = "unknown_key"
        /// The signature does not verify.
        case invalidSignature = "invalid_signature"
        /// The key that would verify the token is not usable (too short, wrong type): a configuration problem.
        case unusableKey = "unusable_key"
        /// The token has no `iss` and the verifier accepts none without one.
        case missingIssuer = "missing_issuer"
        /// `iss` is not a configured issuer.
        case issuerNotAccepted = "issuer_not_accepted"
        /// `aud` names none of the accepted audiences.
        case audienceNotAccepted = "audience_not_accepted"
        /// `exp` has passed (beyond the leeway).
        case expired
        /// `nbf` or `iat` is in the future (beyond the leeway).
        case notYetValid = "not_yet_valid"
        /// `iat` is older than the configured maximum age.
        case tooOld = "too_old"
        /// A required claim is absent.
        case missingClaim = "missing_claim"
        /// A claim has the wrong type or value (`exp` not a number, `scope` not a string…).
        case invalidClaim = "invalid_claim"
        /// `typ` is not the expected one (`at+jwt`).
        case typeNotAccepted = "type_not_accepted"
        /// The issuer's keys cannot be had right now (JWKS outage past its stale window): the token may be fine.
        case keysUnavailable = "keys_unavailable"
        /// The token verified, and its claims do not decode into the caller's type.
        case claimsNotDecodable = "claims_not_decodable"
    }

    public let code: Code
    /// A fixed phrase for the client (`"token expired 42 s ago"`, `"unknown signing key"`).
    public let summary: String
    /// The error of the layer that refused the token.
    public let underlying: any Error & Sendable

    public init(code: Code, summary: String, underlying: any Error & Sendable) {
        self.code = code
        self.summary = summary
        self.underlying = underlying
    }

    /// The full reason, for logs.
    public var description: String { String(describing: underlying) }

    /// The verification error for `error`, or `nil` for errors that are not about the token (cancellation).
    public init?(_ error: any Error) {
        switch error {
        case let error as TokenVerificationError: self = error
        case let error as JOSEError: self = Self(error)
        case let error as TokenValidationError: self = Self(error)
        case let error as VerifierError: self = Self(error)
        case let error as JWKSFetchError: self.init(code: .keysUnavailable, summary: "the issuer's keys cannot be fetched", underlying: error)
        case let error as JSONError: self.init(code: .malformed, summary: "malformed token", underlying: error)
        default: return nil
        }
    }

    init(_ error: JOSEError) {
        let (code, summary): (Code, String) =
            switch error {
            case .tokenTooLarge(_, let limit): (.malformed, "token over \(limit) bytes")
            case .segmentCount, .invalidBase64URL, .invalidJSON, .notAJSONObject, .missingHeaderParameter,
                .invalidHeaderParameter:
                (.malformed, "malformed token")
            case .unknownCriticalHeader, .unencodedPayload: (.unsupportedCriticalHeader, "unsupported critical header")
            case .unsecuredAlgorithm, .unsupportedAlgorithm, .algorithmNotAllowed, .algorithmMismatch:
                (.algorithmNotAccepted, "algorithm not accepted")
            case .unknownKeyID, .keyIDRequired, .noKey: (.unknownKey, "unknown signing key")
            case .invalidSignature, .invalidSignatureLength: (.invalidSignature, "invalid signature")
            case .hmacKeyTooShort, .rsaKeyTooSmall, .incompatibleKey, .invalidPEM, .invalidJWK, .invalidJWKSet,
                .keyOperationNotPermitted, .signingFailed:
                (.unusableKey, "token cannot be verified")
            }
        self.init(code: code, summary: summary, underlying: error)
    }

    init(_ error: TokenValidationError) {
        let (code, summary): (Code, String) =
            switch error {
            case .expired(let seconds, _): (.expired, "token expired \(seconds) s ago")
            case .notYetValid: (.notYetValid, "token not valid yet")
            case .issuedInFuture: (.notYetValid, "token issued in the future")
            case .tooOld: (.tooOld, "token too old")
            case .missingClaim(let name): (.missingClaim, "required claim \(name) missing")
            case .invalidClaim(let name, _): (.invalidClaim, "invalid claim \(name)")
            case .issuerMismatch: (.issuerNotAccepted, "issuer not accepted")
            case .audienceMismatch: (.audienceNotAccepted, "audience not accepted")
            case .typeMismatch(let expected, _): (.typeNotAccepted, "token type not accepted (expected \(expected))")
            }
        self.init(code: code, summary: summary, underlying: error)
    }

    init(_ error: VerifierError) {
        let (code, summary): (Code, String) =
            switch error {
            case .missingIssuer: (.missingIssuer, "token has no issuer")
            case .unknownIssuer: (.issuerNotAccepted, "issuer not accepted")
            case .keyNotFound: (.unknownKey, "unknown signing key")
            case .keyNotFoundRefetchFailed, .jwksUnavailable: (.keysUnavailable, "the issuer's keys cannot be fetched")
            case .claimsNotDecodable: (.claimsNotDecodable, "claims not accepted")
            }
        self.init(code: code, summary: summary, underlying: error)
    }
}
