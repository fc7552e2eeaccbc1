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
        func setUp(_ store: KeyStore) throws {
            switch self {
            case .initializeFresh: break
            case .initializeAnother, .rotate, .revokeCurrent, .revokeNext: _ = try store.initialize(algorithms: [.ES256], now: t0)
            case .prune:
                _ = try store.initialize(algorithms: [.ES256], now: t0)
                _ = try store.rotate(algorithm: .ES256, now: at(300))
            }
        }

        func run(_ store: KeyStore, old: LoadedKeySet?) throws(KeyStoreError) {
            switch self {
            case .initializeFresh: _ = try store.initialize(algorithms: [.ES256], now: at(1))
            case .initializeAnother: _ = try store.initialize(algorithms: [.ES256, .EdDSA], now: at(1))
            case .rotate: _ = try store.rotate(algorithm: .ES256, now: at(300))
            case .prune: _ = try store.prune(now: at(930))
            case .revokeCurrent, .revokeNext:
                let state: KeyState = self == .revokeCurrent ? .current : .next
                let keyID = old?.records.first { $0.state == state }?.keyID ?? ""
                _ = try store.revoke(keyID: keyID, now: at(400))
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
    private func steps(of change: Change) throws -> [KeyStore.Step] {
        let fixture = try KeyDirectoryFixture()
        let recorded = Mutex<[KeyStore.Step]>([])
        try change.setUp(fixture.store())
        let old = try? fixture.store().load()
        let store = fixture.store { step throws(KeyStoreError) in recorded.withLock { $0.append(step) } }
        try change.run(store, old: old)
        return recorded.withLock { $0 }
    }

    @Test("key files are written before the manifest references them and removed after it stops referencing them")
    func stepOrder() throws {
        let rotate = try steps(of: .rotate)
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
        let prune = try steps(of: .prune)
        guard case .keyFileRemoved(let removed) = prune[4] else {
            Issue.record("unexpected steps \(prune)")
            return
        }
        #expect(prune == [.locked, .manifestWritten, .manifestRenamed, .manifestSynced, .keyFileRemoved(keyID: removed), .removalsSynced])
        let initialize = try steps(of: .initializeFresh)
        #expect(initialize.count == 9)
        #expect(initialize.firstIndex(of: .keyFilesSynced).map { $0 < initialize.firstIndex(of: .manifestWritten)! } == true)
    }

    @Test("an interruption at any step leaves the old or the new key set, never a broken one", arguments: Change.allCases)
    func interruptAtEveryStep(_ change: Change) throws {
        let steps = try steps(of: change)
        let commitIndex = try #require(steps.firstIndex(of: .manifestRenamed))
        for (index, step) in steps.enumerated() {
            let fixture = try KeyDirectoryFixture()
            try change.setUp(fixture.store())
            let old = try? fixture.store().load()
            let calls = Mutex(0)
            let crash = KeyStoreError.fileSystem(path: fixture.keysPath, operation: "simulate a crash at \(step)", errno: EIO)
            let crashing = fixture.store { _ throws(KeyStoreError) in
                let call = calls.withLock { count in
                    defer { count += 1 }
                    return count
                }
                if call == index { throw crash }
            }
            #expect(throws: crash, "step \(index): \(step)") { try change.run(crashing, old: old) }

            let after: LoadedKeySet
            do {
                after = try fixture.store().load()
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
            _ = try store.rotate(algorithm: .ES256, now: at(5000), force: true)
            let loaded = try store.load()
            let expected = Set(loaded.records.map(\.fileName)).union(["manifest.json", ".lock"])
            #expect(try fixture.fileNames() == expected, "step \(index) (\(step))")
        }
    }
}
