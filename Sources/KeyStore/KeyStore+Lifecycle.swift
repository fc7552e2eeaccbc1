public import JOSE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension KeyStore {
    /// Creates a `current` and a `next` key for each algorithm that has none (and a `next` where one is missing).
    ///
    /// Idempotent: algorithms that have their keys are left alone and nothing is written if nothing is missing (except a
    /// changed `policy`). A key directory is created (mode 0700; its parent must exist), and an existing directory
    /// without a manifest is tightened to 0700 — a fresh clone checks `Keys/` out with the umask's mode.
    /// - Parameters:
    ///   - algorithms: e.g. `[.ES256]`; `oct` algorithms (HS256…) create shared secrets, never published.
    ///   - policy: recorded with the keys (``recordPolicy(_:now:)``) when given.
    ///   - now: the time recorded as created, published and (for `current`) signing since.
    /// - Throws: ``KeyStoreError/noAlgorithms``, or a ``KeyStoreError`` when the store cannot be read or written.
    public func initialize(algorithms: [JWSAlgorithm], policy: RotationPolicy? = nil, now: Date) async throws(KeyStoreError) -> InitializeResult {
        guard !algorithms.isEmpty else { throw .noAlgorithms }
        return try await storage.update(skipping: [], prepare: true) { snapshot throws(KeyStoreError) -> KeySetChange<InitializeResult> in
            let old = snapshot?.manifest ?? .empty
            let time = Timestamp.rounded(now)
            var manifest = old
            var newKeys: [String: JWSSigningKey] = [:]
            var created: [KeyRecord] = []
            var unchanged: [JWSAlgorithm] = []
            var seen = Set<JWSAlgorithm>()
            for algorithm in algorithms where seen.insert(algorithm).inserted {
                var missing: [KeyState] = []
                if manifest.records(for: algorithm).isEmpty {
                    missing = [.current, .next]
                } else if manifest.record(for: algorithm, state: .next) == nil {
                    missing = [.next]
                }
                if missing.isEmpty {
                    unchanged.append(algorithm)
                    continue
                }
                for state in missing {
                    let (record, key) = try newKey(algorithm, state: state, at: time, avoiding: manifest)
                    manifest.insert(record)
                    newKeys[record.keyID] = key
                    created.append(record)
                }
            }
            var policyChanged = false
            if let policy {
                var stored = manifest.policy ?? StoredRotationPolicy(current: policy)
                policyChanged = stored.record(policy, now: now) || manifest.policy == nil
                manifest.policy = stored
            }
            let result = InitializeResult(created: created, unchanged: unchanged, preparedDirectory: snapshot == nil)
            guard !created.isEmpty || policyChanged else { return .unchanged(result) }
            return KeySetChange(manifest: manifest, keys: newKeys, result: result)
        }
    }

    /// Records the timing the server runs with. A policy replaced by smaller values keeps counting until it can no
    /// longer matter (``StoredRotationPolicy``). Writes nothing when nothing changes.
    /// - Returns: the stored policy after the change.
    @discardableResult
    public func recordPolicy(_ policy: RotationPolicy, now: Date) async throws(KeyStoreError) -> StoredRotationPolicy {
        let notInitialized = storage.notInitializedError
        return try await storage.update(skipping: [], prepare: false) { snapshot throws(KeyStoreError) -> KeySetChange<StoredRotationPolicy> in
            guard var manifest = snapshot?.manifest else { throw notInitialized }
            var stored = manifest.policy ?? StoredRotationPolicy(current: policy)
            let changed = stored.record(policy, now: now) || manifest.policy == nil
            guard changed else { return .unchanged(stored) }
            manifest.policy = stored
            return KeySetChange(manifest: manifest, result: stored)
        }
    }

    /// Rotates: the `next` key becomes `current` (signs), the `current` key becomes `previous`, a fresh `next` is
    /// published.
    ///
    /// Refused while the `next` key has been published for less than the effective JWKS max-age, because verifiers
    /// holding a cached JWKS would not know it yet and would reject its tokens. `force` overrides that and returns a
    /// warning.
    /// - Parameters:
    ///   - algorithm: the algorithm to rotate; `nil` rotates every algorithm in the set, all or none.
    ///   - policy: a floor for the stored policy (each value the larger of the two); the stored one alone when `nil`.
    ///   - now: the current time.
    ///   - force: rotate even when the `next` key was published too recently.
    /// - Throws: ``KeyStoreError/rotationTooEarly(keyID:algorithm:publishedSeconds:jwksMaxAgeSeconds:secondsLeft:)``
    ///   with the seconds left (the longest wait when several algorithms rotate), ``KeyStoreError/noKeys(_:available:)``,
    ///   ``KeyStoreError/noNextKey(_:)``, ``KeyStoreError/tooManyPublishedKeys(count:limit:)`` (also with `force`) when
    ///   the JWKS would list more keys than verifiers accept, or a load/write error.
    public func rotate(
        algorithm: JWSAlgorithm? = nil,
        policy: RotationPolicy? = nil,
        now: Date,
        force: Bool = false
    ) async throws(KeyStoreError) -> RotationResult {
        let notInitialized = storage.notInitializedError
        return try await storage.update(skipping: [], prepare: false) { snapshot throws(KeyStoreError) -> KeySetChange<RotationResult> in
            guard let snapshot else { throw notInitialized }
            let old = snapshot.manifest
            let effective = Self.effectivePolicy(old, floor: policy, now: now)
            let algorithms: [JWSAlgorithm]
            if let algorithm {
                guard !old.records(for: algorithm).isEmpty else { throw .noKeys(algorithm, available: old.algorithms) }
                algorithms = [algorithm]
            } else {
                guard !old.algorithms.isEmpty else { throw notInitialized }
                algorithms = old.algorithms
            }
            var warnings: [KeyStoreWarning] = []
            var refusal: KeyStoreError? = nil
            var longestWait = 0
            for algorithm in algorithms {
                guard let next = old.record(for: algorithm, state: .next) else { throw .noNextKey(algorithm) }
                guard let early = Self.earlyActivation(of: next, policy: effective, now: now) else { continue }
                if force {
                    warnings.append(
                        .earlyActivation(keyID: next.keyID, algorithm: algorithm, publishedSeconds: early.published, jwksMaxAgeSeconds: early.maxAge)
                    )
                } else if early.left > longestWait {
                    longestWait = early.left
                    refusal = .rotationTooEarly(
                        keyID: next.keyID,
                        algorithm: algorithm,
                        publishedSeconds: early.published,
                        jwksMaxAgeSeconds: early.maxAge,
                        secondsLeft: early.left
                    )
                }
            }
            if let refusal { throw refusal }
            let (manifest, newKeys, rotations) = try rotated(old, algorithms: algorithms, now: now)
            let published = manifest.records.filter(\.isPublished).count
            if published > JWKSet.maximumKeyCount {
                throw .tooManyPublishedKeys(count: published, limit: JWKSet.maximumKeyCount)
            }
            return KeySetChange(manifest: manifest, keys: newKeys, result: RotationResult(rotations: rotations, warnings: warnings))
        }
    }

    /// Removes the `previous` keys whose tokens can no longer be accepted anywhere: those that stopped signing at
    /// least `maxTokenLifetime + leeway + jwksMaxAge` (of the effective policy) ago. Others are kept and reported with
    /// the time they become removable.
    ///
    /// - Returns: the removed and the kept keys; both empty when there are no `previous` keys (nothing to prune).
    /// - Throws: ``KeyStoreError/pruneTooEarly(_:)`` when there are `previous` keys and none is removable yet.
    public func prune(policy: RotationPolicy? = nil, now: Date) async throws(KeyStoreError) -> PruneResult {
        let notInitialized = storage.notInitializedError
        return try await storage.update(skipping: [], prepare: false) { snapshot throws(KeyStoreError) -> KeySetChange<PruneResult> in
            guard let snapshot else { throw notInitialized }
            let (manifest, result) = Self.pruned(
                snapshot.manifest,
                policy: Self.effectivePolicy(snapshot.manifest, floor: policy, now: now),
                now: now
            )
            if result.removed.isEmpty && !result.pending.isEmpty { throw .pruneTooEarly(result.pending) }
            return result.removed.isEmpty ? .unchanged(result) : KeySetChange(manifest: manifest, result: result)
        }
    }

    /// Removes a key at once, whatever its state (a compromised key): tokens it signed fail from the next reload.
    ///
    /// The algorithm stays usable: revoking the `current` key promotes the `next` key to `current` (with a warning if
    /// it was published less than the JWKS max-age ago) and creates a new `next`; revoking the `next` key creates a
    /// new `next`. The revoked key itself is not opened, so a missing or corrupt key can be revoked.
    /// - Throws: ``KeyStoreError/unknownKeyID(_:known:)``, or a load/write error.
    public func revoke(keyID: String, policy: RotationPolicy? = nil, now: Date) async throws(KeyStoreError) -> RevokeResult {
        let notInitialized = storage.notInitializedError
        return try await storage.update(skipping: [keyID], prepare: false) { snapshot throws(KeyStoreError) -> KeySetChange<RevokeResult> in
            guard let snapshot else { throw notInitialized }
            let old = snapshot.manifest
            let effective = Self.effectivePolicy(old, floor: policy, now: now)
            guard let revoked = old.record(keyID: keyID) else { throw .unknownKeyID(keyID, known: old.records.map(\.keyID)) }
            let algorithm = revoked.algorithm
            let time = Timestamp.rounded(now)
            var manifest = old
            manifest.remove(keyID: keyID)
            var warnings: [KeyStoreWarning] = [.revoked(keyID: keyID, algorithm: algorithm, state: revoked.state)]
            var promoted: KeyRecord? = nil
            var missing: [KeyState] = []
            switch revoked.state {
            case .previous:
                break
            case .next:
                missing = [.next]
            case .current:
                if var next = old.record(for: algorithm, state: .next) {
                    if let early = Self.earlyActivation(of: next, policy: effective, now: now) {
                        warnings.append(
                            .earlyActivation(
                                keyID: next.keyID,
                                algorithm: algorithm,
                                publishedSeconds: early.published,
                                jwksMaxAgeSeconds: early.maxAge
                            )
                        )
                    }
                    next.state = .current
                    next.activatedAt = time
                    manifest.replace(next)
                    promoted = next
                    missing = [.next]
                } else {
                    missing = [.current, .next]
                }
            }
            var newKeys: [String: JWSSigningKey] = [:]
            var created: [KeyRecord] = []
            for state in missing {
                let (record, key) = try newKey(algorithm, state: state, at: time, avoiding: manifest)
                manifest.insert(record)
                newKeys[record.keyID] = key
                created.append(record)
            }
            if created.contains(where: { $0.state == .current }), let current = created.first {
                warnings.append(
                    .earlyActivation(keyID: current.keyID, algorithm: algorithm, publishedSeconds: 0, jwksMaxAgeSeconds: effective.maxAgeSeconds)
                )
            }
            return KeySetChange(
                manifest: manifest,
                keys: newKeys,
                result: RevokeResult(revoked: revoked, promoted: promoted, created: created, warnings: warnings)
            )
        }
    }

    /// One step of automatic rotation (`jot serve --rotate-every`), safe to run on every replica at once: under the
    /// storage's lock, each algorithm whose `current` key has signed for `interval` rotates — only once its `next` key
    /// has been published for the JWKS max-age, never forced — and every removable `previous` key is pruned. A replica
    /// that runs it right after another finds nothing due.
    /// - Returns: what was rotated and pruned (both empty when nothing was due).
    public func rotateIfDue(every interval: Duration, policy: RotationPolicy? = nil, now: Date) async throws(KeyStoreError) -> AutomaticRotationResult
    {
        let notInitialized = storage.notInitializedError
        return try await storage.update(skipping: [], prepare: false) { snapshot throws(KeyStoreError) -> KeySetChange<AutomaticRotationResult> in
            guard let snapshot else { throw notInitialized }
            let old = snapshot.manifest
            let effective = Self.effectivePolicy(old, floor: policy, now: now)
            var due: [JWSAlgorithm] = []
            var waiting: [AutomaticRotationResult.Waiting] = []
            for algorithm in old.algorithms {
                guard let current = old.record(for: algorithm, state: .current), let next = old.record(for: algorithm, state: .next) else { continue }
                let rotateAt = (current.activatedAt ?? current.publishedAt).advanced(by: interval)
                let publishedEnough = next.publishedAt.advanced(by: effective.publicationLead)
                let at = max(rotateAt, publishedEnough)
                if at <= now {
                    due.append(algorithm)
                } else {
                    waiting.append(.init(algorithm: algorithm, rotatesAt: at))
                }
            }
            var manifest = old
            var newKeys: [String: JWSSigningKey] = [:]
            var rotations: [RotationResult.Rotation] = []
            if !due.isEmpty { (manifest, newKeys, rotations) = try rotated(old, algorithms: due, now: now) }
            var (prunedManifest, pruned) = Self.pruned(manifest, policy: effective, now: now)
            // As `jot keys rotate`: never a JWKS verifiers refuse. An interval shorter than a previous key must stay
            // published would otherwise pile keys up past the limit; rotation waits until pruning makes room.
            var heldBack: KeyStoreError? = nil
            let published = prunedManifest.records.filter(\.isPublished).count
            if !rotations.isEmpty, published > JWKSet.maximumKeyCount {
                heldBack = .tooManyPublishedKeys(count: published, limit: JWKSet.maximumKeyCount)
                (newKeys, rotations) = ([:], [])
                (prunedManifest, pruned) = Self.pruned(old, policy: effective, now: now)
            }
            let result = AutomaticRotationResult(rotations: rotations, pruned: pruned.removed, waiting: waiting, heldBack: heldBack)
            guard !rotations.isEmpty || !pruned.removed.isEmpty else { return .unchanged(result) }
            return KeySetChange(manifest: prunedManifest, keys: newKeys, result: result)
        }
    }

    /// Seals every key again under `sealer` (`jot keys rewrap`), in one atomic change: a crash leaves every key
    /// sealed under the old key-encryption key or every key under the new one. Keys stored unsealed in a directory are
    /// sealed from then on.
    public func rewrap(to sealer: KeySealer) async throws(KeyStoreError) -> RewrapResult {
        let notInitialized = storage.notInitializedError
        return try await storage.update(skipping: [], prepare: false) { snapshot throws(KeyStoreError) -> KeySetChange<RewrapResult> in
            guard let snapshot else { throw notInitialized }
            let result = RewrapResult(keyIDs: snapshot.manifest.records.map(\.keyID), from: snapshot.manifest.sealedBy, to: sealer.identifier)
            return KeySetChange(manifest: snapshot.manifest, keys: snapshot.keys, reseal: sealer, result: result)
        }
    }

    // MARK: - Helpers

    private func rotated(
        _ old: Manifest,
        algorithms: [JWSAlgorithm],
        now: Date
    ) throws(KeyStoreError) -> (Manifest, [String: JWSSigningKey], [RotationResult.Rotation]) {
        let time = Timestamp.rounded(now)
        var manifest = old
        var newKeys: [String: JWSSigningKey] = [:]
        var rotations: [RotationResult.Rotation] = []
        for algorithm in algorithms {
            guard var activated = old.record(for: algorithm, state: .next), var retired = old.record(for: algorithm, state: .current) else {
                throw .noCurrentKey(algorithm)
            }
            activated.state = .current
            activated.activatedAt = time
            retired.state = .previous
            retired.retiredAt = time
            manifest.replace(activated)
            manifest.replace(retired)
            let (created, key) = try newKey(algorithm, state: .next, at: time, avoiding: manifest)
            manifest.insert(created)
            newKeys[created.keyID] = key
            rotations.append(RotationResult.Rotation(algorithm: algorithm, activated: activated, retired: retired, created: created))
        }
        return (manifest, newKeys, rotations)
    }

    private static func pruned(_ old: Manifest, policy: RotationPolicy, now: Date) -> (Manifest, PruneResult) {
        var manifest = old
        var removed: [KeyRecord] = []
        var pending: [PendingRemoval] = []
        for record in old.records where record.state == .previous {
            let removableAt = (record.retiredAt ?? record.publishedAt).advanced(by: policy.retention)
            if now >= removableAt {
                manifest.remove(keyID: record.keyID)
                removed.append(record)
            } else {
                let left = now.duration(to: removableAt).wholeSeconds(.up)
                pending.append(PendingRemoval(record: record, removableAt: removableAt, secondsLeft: left))
            }
        }
        return (manifest, PruneResult(removed: removed, pending: pending))
    }

    private func newKey(
        _ algorithm: JWSAlgorithm,
        state: KeyState,
        at time: Date,
        avoiding manifest: Manifest
    ) throws(KeyStoreError) -> (KeyRecord, JWSSigningKey) {
        let key = try generateKey(algorithm, avoiding: manifest)
        let record = KeyRecord(
            keyID: key.keyID ?? "",
            algorithm: algorithm,
            state: state,
            createdAt: time,
            publishedAt: time,
            activatedAt: state == .next ? nil : time
        )
        return (record, key)
    }

    /// How early activating `next` at `now` would be: `nil` when it has been published for the JWKS max-age.
    private static func earlyActivation(of next: KeyRecord, policy: RotationPolicy, now: Date) -> (published: Int, maxAge: Int, left: Int)? {
        let lead = policy.publicationLead
        let published = next.publishedAt.duration(to: now)
        guard published < lead else { return nil }
        return (max(0, published.wholeSeconds(.down)), policy.maxAgeSeconds, (lead - published).wholeSeconds(.up))
    }
}

extension RotationPolicy {
    /// The JWKS max-age in whole seconds, for messages.
    var maxAgeSeconds: Int { publicationLead.wholeSeconds(.up) }
}
