import JWTVerifier

extension JWTAuthenticationError.Reason {
    /// The answer for an error thrown while verifying a token, or `nil` for errors that are not about the token
    /// (cancellation), which the authenticator rethrows.
    ///
    /// Descriptions are the verifier's fixed phrases (``JWTVerifier/TokenVerificationError/summary``): the full
    /// reasons may quote header values, issuers and audiences the client sent or the service is configured with; those
    /// go to the log, not to the client.
    init?(verificationError error: any Error) {
        if let error = error as? JWTAuthenticationError {
            self = error.reason
            return
        }
        guard let error = TokenVerificationError(error) else { return nil }
        self = error.code == .keysUnavailable ? .keysUnavailable(error.summary) : .invalidToken(error.summary)
    }
}
