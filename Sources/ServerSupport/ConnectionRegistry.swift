import NIOCore
import Synchronization

/// The open connections of one server, so that at the cap the idle ones are shed (oldest first) instead of new
/// clients waiting behind them.
///
/// A connection is idle while it waits for a request and no byte of one has arrived. Busy connections are never shed;
/// they are bounded by the read timeouts and the handler's own work.
public final class ConnectionRegistry: Sendable {
    private struct Entry {
        let channel: any Channel
        var idle: Bool
    }

    private struct State {
        var nextID = 0
        var entries: [Int: Entry] = [:]
        var shed = 0
        var peak = 0
    }

    /// The most connections held before idle ones are shed.
    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Connections open now.
    public var count: Int { state.withLock { $0.entries.count } }
    /// Idle connections closed to make room so far.
    public var shedCount: Int { state.withLock { $0.shed } }

    /// Adds a new (idle) connection; when this makes the count reach the capacity, the oldest idle connections other
    /// than this one are closed until there is room for the next.
    func register(_ channel: any Channel) -> Int {
        let (id, victims) = state.withLock { state -> (Int, [any Channel]) in
            let id = state.nextID
            state.nextID += 1
            state.entries[id] = Entry(channel: channel, idle: true)
            state.peak = max(state.peak, state.entries.count)
            var victims: [any Channel] = []
            let excess = state.entries.count - (capacity - 1)
            if excess > 0 {
                // Keys grow with age, so the smallest idle ids are the oldest idle connections.
                for key in state.entries.keys.sorted() where key != id && state.entries[key]!.idle {
                    victims.append(state.entries.removeValue(forKey: key)!.channel)
                    if victims.count == excess { break }
                }
                state.shed += victims.count
            }
            return (id, victims)
        }
        for victim in victims { victim.close(promise: nil) }
        return id
    }

    func setIdle(_ id: Int, _ idle: Bool) {
        state.withLock { state in state.entries[id]?.idle = idle }
    }

    func remove(_ id: Int) {
        let floodEnded = state.withLock { state -> Bool in
            state.entries.removeValue(forKey: id)
            // After a flood of connections, hand the memory it took back to the system once.
            guard state.peak >= Self.floodSize, state.entries.count <= state.peak / 8 else { return false }
            state.peak = state.entries.count
            return true
        }
        if floodEnded { MemoryRelease.trim() }
    }

    /// Connections at once that count as a flood whose memory is returned when it ends.
    static let floodSize = 256
}
