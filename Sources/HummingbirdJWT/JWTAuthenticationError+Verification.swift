import JOSE
import JWTVerifier

extension JWTAuthenticationError.Reason {
    /// The answer for an error thrown while verifying a token, or `nil` for errors that are not about the token
    /// (cancellation, a verifier's own failure), which the authenticator rethrows.
    ///
    /// Descriptions are fixed phrases: the underlying errors may quote header values, issuers and audiences the
    /// client sent or the service is configured with; those go to the log, not to the client.
    init?(verificationError error: any Error) {
        switch error {
        case let error as JWTAuthenticationError: self = error.reason
        case let error as JOSEError: self = .invalidToken(Self.describe(error))
        case let error as TokenValidationError: self = .invalidToken(Self.describe(error))
        case let error as VerifierError: self = Self.reason(error)
        case is JWKSFetchError: self = .keysUnavailable("the issuer's keys cannot be fetched")
        case is JSONError: self = .invalidToken("malformed token")
        default: return nil
        }
    }

    private static func reason(_ error: VerifierError) -> Self {
        switch error {
        case .missingIssuer: .invalidToken("token has no issuer")
        case .unknownIssuer: .invalidToken("issuer not accepted")
        case .keyNotFound: .invalidToken("unknown signing key")
        case .keyNotFoundRefetchFailed, .jwksUnavailable: .keysUnavailable("the issuer's keys cannot be fetched")
        case .claimsNotDecodable: .invalidToken("claims not accepted")
        }
    }

    private static func describe(_ error: JOSEError) -> String {
        switch error {
        case .tokenTooLarge(_, let limit): "token over \(limit) bytes"
        case .segmentCount, .invalidBase64URL, .invalidJSON, .notAJSONObject, .missingHeaderParameter, .invalidHeaderParameter:
            "malformed token"
        case .unknownCriticalHeader, .unencodedPayload: "unsupported critical header"
        case .unsecuredAlgorithm, .unsupportedAlgorithm, .algorithmNotAllowed, .algorithmMismatch: "algorithm not accepted"
        case .unknownKeyID, .keyIDRequired, .noKey: "unknown signing key"
        case .invalidSignature, .invalidSignatureLength: "invalid signature"
        case .hmacKeyTooShort, .rsaKeyTooSmall, .incompatibleKey, .invalidPEM, .invalidJWK, .invalidJWKSet,
            .keyOperationNotPermitted, .signingFailed:
            "token cannot be verified"
        }
    }

    private static func describe(_ error: TokenValidationError) -> String {
        switch error {
        case .expired(let seconds, _): "token expired \(seconds) s ago"
        case .notYetValid: "token not valid yet"
        case .issuedInFuture: "token issued in the future"
        case .tooOld: "token too old"
        case .missingClaim(let name): "required claim \(name) missing"
        case .invalidClaim(let name, _): "invalid claim \(name)"
        case .issuerMismatch: "issuer not accepted"
        case .audienceMismatch: "audience not accepted"
        case .typeMismatch(let expected, _): "token type not accepted (expected \(expected))"
        }
    }
}
