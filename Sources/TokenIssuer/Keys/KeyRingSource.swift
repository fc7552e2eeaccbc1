/// Where the issuer's keys come from: the `Keys/` directory in production, a fixed ring in tests.
public protocol KeyRingSource: Sendable {
    /// Loads and validates the whole key set; throws rather than return a partial one.
    func loadKeyRing() async throws -> IssuerKeyRing
}

/// A key ring that never changes.
public struct StaticKeyRingSource: KeyRingSource {
    public let ring: IssuerKeyRing
    public init(_ ring: IssuerKeyRing) { self.ring = ring }
    public func loadKeyRing() async throws -> IssuerKeyRing { ring }
}
