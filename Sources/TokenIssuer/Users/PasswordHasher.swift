import HummingbirdBcrypt
import SQLiteNIO  // re-exports NIOPosix's NIOThreadPool
import Synchronization

/// bcrypt hashing and verification on `NIOThreadPool.singleton`, never on the cooperative pool.
///
/// Unknown users are verified against a dummy hash of the same cost, computed once per process and cost, so that an
/// unknown username costs as much time as a wrong password.
final class PasswordHasher: Sendable {
    static let costRange: ClosedRange<Int> = 4...31
    /// bcrypt reads at most 72 bytes of the password.
    static let maximumPasswordBytes = 72

    let cost: UInt8
    /// How many hashes of each cost this hasher verified (`-1`: not a bcrypt hash): what equal-time logins are tested
    /// by (one verification at the store's cost per login attempt, whoever the user), instead of a wall clock.
    let verificationCounts = Mutex<[Int: Int]>([:])

    init(cost: Int) throws(UserStoreError) {
        guard Self.costRange.contains(cost) else { throw .invalidBcryptCost(cost) }
        self.cost = UInt8(cost)
    }

    /// Throws unless `password` can be hashed without bcrypt silently ignoring part of it.
    static func validate(password: String) throws(UserStoreError) {
        if let problem = self.problem(with: password) {
            throw .invalidPassword(reason: problem)
        }
    }

    static func problem(with password: String) -> UserStoreError.PasswordProblem? {
        let bytes = password.utf8
        if bytes.isEmpty { return .empty }
        if bytes.contains(0) { return .containsNUL }
        if bytes.count > self.maximumPasswordBytes { return .tooLong(bytes: bytes.count) }
        return nil
    }

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive {
            Bcrypt.hash(password, cost: cost)
        }
    }

    /// Verifies `password` against `storedHash`, or against `dummyHash` when there is no stored hash or the password
    /// is one no stored hash can match; either way exactly one bcrypt verification runs.
    /// - Returns: `true` only if a stored hash exists and matches.
    func verify(_ password: String, storedHash: String?, dummyHash: String) async throws -> Bool {
        let acceptable = Self.problem(with: password) == nil
        let target = acceptable ? (storedHash ?? dummyHash) : dummyHash
        let started = ContinuousClock.now
        let matches = try await NIOThreadPool.singleton.runIfActive {
            Bcrypt.verify(password, hash: target)
        }
        let cost = Self.cost(ofHash: target)
        if let cost { Self.recordVerification(cost: cost, took: ContinuousClock.now - started) }
        verificationCounts.withLock { $0[cost ?? -1, default: 0] += 1 }
        return matches && acceptable && storedHash != nil
    }

    // MARK: Equal-time failures and cost upgrades

    /// The cost of a `$2a$`/`$2b$`/`$2y$` bcrypt hash, or `nil` if it is not one.
    static func cost(ofHash hash: String) -> Int? {
        let bytes = Array(hash.utf8.prefix(7))
        guard bytes.count == 7, bytes[0] == UInt8(ascii: "$"), bytes[3] == UInt8(ascii: "$"), bytes[6] == UInt8(ascii: "$") else { return nil }
        return Int(String(decoding: bytes[4...5], as: UTF8.self))
    }

    /// Whether a hash that just matched should be replaced by one of this hasher's cost (stores do it at a
    /// successful login, so every hash converges on the server's cost).
    func needsUpgrade(_ storedHash: String) -> Bool {
        Self.cost(ofHash: storedHash) != Int(cost)
    }

    /// The slowest bcrypt verification seen per cost (decaying slowly), process-wide.
    private static let verificationTimes = Mutex<[Int: Duration]>([:])

    static func recordVerification(cost: Int, took duration: Duration) {
        verificationTimes.withLock { times in
            let previous = times[cost] ?? duration
            // Follows the typical time: rises at once, decays by 1/8 per sample.
            times[cost] = duration > previous ? duration : previous - (previous - duration) / 8
        }
    }

    /// How long a failed login must take so that its time does not tell which cost (or whether any hash) was
    /// checked: the typical time of the costliest verification seen in this process.
    static var failureFloor: Duration {
        verificationTimes.withLock { $0.values.max() ?? .zero }
    }

    private static let dummyHashes = Mutex<[UInt8: String]>([:])

    /// A bcrypt hash of a random secret at this cost, computed on first use and then cached for the process.
    ///
    /// Stores fetch it at the start of every `authenticate`, before looking the user up, so the one-off cost of
    /// computing it falls on the first login whatever its username.
    func dummyHash() async throws -> String {
        let cost = self.cost
        if let cached = Self.dummyHashes.withLock({ $0[cost] }) {
            return cached
        }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<4).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
        let computed = try await NIOThreadPool.singleton.runIfActive {
            Bcrypt.hash(secret, cost: cost)
        }
        return Self.dummyHashes.withLock { hashes in
            if let existing = hashes[cost] { return existing }
            hashes[cost] = computed
            return computed
        }
    }
}
