import Dispatch
public import JOSE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The same operations for async callers, run on a Dispatch queue so that waiting for the lock, fsync and RSA key
/// generation never block the cooperative thread pool.
extension KeyStore {
    public func load() async throws(KeyStoreError) -> LoadedKeySet {
        try await Self.offload { () throws(KeyStoreError) in try self.load() }
    }

    public func list(policy: RotationPolicy = RotationPolicy()) async throws(KeyStoreError) -> [KeyListEntry] {
        try await Self.offload { () throws(KeyStoreError) in try self.list(policy: policy) }
    }

    public func initialize(algorithms: [JWSAlgorithm], now: Date) async throws(KeyStoreError) -> InitializeResult {
        try await Self.offload { () throws(KeyStoreError) in try self.initialize(algorithms: algorithms, now: now) }
    }

    public func rotate(
        algorithm: JWSAlgorithm? = nil,
        policy: RotationPolicy = RotationPolicy(),
        now: Date,
        force: Bool = false
    ) async throws(KeyStoreError) -> RotationResult {
        try await Self.offload { () throws(KeyStoreError) in try self.rotate(algorithm: algorithm, policy: policy, now: now, force: force) }
    }

    public func prune(policy: RotationPolicy = RotationPolicy(), now: Date) async throws(KeyStoreError) -> PruneResult {
        try await Self.offload { () throws(KeyStoreError) in try self.prune(policy: policy, now: now) }
    }

    public func revoke(keyID: String, policy: RotationPolicy = RotationPolicy(), now: Date) async throws(KeyStoreError) -> RevokeResult {
        try await Self.offload { () throws(KeyStoreError) in try self.revoke(keyID: keyID, policy: policy, now: now) }
    }

    private static func offload<T: Sendable>(_ work: @escaping @Sendable () throws(KeyStoreError) -> T) async throws(KeyStoreError) -> T {
        let result: Result<T, KeyStoreError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { () throws(KeyStoreError) -> T in try work() })
            }
        }
        return try result.get()
    }
}
