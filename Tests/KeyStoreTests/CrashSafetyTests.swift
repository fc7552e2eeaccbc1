import Foundation
import JOSE
import KeyStore
import Synchronization
import Testing

/// Interrupts each change at every step (as a crash would: nothing is cleaned up) and checks that the directory
/// then loads as exactly the old or exactly the new key set, and that the next change clears the leftovers.
@Suite("KeyStore crash safety")
struct CrashSafetyTests {
    enum Change: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case initializeFresh, initializeAnother, rotate, prune, revokeCurrent, revokeNext

        var testDescription: String { rawValue }

        /// Brings a fresh directory to the state before the change.
        func setUp(_ store: KeyStore) async throws {
            switch self {
            case .initializeFresh: break
            case .initializeAnother, .rotate, .revokeCurrent, .revokeNext: _ = try await store.initialize(algorithms: [.ES256], now: t0)
            case .prune:
                _ = try await store.initialize(algorithms: [.ES256], now: t0)
                _ = try await store.rotate(algorithm: .ES256, now: at(300))
            }
        }

        func run(_ store: KeyStore, old: LoadedKeySet?) async throws(KeyStoreError) {
            switch self {
            case .initializeFresh: _ = try await store.initialize(algorithms: [.ES256], now: at(1))
            case .initializeAnother: _ = try await store.initialize(algorithms: [.ES256, .EdDSA], now: at(1))
            case .rotate: _ = try await store.rotate(algorithm: .ES256, now: at(300))
            case .prune: _ = try await store.prune(now: at(930))
            case .revokeCurrent, .revokeNext:
                let state: KeyState = self == .revokeCurrent ? .current : .next
                let keyID = old?.records.first { $0.state == state }?.keyID ?? ""
                _ = try await store.revoke(keyID: keyID, now: at(400))
            }
        }

        /// Whether `new` is the complete result of the change applied to `old`.
        func isResult(_ new: LoadedKeySet, of old: LoadedKeySet?) -> Bool {
            let before = old.map(states) ?? [:]
            let after = states(new)
            let added = after.filter { before[$0.key] == nil }
            func keyID(_ state: KeyState) -> String? { old?.records.first { $0.state == state }?.keyID }
            switch self {
            case .initializeFresh:
                return new.records.count == 2 && Set(after.values) == [.current, .next]
            case .initializeAnother:
                return after.filter { before[$0.key] != nil } == before && added.count == 2
                    && Set(new.records.filter { $0.algorithm == .EdDSA }.map(\.state)) == [.current, .next]
            case .rotate:
                guard let current = keyID(.current), let next = keyID(.next) else { return false }
                return after[current] == .previous && after[next] == .current && added.count == 1 && added.first?.value == .next
                    && after.count == 3
            case .prune:
                return after == before.filter { $0.value != .previous }
            case .revokeCurrent:
                guard let current = keyID(.current), let next = keyID(.next) else { return false }
                return after[current] == nil && after[next] == .current && added.count == 1 && added.first?.value == .next
            case .revokeNext:
                guard let current = keyID(.current), let next = keyID(.next) else { return false }
                return after[next] == nil && after[current] == .current && added.count == 1 && added.first?.value == .next
            }
        }
    }

    /// The steps a change goes through, recorded on a throwaway directory.
    private func steps(of change: Change) async throws -> [KeyStore.Step] {
        let fixture = try KeyDirectoryFixture()
        let recorded = Mutex<[KeyStore.Step]>([])
        try await change.setUp(fixture.store())
        let old = try? await fixture.store().load()
        let store = fixture.store { step throws(KeyStoreError) in recorded.withLock { $0.append(step) } }
        try await change.run(store, old: old)
        return recorded.withLock { $0 }
    }

    @Test("key files are written before the manifest references them and removed after it stops referencing them")
    func stepOrder() async throws {
        let rotate = try await steps(of: .rotate)
        guard case .keyFileWritten(let keyID) = rotate[1] else {
            Issue.record("unexpected steps \(rotate)")
            return
        }
        #expect(
            rotate == [
                .locked, .keyFileWritten(keyID: keyID), .keyFileRenamed(keyID: keyID), .keyFilesSynced, .manifestWritten, .manifestRenamed,
                .manifestSynced,
            ]
        )
        let prune = try await steps(of: .prune)
        guard case .keyFileRemoved(let removed) = prune[4] else {
            Issue.record("unexpected steps \(prune)")
            return
        }
        #expect(prune == [.locked, .manifestWritten, .manifestRenamed, .manifestSynced, .keyFileRemoved(keyID: removed), .removalsSynced])
        let initialize = try await steps(of: .initializeFresh)
        #expect(initialize.count == 9)
        #expect(initialize.firstIndex(of: .keyFilesSynced).map { $0 < initialize.firstIndex(of: .manifestWritten)! } == true)
    }

    @Test("an interruption at any step leaves the old or the new key set, never a broken one", arguments: Change.allCases)
    func interruptAtEveryStep(_ change: Change) async throws {
        let steps = try await steps(of: change)
        let commitIndex = try #require(steps.firstIndex(of: .manifestRenamed))
        for (index, step) in steps.enumerated() {
            let fixture = try KeyDirectoryFixture()
            try await change.setUp(fixture.store())
            let old = try? await fixture.store().load()
            let calls = Mutex(0)
            let crash = KeyStoreError.fileSystem(path: fixture.keysPath, operation: "simulate a crash at \(step)", errno: EIO)
            let crashing = fixture.store { _ throws(KeyStoreError) in
                let call = calls.withLock { count in
                    defer { count += 1 }
                    return count
                }
                if call == index { throw crash }
            }
            await #expect(throws: crash, "step \(index): \(step)") { try await change.run(crashing, old: old) }

            let after: LoadedKeySet
            do {
                after = try await fixture.store().load()
            } catch {
                #expect(old == nil && index < commitIndex, "step \(index) (\(step)) left a broken directory: \(error)")
                #expect(error == .notInitialized(directory: fixture.keysPath), "step \(index) (\(step))")
                continue
            }
            if index < commitIndex {
                #expect(after.fingerprint == old?.fingerprint, "step \(index) (\(step)) must leave the old key set")
            } else {
                #expect(change.isResult(after, of: old), "step \(index) (\(step)) must leave the new key set")
            }

            // The next change succeeds and clears every leftover: only listed key files, the manifest and the lock remain.
            let store = fixture.store()
            _ = try await store.rotate(algorithm: .ES256, now: at(5000), force: true)
            let loaded = try await store.load()
            let expected = Set(loaded.records.map(\.fileName)).union(["manifest.json", ".lock"])
            #expect(try fixture.fileNames() == expected, "step \(index) (\(step))")
        }
    }

    /// How `rewrap` is interrupted: plain keys sealed for the first time, or sealed keys sealed under a new KEK.
    enum Rewrap: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case plainToSealed, sealedToSealed

        var testDescription: String { rawValue }
    }

    @Test("an interrupted rewrap leaves every key under the old key-encryption key or every key under the new one", arguments: Rewrap.allCases)
    func interruptRewrapAtEveryStep(_ rewrap: Rewrap) async throws {
        let oldKEK = rewrap == .plainToSealed ? nil : try newSealer()
        let newKEK = try newSealer()
        func setUp(_ fixture: KeyDirectoryFixture) async throws -> LoadedKeySet {
            _ = try await fixture.store(sealer: oldKEK).initialize(algorithms: [.ES256, .HS256], now: t0)
            return try await fixture.store(sealer: oldKEK).load()
        }
        let recorded = Mutex<[KeyStore.Step]>([])
        let probe = try KeyDirectoryFixture()
        _ = try await setUp(probe)
        _ = try await probe.store(sealer: oldKEK) { step throws(KeyStoreError) in recorded.withLock { $0.append(step) } }.rewrap(to: newKEK)
        let steps = recorded.withLock { $0 }
        // Four new sealed files, the manifest, four old files removed.
        #expect(steps.count == 18, "\(steps)")
        let commitIndex = try #require(steps.firstIndex(of: .manifestRenamed))
        #expect(steps.prefix(commitIndex).filter { if case .keyFileRenamed = $0 { true } else { false } }.count == 4)

        for (index, step) in steps.enumerated() {
            let fixture = try KeyDirectoryFixture()
            let old = try await setUp(fixture)
            let calls = Mutex(0)
            let crash = KeyStoreError.fileSystem(path: fixture.keysPath, operation: "simulate a crash at \(step)", errno: EIO)
            let crashing = fixture.store(sealer: oldKEK) { _ throws(KeyStoreError) in
                let call = calls.withLock { count in
                    defer { count += 1 }
                    return count
                }
                if call == index { throw crash }
            }
            await #expect(throws: crash, "step \(index): \(step)") { try await crashing.rewrap(to: newKEK) }

            let sealedBy = try await fixture.store().list(now: t0).sealedBy
            let current: KeySealer?
            if index < commitIndex {
                #expect(sealedBy == oldKEK?.identifier, "step \(index) (\(step)) must leave the old sealing")
                let after = try await fixture.store(sealer: oldKEK).load()
                #expect(after.fingerprint == old.fingerprint, "step \(index) (\(step))")
                current = oldKEK
            } else {
                #expect(sealedBy == newKEK.identifier, "step \(index) (\(step)) must leave the new sealing")
                let after = try await fixture.store(sealer: newKEK).load()
                #expect(states(after) == states(old), "step \(index) (\(step))")
                #expect(after.signingKey(for: .ES256)?.keyID == old.signingKey(for: .ES256)?.keyID)
                #expect(after.signingKey(for: .HS256)?.hmacSecretBytes == old.signingKey(for: .HS256)?.hmacSecretBytes, "the same secret")
                current = newKEK
            }

            // The next change succeeds and clears every leftover: only the listed key files, the manifest and the lock remain.
            let store = fixture.store(sealer: current)
            _ = try await store.rotate(algorithm: .ES256, now: at(5000), force: true)
            let listing = try await store.list(now: at(5000))
            let expected = Set(listing.entries.map { fixture.fileName(of: $0.record, sealedBy: listing.sealedBy) }).union(["manifest.json", ".lock"])
            #expect(try fixture.fileNames() == expected, "step \(index) (\(step))")
        }
    }
}
