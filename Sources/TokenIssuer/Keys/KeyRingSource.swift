public import KeyStore

/// Where the issuer's keys come from: a ``KeyStore`` (key directory or database) in production, a fixed set in tests.
public protocol KeyRingSource: Sendable {
    /// Loads and validates the whole key set; throws rather than return a partial one.
    func loadKeyRing() async throws -> LoadedKeySet

    /// Loads the key set unless it is still the one with `fingerprint` (a cheap check); `nil` when unchanged.
    func loadKeyRing(ifChangedFrom fingerprint: String?) async throws -> LoadedKeySet?
}

extension KeyRingSource {
    public func loadKeyRing(ifChangedFrom fingerprint: String?) async throws -> LoadedKeySet? {
        let ring = try await loadKeyRing()
        return ring.fingerprint == fingerprint ? nil : ring
    }
}

/// A key set that never changes.
public struct StaticKeyRingSource: KeyRingSource {
    public let ring: LoadedKeySet
    public init(_ ring: LoadedKeySet) { self.ring = ring }
    public func loadKeyRing() async throws -> LoadedKeySet { ring }
}
