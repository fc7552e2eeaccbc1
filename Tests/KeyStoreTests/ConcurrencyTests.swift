import Foundation
import JOSE
import KeyStore
import Synchronization
import Testing

/// Changes from several tasks at once take the storage's exclusive lock in turn: the directory's `flock` (which also
/// separates processes), PostgreSQL's `pg_advisory_xact_lock` (which also separates replicas).
@Suite("KeyStore concurrent changes")
struct ConcurrencyTests {
    @Test("concurrent forced rotations serialize: each one builds on the previous, none is lost", arguments: Backend.allCases)
    func forcedRotations(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let initial = try await fixture.store().initialize(algorithms: [.ES256], now: t0).created
            let events = Mutex<[StoreFixture.ChangeEvent]>([])
            let store = fixture.store { event in events.withLock { $0.append(event) } }
            let count = 6
            let rotations = try await withThrowingTaskGroup(of: RotationResult.Rotation.self) { group in
                for index in 0..<count {
                    group.addTask {
                        try #require(try await store.rotate(algorithm: .ES256, now: at(Double(10 + index)), force: true).rotations.first)
                    }
                }
                var all: [RotationResult.Rotation] = []
                for try await rotation in group { all.append(rotation) }
                return all
            }
            #expect(rotations.count == count)
            // Lock regions never overlap.
            #expect(events.withLock { $0 } == Array(repeating: [.begin, .end], count: count).flatMap { $0 })

            // The rotations form one chain: each activates the next key the previous one created.
            var next = try #require(initial.first { $0.state == .next }).keyID
            var retired: [String] = [try #require(initial.first { $0.state == .current }).keyID]
            for _ in 0..<count {
                let rotation = try #require(rotations.first { $0.activated.keyID == next })
                #expect(rotation.retired.keyID == retired.last)
                retired.append(next)
                next = rotation.created.keyID
            }
            let loaded = try await fixture.store().load()
            #expect(loaded.records.count == count + 2)
            #expect(Set(loaded.records.filter { $0.state == .previous }.map(\.keyID)) == Set(retired.dropLast()))
            #expect(loaded.signingKey(for: .ES256)?.keyID == retired.last)
            #expect(loaded.records.first { $0.state == .next }?.keyID == next)
            #expect(try await fixture.storedKeyIDs().count == count + 2)
            if let directory = fixture.directory {
                #expect(try directory.fileNames().filter { $0.hasSuffix(".pem") }.count == count + 2)
            }
        }
    }

    @Test("of several rotations allowed at the same moment exactly one happens; the others see the fresh next key", arguments: Backend.allCases)
    func exactlyOneRotation(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            _ = try await store.initialize(algorithms: [.ES256], now: t0)
            let outcomes = await withTaskGroup(of: Result<RotationResult, KeyStoreError>.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        do throws(KeyStoreError) {
                            return .success(try await store.rotate(algorithm: .ES256, now: at(300)))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                var all: [Result<RotationResult, KeyStoreError>] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            let successes = outcomes.compactMap { try? $0.get() }
            #expect(successes.count == 1)
            let created = try #require(successes.first?.rotations.first?.created)
            for case .failure(let error) in outcomes {
                #expect(
                    error
                        == .rotationTooEarly(keyID: created.keyID, algorithm: .ES256, publishedSeconds: 0, jwksMaxAgeSeconds: 300, secondsLeft: 300)
                )
            }
            #expect(try await store.load().records.count == 3)
        }
    }

    @Test("concurrent initializations of a fresh store create one key set", arguments: Backend.allCases)
    func concurrentInitialize(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let results = try await withThrowingTaskGroup(of: InitializeResult.self) { group in
                for _ in 0..<4 { group.addTask { try await store.initialize(algorithms: [.ES256], now: t0) } }
                var all: [InitializeResult] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(results.filter { !$0.created.isEmpty }.count == 1)
            #expect(results.filter { $0.unchanged == [.ES256] }.count == 3)
            #expect(try await store.load().records.count == 2)
        }
    }

    @Test(
        "the lock is an flock another process sees: held during a change, free after it",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock"))
    )
    func lockIsVisibleToOtherProcesses() async throws {
        let fixture = try KeyDirectoryFixture()
        _ = try await fixture.store().initialize(algorithms: [.ES256], now: t0)
        let entered = AsyncSignal()
        // The change runs on NIOThreadPool (never the tasks' executor), so it may block there — but never for
        // good: if the test fails before releasing it, the wait ends after 30 s and the rotation finishes.
        let release = DispatchSemaphore(value: 0)
        let store = fixture.store { step throws(KeyStoreError) in
            if step == .locked {
                entered.signal()
                _ = release.wait(timeout: .now() + .seconds(30))
            }
        }
        let rotation = Task { () async throws(KeyStoreError) -> RotationResult in try await store.rotate(algorithm: .ES256, now: at(300)) }
        // A structured wait with a deadline: a rotation that never takes the lock fails the test instead of hanging it.
        try await entered.wait(timeout: .seconds(30))
        // `flock -n` fails at once (exit 1) when another process holds the lock.
        #expect(try Self.tryLock(fixture.path(".lock")) == 1)
        release.signal()
        #expect(try await rotation.value.rotations.count == 1)
        #expect(try Self.tryLock(fixture.path(".lock")) == 0)
    }

    /// Runs `flock -n -x PATH true` in a child process and returns its exit status.
    private static func tryLock(_ path: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        process.arguments = ["-n", "-x", path, "true"]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
