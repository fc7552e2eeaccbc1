import JWTKit

/// The claims jwt-kit signs and verifies: the same members Jot's benchmark token carries.
///
/// `verify(using:)` checks what Jot's `ValidationPolicy` checks in the benchmark (expiry, issuer, audience), so both
/// libraries do the same claims work.
struct BenchmarkPayload: JWTPayload, Equatable {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var scope: String

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        guard iss.value == AlgorithmFixture.issuer else {
            throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "unexpected issuer")
        }
        try aud.verifyIntendedAudience(includes: AlgorithmFixture.audience)
    }
}
