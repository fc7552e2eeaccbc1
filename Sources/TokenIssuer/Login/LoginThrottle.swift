import JOSE
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Limits password guessing at `POST /sessions` with token buckets per username and per client address.
///
/// Each login attempt takes one token from both buckets before the password is checked, and a successful login
/// gives them back, so only failures (and attempts in flight) count. An empty bucket answers `429` with the seconds
/// until its next token. With the defaults one address may try 20 wrong passwords at once and then one every 3 s, and
/// one username 10 at once and then one every 30 s — about 120 guesses per hour per account — while its owner,
/// after typos, waits at most 30 s.
///
/// State is per process: with several replicas behind a load balancer an attacker gets each replica's budget
/// (N replicas allow N times the guesses). Keep replicas few, or put a shared limit in the load balancer.
/// Memory is bounded: at most ``Configuration/maximumTrackedKeys`` buckets; full buckets are dropped first.
public final class LoginThrottle: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Failures a username may have at once; `Int.max` is no per-username limit at all (no bucket is kept, so
        /// attacker-chosen names cannot crowd out the address buckets).
        public var userBurst: Int
        /// How long a username takes to earn back one attempt.
        public var userRefill: Duration
        /// Failures a client address may have at once.
        public var addressBurst: Int
        /// How long a client address takes to earn back one attempt.
        public var addressRefill: Duration
        public var maximumTrackedKeys: Int
        /// Password checks one client address may have running or queued at once; more are refused at once, so one
        /// address cannot fill the bcrypt queue that other clients' logins wait in.
        public var maxInFlightPerAddress: Int
        /// Whether an attempt takes its token when admitted (given back on success) — right for bcrypt-priced logins,
        /// where concurrency is bounded anyway — or only when it fails: client authentication, where one service keeps
        /// many cheap requests in flight and admission must not look like failure.
        public var chargesOnAdmission: Bool = true

        public init(
            userBurst: Int = 10,
            userRefill: Duration = .seconds(30),
            addressBurst: Int = 20,
            addressRefill: Duration = .seconds(3),
            maximumTrackedKeys: Int = 100_000,
            maxInFlightPerAddress: Int = 2
        ) {
            self.maxInFlightPerAddress = max(1, maxInFlightPerAddress)
            self.userBurst = userBurst
            self.userRefill = userRefill
            self.addressBurst = addressBurst
            self.addressRefill = addressRefill
            self.maximumTrackedKeys = maximumTrackedKeys
        }
    }

    /// Why an attempt is refused and when to try again.
    public struct Refusal: Error, Sendable, Hashable {
        public enum Scope: String, Sendable {
            /// Too many failures for this username.
            case user
            /// Too many failures from this address.
            case address
            /// Too many checks in progress from this address (nothing failed: it sent them all at once).
            case inFlight = "in_flight"
        }
        public let scope: Scope
        /// How long until the bucket holds a token again, in whole seconds (rounded up; at least 1 s), as `Retry-After`
        /// says it.
        public let retryAfter: Duration
    }

    /// An admitted attempt: hand it back with ``finished(_:succeeded:)`` once the password was checked.
    public struct Ticket: Sendable {
        let userKey: String?
        let addressKey: String
    }

    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    public let configuration: Configuration
    private let buckets = Mutex<[String: Bucket]>([:])
    private let inFlight = Mutex<[String: Int]>([:])

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Takes a token from the username's and the address's bucket, or says which is empty and for how long.
    public func admit(username: String, address: String?, now: Date) -> Result<Ticket, Refusal> {
        let userKey = configuration.userBurst == .max ? nil : "u\u{0}" + username
        let addressKey = "a\u{0}" + (address ?? "unknown")
        let admitted = inFlight.withLock { inFlight -> Bool in
            guard inFlight[addressKey, default: 0] < configuration.maxInFlightPerAddress else { return false }
            inFlight[addressKey, default: 0] += 1
            return true
        }
        guard admitted else { return .failure(Refusal(scope: .inFlight, retryAfter: .seconds(1))) }
        let result = buckets.withLock { buckets -> Result<Ticket, Refusal> in
            let user = userKey.map { Self.refilled(buckets[$0], burst: configuration.userBurst, refill: configuration.userRefill, now: now) }
            let address = Self.refilled(buckets[addressKey], burst: configuration.addressBurst, refill: configuration.addressRefill, now: now)
            if address.tokens < 1 {
                return .failure(Refusal(scope: .address, retryAfter: Self.wait(address, refill: configuration.addressRefill)))
            }
            if let user, user.tokens < 1 {
                return .failure(Refusal(scope: .user, retryAfter: Self.wait(user, refill: configuration.userRefill)))
            }
            if buckets.count + 2 > configuration.maximumTrackedKeys { Self.evict(&buckets, configuration: configuration, now: now) }
            let charge: Double = configuration.chargesOnAdmission ? 1 : 0
            if let userKey, let user { buckets[userKey] = Bucket(tokens: user.tokens - charge, updated: now) }
            buckets[addressKey] = Bucket(tokens: address.tokens - charge, updated: now)
            return .success(Ticket(userKey: userKey, addressKey: addressKey))
        }
        if case .failure = result { release(addressKey) }
        return result
    }

    /// Ends an admitted attempt; a successful login gives its tokens back.
    public func finished(_ ticket: Ticket, succeeded: Bool) {
        release(ticket.addressKey)
        // Charged at admission: a success gives the tokens back. Charged on failure: a failure takes them now.
        let change: Double
        switch (configuration.chargesOnAdmission, succeeded) {
        case (true, true): change = 1
        case (false, false): change = -1
        default: return
        }
        buckets.withLock { buckets in
            if let userKey = ticket.userKey, var user = buckets[userKey] {
                user.tokens = max(0, min(Double(configuration.userBurst), user.tokens + change))
                buckets[userKey] = user
            }
            if var address = buckets[ticket.addressKey] {
                address.tokens = max(0, min(Double(configuration.addressBurst), address.tokens + change))
                buckets[ticket.addressKey] = address
            }
        }
    }

    private func release(_ addressKey: String) {
        inFlight.withLock { inFlight in
            let left = inFlight[addressKey, default: 1] - 1
            inFlight[addressKey] = left > 0 ? left : nil
        }
    }

    /// Buckets held now (for tests and metrics).
    public var trackedKeys: Int { buckets.withLock { $0.count } }

    private static func refilled(_ bucket: Bucket?, burst: Int, refill: Duration, now: Date) -> Bucket {
        guard let bucket else { return Bucket(tokens: Double(burst), updated: now) }
        let elapsed = max(.zero, bucket.updated.duration(to: now))
        return Bucket(tokens: min(Double(burst), bucket.tokens + elapsed / refillTime(refill)), updated: now)
    }

    private static func wait(_ bucket: Bucket, refill: Duration) -> Duration {
        .seconds(max(1, Int(((1 - bucket.tokens) * refillTime(refill).inSeconds).rounded(.up))))
    }

    /// The refill time, at least a millisecond (a zero refill would divide by zero).
    private static func refillTime(_ refill: Duration) -> Duration { max(.milliseconds(1), refill) }

    /// Drops buckets that are full again (they carry no information), then, if still over, the oldest ones.
    private static func evict(_ buckets: inout [String: Bucket], configuration: Configuration, now: Date) {
        buckets = buckets.filter { key, bucket in
            let isUser = key.hasPrefix("u")
            let burst = isUser ? configuration.userBurst : configuration.addressBurst
            let refill = isUser ? configuration.userRefill : configuration.addressRefill
            return refilled(bucket, burst: burst, refill: refill, now: now).tokens < Double(burst)
        }
        if buckets.count + 2 > configuration.maximumTrackedKeys {
            let oldest = buckets.sorted { $0.value.updated < $1.value.updated }.prefix(buckets.count / 2).map(\.key)
            for key in oldest { buckets.removeValue(forKey: key) }
        }
    }
}

extension LoginThrottle.Refusal: CustomStringConvertible {
    /// The refusal in words, with the wait (`POST /sessions` answers it; the login page says it to the person).
    public var description: String {
        let wait = "retry in \(retryAfter.wholeSeconds()) s"
        return switch scope {
        case .user: "too many failed logins for this username; \(wait)"
        case .address: "too many failed logins for this client address; \(wait)"
        case .inFlight: "too many logins in progress from this client address; \(wait)"
        }
    }
}
