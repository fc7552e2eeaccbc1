public import KeyStore
import Synchronization

/// The key ring in force, swapped atomically when a reload succeeds; read on every request without an actor hop.
public final class KeyRingHolder: Sendable {
    private let state: Mutex<LoadedKeySet>

    public init(_ ring: LoadedKeySet) { self.state = Mutex(ring) }

    public var current: LoadedKeySet { state.withLock { $0 } }

    /// Replaces the ring; returns whether it changed (by fingerprint).
    @discardableResult
    public func replace(with ring: LoadedKeySet) -> Bool {
        state.withLock { current in
            guard current.fingerprint != ring.fingerprint else { return false }
            current = ring
            return true
        }
    }
}
