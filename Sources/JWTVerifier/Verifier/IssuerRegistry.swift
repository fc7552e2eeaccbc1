public import JOSE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The trusted issuers, each with its own key source.
///
/// A token's `iss`, read from its still unverified payload, only picks the key source; the verifier then requires the
/// verified claims to carry that same `iss`. So a key of one issuer never verifies another issuer's token: give
/// every issuer its own ``JWKSCache`` (never share one between issuers).
public struct IssuerRegistry: Sendable {
    /// Where an issuer's keys come from.
    public enum KeySource: Sendable {
        /// A remote JWKS, cached.
        case jwks(JWKSCache)
        /// A fixed key set (for example the shared HMAC secret of a single service).
        case keys(JWSKeySet)
    }

    private var sources: [String: KeySource]
    /// The key source of tokens without `iss`, when one is configured (see ``init(_:tokensWithoutIssuer:)``).
    public private(set) var tokensWithoutIssuer: KeySource?

    public init() { self.sources = [:] }

    /// Issuers (exact `iss` strings) and their key sources.
    ///
    /// - Parameters:
    ///   - sources: issuers and their key sources.
    ///   - tokensWithoutIssuer: the key source for tokens that carry no `iss` at all, for a single-issuer setup whose
    ///     tokens never name it (the documented shared-secret sample). `nil` (the default) refuses them. A token that
    ///     does carry an `iss` must still name a configured issuer.
    public init(_ sources: [String: KeySource], tokensWithoutIssuer: KeySource? = nil) {
        self.sources = sources
        self.tokensWithoutIssuer = tokensWithoutIssuer
    }

    /// Adds (or replaces) an issuer.
    public mutating func register(issuer: String, source: KeySource) { sources[issuer] = source }

    /// The configured issuers, sorted.
    public var issuers: [String] { sources.keys.sorted() }

    public func source(for issuer: String) -> KeySource? { sources[issuer] }

    /// The source for a token's `iss`, or for a token without one.
    func source(forIssuer issuer: String?) -> KeySource? {
        guard let issuer else { return tokensWithoutIssuer }
        return sources[issuer]
    }

    /// Prefetches every remote JWKS concurrently, for start-up.
    ///
    /// - Throws: the first ``JWKSFetchError``; the other fetches still complete.
    public func prefetch(now: Date = Date()) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for case .jwks(let cache) in Array(sources.values) + [tokensWithoutIssuer].compactMap({ $0 }) {
                group.addTask { try await cache.prefetch(now: now) }
            }
            try await group.waitForAll()
        }
    }
}

extension IssuerRegistry.KeySource {
    /// The key for `header` and the generation of its set when they are in memory and no refresh is due; `nil` means
    /// "ask ``resolve(_:now:)``". A static set answers (or throws) here.
    func resolveAtHand(_ header: JWSHeader, now: Date) throws -> (key: JWSVerificationKey, generation: Int)? {
        switch self {
        case .jwks(let cache): cache.quickResolve(header, now: now)
        case .keys(let keySet): (try keySet.key(for: header), 0)
        }
    }

    /// The key for `header` and the generation of its set (static sets are generation 0), fetching the JWKS when it
    /// must: what ``resolveAtHand(_:now:)`` could not answer.
    func resolve(_ header: JWSHeader, now: Date) async throws -> (key: JWSVerificationKey, generation: Int) {
        switch self {
        case .jwks(let cache): try await cache.resolve(header, now: now)
        case .keys(let keySet): (try keySet.key(for: header), 0)
        }
    }
}
