public import Hummingbird
import Synchronization

/// Counts requests being handled, and those cut by shutdown (their task was cancelled before they finished).
public final class InFlightRequests: Sendable {
    private struct Counts {
        var running = 0
        var cut = 0
    }

    private let counts = Mutex(Counts())

    public init() {}

    public var running: Int { counts.withLock { $0.running } }
    /// Requests whose handling was cancelled (at the end of the shutdown grace period).
    public var cut: Int { counts.withLock { $0.cut } }

    /// Runs `body` as one counted request.
    public func track<Result>(_ body: () async throws -> Result) async throws -> Result {
        counts.withLock { $0.running += 1 }
        defer { counts.withLock { $0.running -= 1 } }
        return try await withTaskCancellationHandler {
            try await body()
        } onCancel: {
            self.counts.withLock { $0.cut += 1 }
        }
    }

    /// A middleware that counts every request through this counter.
    public func middleware<Context: RequestContext>(context: Context.Type = Context.self) -> InFlightMiddleware<Context> {
        InFlightMiddleware(counter: self)
    }
}

/// See ``InFlightRequests/middleware(context:)``.
public struct InFlightMiddleware<Context: RequestContext>: RouterMiddleware {
    let counter: InFlightRequests

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await counter.track { try await next(request, context) }
    }
}
