public import JOSE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Why the verifier refused a token for a reason of its own (issuer selection, remote keys).
///
/// Structural, key and signature problems are `JOSEError`s and claim problems are `TokenValidationError`s, as
/// thrown by the JOSE layer. Messages never contain the token.
public enum VerifierError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The token has no `iss`, so no key source can be chosen.
    case missingIssuer(configured: [String])
    /// The token's `iss` is not a configured issuer.
    case unknownIssuer(String, configured: [String])
    /// No key for the token in its issuer's JWKS, after a refetch or while refetches are suppressed (for
    /// `suppressedFor` more whole seconds, rounded up).
    case keyNotFound(kid: String?, algorithm: JWSAlgorithm, url: String, suppressedFor: Int)
    /// No key for the token in the last good JWKS, and refetching it failed.
    case keyNotFoundRefetchFailed(kid: String?, algorithm: JWSAlgorithm, url: String, cause: JWKSFetchError)
    /// No usable key set: fetching has failed since `since`, and either no set was ever fetched (`staleWindow` nil)
    /// or the last good one is older than its freshness plus the stale window (`staleWindow`, in whole seconds as the
    /// message shows it).
    case jwksUnavailable(url: String, since: Date, cause: JWKSFetchError, staleWindow: Int?)
    /// The token verified, and its claims do not decode into the caller's type (``Verifier/verify(_:as:now:)``).
    case claimsNotDecodable(type: String, reason: String)

    public var description: String {
        switch self {
        case .missingIssuer(let configured):
            "token has no 'iss' claim; it must name one of the configured issuers (\(Self.list(configured)))"
        case .unknownIssuer(let issuer, let configured):
            "issuer \(UntrustedText.quoted(issuer, limit: 200)) is not configured (configured: \(Self.list(configured)))"
        case .keyNotFound(let kid, let algorithm, let url, let suppressedFor):
            "\(Self.key(kid, algorithm)) not in JWKS from \(url); refetch suppressed for \(suppressedFor) s"
        case .keyNotFoundRefetchFailed(let kid, let algorithm, let url, let cause):
            "\(Self.key(kid, algorithm)) not in the last good JWKS from \(url), and refetching it failed: \(cause)"
        case .jwksUnavailable(let url, let since, let cause, let staleWindow):
            "JWKS from \(url) unavailable since \(since.ISO8601Format()): \(cause); "
                + (staleWindow.map { "stale window of \($0) s exhausted" } ?? "no key set has been fetched yet")
        case .claimsNotDecodable(let type, let reason):
            "claims do not decode as \(type): \(reason)"
        }
    }

    private static func list(_ values: [String]) -> String {
        values.isEmpty ? "none" : values.map { "'\($0)'" }.joined(separator: ", ")
    }

    private static func key(_ kid: String?, _ algorithm: JWSAlgorithm) -> String {
        kid.map { "kid \(UntrustedText.quoted($0))" } ?? "a \(algorithm) key for a token without kid"
    }
}
