public import JOSE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension KeyStore {
    /// Creates a `current` and a `next` key for each algorithm that has none (and a `next` where one is missing).
    ///
    /// Idempotent: algorithms that have their keys are left alone and nothing is written if nothing is missing.
    /// Creates the directory (mode 0700; its parent must exist) and tightens an existing directory without a manifest
    /// to 0700 — a fresh clone checks `Keys/` out with the umask's mode.
    /// - Parameters:
    ///   - algorithms: e.g. `[.ES256]`; `oct` algorithms (HS256…) create shared secrets, never published.
    ///   - now: the time recorded as created, published and (for `current`) signing since.
    /// - Throws: ``KeyStoreError/noAlgorithms``, or a ``KeyStoreError`` when the directory cannot be read or written.
    public func initialize(algorithms: [JWSAlgorithm], now: Date) throws(KeyStoreError) -> InitializeResult {
        guard !algorithms.isEmpty else { throw .noAlgorithms }
        var prepared = try files.createIfMissing()
        return try exclusively { () throws(KeyStoreError) -> InitializeResult in
            let snapshot = try readSnapshot(verifyingKeysExcept: [])
            if snapshot.manifestBytes == nil, case .directory(let mode) = try files.status(), mode & 0o077 != 0 {
                try files.restrictToOwner()
                prepared = true
            }
            try files.checkOwnerOnly()
            let old = snapshot.manifest
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
            if !created.isEmpty { try commit(from: old, to: manifest, newKeys: newKeys) }
            return InitializeResult(created: created, unchanged: unchanged, preparedDirectory: prepared)
        }
    }

    /// Rotates: the `next` key becomes `current` (signs), the `current` key becomes `previous`, a fresh `next` is
    /// published.
    ///
    /// Refused while the `next` key has been published for less than `policy.jwksMaxAge`, because verifiers holding a
    /// cached JWKS would not know it yet and would reject its tokens. `force` overrides that and returns a warning.
    /// - Parameters:
    ///   - algorithm: the algorithm to rotate; `nil` rotates every algorithm in the set, all or none.
    ///   - policy: `jwksMaxAge` is the publication lead required.
    ///   - now: the current time.
    ///   - force: rotate even when the `next` key was published too recently.
    /// - Throws: ``KeyStoreError/rotationTooEarly(keyID:algorithm:publishedSeconds:jwksMaxAgeSeconds:secondsLeft:)``
    ///   with the seconds left (the longest wait when several algorithms rotate), ``KeyStoreError/noKeys(_:available:)``,
    ///   ``KeyStoreError/noNextKey(_:)``, ``KeyStoreError/tooManyPublishedKeys(count:limit:)`` (also with `force`) when
    ///   the JWKS would list more keys than verifiers accept, or a load/write error.
    public func rotate(
        algorithm: JWSAlgorithm? = nil,
        policy: RotationPolicy = RotationPolicy(),
        now: Date,
        force: Bool = false
    ) throws(KeyStoreError) -> RotationResult {
        try files.checkOwnerOnly()
        return try exclusively { () throws(KeyStoreError) -> RotationResult in
            let snapshot = try readSnapshot(verifyingKeysExcept: [])
            guard snapshot.manifestBytes != nil else { throw .notInitialized(directory: directory) }
            let old = snapshot.manifest
            let algorithms: [JWSAlgorithm]
            if let algorithm {
                guard !old.records(for: algorithm).isEmpty else { throw .noKeys(algorithm, available: old.algorithms) }
                algorithms = [algorithm]
            } else {
                guard !old.algorithms.isEmpty else { throw .notInitialized(directory: directory) }
                algorithms = old.algorithms
            }
            var warnings: [KeyStoreWarning] = []
            var refusal: KeyStoreError? = nil
            var longestWait = 0
            for algorithm in algorithms {
                guard let next = old.record(for: algorithm, state: .next) else { throw .noNextKey(algorithm) }
                guard let early = Self.earlyActivation(of: next, policy: policy, now: now) else { continue }
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
            let published = manifest.records.filter(\.isPublished).count
            if published > JWKSet.maximumKeyCount {
                throw .tooManyPublishedKeys(count: published, limit: JWKSet.maximumKeyCount)
            }
            try commit(from: old, to: manifest, newKeys: newKeys)
            return RotationResult(rotations: rotations, warnings: warnings)
        }
    }

    /// Removes the `previous` keys whose tokens can no longer be accepted anywhere: those that stopped signing at
    /// least `maxTokenLifetime + leeway + jwksMaxAge` ago. Others are kept and reported with the time they become
    /// removable.
    ///
    /// - Returns: the removed and the kept keys; both empty when there are no `previous` keys (nothing to prune).
    /// - Throws: ``KeyStoreError/pruneTooEarly(_:)`` when there are `previous` keys and none is removable yet.
    public func prune(policy: RotationPolicy = RotationPolicy(), now: Date) throws(KeyStoreError) -> PruneResult {
        try files.checkOwnerOnly()
        return try exclusively { () throws(KeyStoreError) -> PruneResult in
            let snapshot = try readSnapshot(verifyingKeysExcept: [])
            guard snapshot.manifestBytes != nil else { throw .notInitialized(directory: directory) }
            let old = snapshot.manifest
            var manifest = old
            var removed: [KeyRecord] = []
            var pending: [PendingRemoval] = []
            for record in old.records where record.state == .previous {
                let removableAt = (record.retiredAt ?? record.publishedAt).addingTimeInterval(policy.retention.timeInterval)
                if now >= removableAt {
                    manifest.remove(keyID: record.keyID)
                    removed.append(record)
                } else {
                    let left = Int(removableAt.timeIntervalSince(now).rounded(.up))
                    pending.append(PendingRemoval(record: record, removableAt: removableAt, secondsLeft: left))
                }
            }
            if removed.isEmpty && !pending.isEmpty { throw .pruneTooEarly(pending) }
            if !removed.isEmpty { try commit(from: old, to: manifest, newKeys: [:]) }
            return PruneResult(removed: removed, pending: pending)
        }
    }

    /// Removes a key at once, whatever its state (a compromised key): tokens it signed fail from the next reload.
    ///
    /// The algorithm stays usable: revoking the `current` key promotes the `next` key to `current` (with a warning if
    /// it was published less than `policy.jwksMaxAge` ago) and creates a new `next`; revoking the `next` key creates a
    /// new `next`. The revoked key's own file is not read, so a missing or corrupt key can be revoked.
    /// - Throws: ``KeyStoreError/unknownKeyID(_:known:)``, or a load/write error.
    public func revoke(keyID: String, policy: RotationPolicy = RotationPolicy(), now: Date) throws(KeyStoreError) -> RevokeResult {
        try files.checkOwnerOnly()
        return try exclusively { () throws(KeyStoreError) -> RevokeResult in
            let snapshot = try readSnapshot(verifyingKeysExcept: [keyID])
            guard snapshot.manifestBytes != nil else { throw .notInitialized(directory: directory) }
            let old = snapshot.manifest
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
                    if let early = Self.earlyActivation(of: next, policy: policy, now: now) {
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
                    .earlyActivation(keyID: current.keyID, algorithm: algorithm, publishedSeconds: 0, jwksMaxAgeSeconds: policy.maxAgeSeconds)
                )
            }
            try commit(from: old, to: manifest, newKeys: newKeys)
            return RevokeResult(revoked: revoked, promoted: promoted, created: created, warnings: warnings)
        }
    }

    // MARK: - Helpers

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
        let lead = policy.publicationLead.timeInterval
        let published = now.timeIntervalSince(next.publishedAt)
        guard published < lead else { return nil }
        return (max(0, Int(published.rounded(.down))), policy.maxAgeSeconds, Int((lead - published).rounded(.up)))
    }
}

extension RotationPolicy {
    /// The JWKS max-age in whole seconds, for messages.
    var maxAgeSeconds: Int { Int(publicationLead.timeInterval.rounded(.up)) }
}
