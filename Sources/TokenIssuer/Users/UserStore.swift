/// Where the issuer keeps its users and checks their passwords.
///
/// Implementations: ``SQLiteUserStore`` (the `--database FILE` of `jot serve` and `jot users …`) and
/// ``InMemoryUserStore`` (tests, examples).
///
/// Passwords are stored only as bcrypt hashes and hashed/verified off the cooperative thread pool. Usernames are
/// 1–64 characters without control characters or whitespace; scopes are RFC 6749 §3.3 scope tokens
/// (printable ASCII except space, `"` and `\`). Methods throw ``UserStoreError`` (or `CancellationError` when the task
/// is cancelled before the work ran).
public protocol UserStore: Sendable {
    /// Adds a user.
    ///
    /// The password must be 1–72 bytes of UTF-8 without NUL: bcrypt ignores everything after byte 72 and stops at a
    /// NUL, so longer passwords would be silently weakened — they are refused instead. Nothing else is checked here:
    /// a password a person chose goes through ``add(username:password:scopes:policy:)`` and its ``PasswordPolicy``.
    /// - Parameters:
    ///   - username: the new, unique username.
    ///   - password: the plain-text password; only its bcrypt hash is stored.
    ///   - scopes: the scopes to grant; duplicates are dropped, order is kept.
    /// - Returns: the stored record.
    /// - Throws: ``UserStoreError/userExists(_:)``, ``UserStoreError/invalidUsername(_:reason:)``,
    ///   ``UserStoreError/invalidPassword(reason:)``, ``UserStoreError/invalidScope(_:)``, ``UserStoreError/database(path:operation:detail:)``.
    @discardableResult
    func add(username: String, password: String, scopes: [String]) async throws -> UserRecord

    /// Removes a user.
    /// - Throws: ``UserStoreError/userNotFound(_:)``, ``UserStoreError/database(path:operation:detail:)``.
    func remove(username: String) async throws

    /// Replaces a user's scopes (an empty array removes them all).
    /// - Returns: the updated record.
    /// - Throws: ``UserStoreError/userNotFound(_:)``, ``UserStoreError/invalidScope(_:)``, ``UserStoreError/database(path:operation:detail:)``.
    @discardableResult
    func setScopes(username: String, scopes: [String]) async throws -> UserRecord

    /// The user with this name, or `nil`. Does not check a password: use ``authenticate(username:password:)`` for logins.
    func user(named username: String) async throws -> UserRecord?

    /// All users, ordered by username (byte order).
    func list() async throws -> [UserRecord]

    /// Checks a username and password.
    ///
    /// Returns `nil` for a wrong password, an unknown user, and a malformed username or password alike, and spends
    /// about the same time on each (one bcrypt verification of the store's cost; an unknown user is checked against a
    /// dummy hash), so neither the answer nor its timing tells which usernames exist.
    /// - Returns: the user's record when the password matches, otherwise `nil`.
    /// - Throws: only when the store itself fails (``UserStoreError/database(path:operation:detail:)``) or on cancellation.
    func authenticate(username: String, password: String) async throws -> UserRecord?
}
