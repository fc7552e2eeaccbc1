import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Where Swift concurrency runs a server's tasks.
///
/// Hummingbird reads and writes on NIO's event loops and runs the handlers as Swift tasks; by default those run on
/// Swift's cooperative pool, so every request hops from an event loop to a pool thread and back. When a handler does
/// real work (a P-256 signature check, ~35 µs) the event loop has gone to sleep by the time the answer is written and
/// must be woken: about two context switches per request on a busy core (measured in
/// `Benchmarks/VERIFIER-RESULTS.md`). Running Swift's global executor on NIO's event loops (SwiftNIO's
/// `NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()`) keeps a request on
/// the thread that read it.
///
/// The cost is the rule that comes with it: nothing may block a task. Blocking work (bcrypt, file I/O of the key
/// store) runs on `NIOThreadPool.singleton`, which this package already does.
public enum ServerExecutor {
    /// The environment variable that chooses the executor: `nio` (the default) or `swift` (Swift's own pool).
    public static let environmentVariable = "JOT_EXECUTOR"

    /// Installs NIO's event loops as Swift concurrency's global executor, unless `JOT_EXECUTOR=swift`.
    ///
    /// Call it first in a `@MainActor` `main()`, before any task starts; a second call does nothing.
    ///
    /// - Returns: whether NIO's event loops run Swift's global jobs now.
    @discardableResult
    public static func install() -> Bool {
        install(choice: ProcessInfo.processInfo.environment[environmentVariable])
    }

    static func install(choice: String?) -> Bool {
        switch choice?.lowercased() {
        case "swift": return false
        case nil, "", "nio": break
        case let other?:
            FileHandle.standardError.write(Data("\(environmentVariable)=\(other) is neither 'nio' nor 'swift'; using nio\n".utf8))
        }
        return installed.withLock { installed in
            if !installed { installed = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() }
            return installed
        }
    }

    private static let installed = Mutex(false)
}
