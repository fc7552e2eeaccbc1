/// Asks the ``KeyReloader`` to reload now (a database notification, an automatic rotation). Requests that arrive while
/// one is pending are merged: the reloader reads the newest state anyway.
public struct ReloadTrigger: Sendable {
    let stream: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Requests a reload, giving the reason for the log.
    public func fire(_ reason: String) {
        continuation.yield(reason)
    }
}
