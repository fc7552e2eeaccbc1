import Synchronization

/// The key ring in force, swapped atomically when a reload succeeds; read on every request without an actor hop.
public final class KeyRingHolder: Sendable {
    private let state: Mutex<IssuerKeyRing>

    public init(_ ring: IssuerKeyRing) { self.state = Mutex(ring) }

    public var current: IssuerKeyRing { state.withLock { $0 } }

    /// Replaces the ring; returns whether it changed (by version).
    @discardableResult
    public func replace(with ring: IssuerKeyRing) -> Bool {
        state.withLock { current in
            guard current.version != ring.version else { return false }
            current = ring
            return true
        }
    }
}
