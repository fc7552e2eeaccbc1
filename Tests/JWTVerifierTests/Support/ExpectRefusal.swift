import JOSE
import JWTVerifier
import Testing

/// Expects `body` (a call of `Verifier.verify`) to refuse the token with a ``TokenVerificationError`` whose underlying
/// error is `expected` and whose code is the one the verifier gives `expected`; returns the error.
@discardableResult
func expectRefusal<E: Error & Equatable, R>(
    _ expected: E,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> R
) async -> TokenVerificationError? {
    guard let refusal = await expectRefusal(E.self, sourceLocation: sourceLocation, body) else { return nil }
    #expect(refusal.underlying as? E == expected, sourceLocation: sourceLocation)
    #expect(refusal.code == TokenVerificationError(expected)?.code, sourceLocation: sourceLocation)
    return refusal
}

/// Expects `body` to refuse the token with a ``TokenVerificationError`` whose underlying error is an `E`.
@discardableResult
func expectRefusal<E: Error, R>(
    _ errorType: E.Type,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> R
) async -> TokenVerificationError? {
    let refusal = await #expect(throws: TokenVerificationError.self, sourceLocation: sourceLocation) { _ = try await body() }
    guard let refusal else { return nil }
    #expect(refusal.underlying is E, "underlying error \(type(of: refusal.underlying)), expected \(E.self)", sourceLocation: sourceLocation)
    #expect(refusal.description == String(describing: refusal.underlying), sourceLocation: sourceLocation)
    return refusal
}
