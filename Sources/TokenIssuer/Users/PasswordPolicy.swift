/// What a new password chosen by a person must be, beyond what bcrypt needs (see ``UserStore/add(username:password:scopes:)``):
/// at least ``minimumLength`` characters (NIST SP 800-63B: 8 by default), and not one of the 10 000 most common
/// passwords (`common-passwords.txt`, shipped as a resource), compared case-insensitively.
///
/// Applied where people choose passwords: `jot users add` (`--min-password-length`) and
/// ``UserStore/add(username:password:scopes:policy:)``. The documented demo users (``DemoUsers``) are added without
/// it: their passwords (`hunter2`, …) are public and weak on purpose, for the sample only.
public struct PasswordPolicy: Sendable, Hashable {
    /// NIST SP 800-63B §3.1.1.2: at least 8 characters for a password a person chose.
    public static let defaultMinimumLength = 8
    /// What `--min-password-length` accepts: bcrypt reads at most 72 bytes, so a longer minimum could not be met by
    /// every alphabet.
    public static let minimumLengthRange: ClosedRange<Int> = 1...64

    /// The fewest characters (not bytes) a new password may have.
    public var minimumLength: Int
    /// Refuse the most common passwords.
    public var refusesCommonPasswords: Bool

    /// - Parameters:
    ///   - minimumLength: clamped to ``minimumLengthRange``.
    ///   - refusesCommonPasswords: refuse the 10 000 most common passwords (the list shipped as a resource).
    public init(minimumLength: Int = PasswordPolicy.defaultMinimumLength, refusesCommonPasswords: Bool = true) {
        self.minimumLength = min(max(minimumLength, Self.minimumLengthRange.lowerBound), Self.minimumLengthRange.upperBound)
        self.refusesCommonPasswords = refusesCommonPasswords
    }

    /// The problem with `password` under this policy (bcrypt's own limits first), or `nil`.
    public func problem(with password: String) -> UserStoreError.PasswordProblem? {
        if let problem = PasswordHasher.problem(with: password) { return problem }
        let count = password.count
        if count < minimumLength { return .tooShort(characters: count, minimum: minimumLength) }
        if refusesCommonPasswords, CommonPasswords.contains(password) { return .common }
        return nil
    }

    /// - Throws: ``UserStoreError/invalidPassword(reason:)`` naming the problem (never the password).
    public func check(_ password: String) throws(UserStoreError) {
        if let problem = problem(with: password) { throw .invalidPassword(reason: problem) }
    }
}

/// The list of common passwords, read once from the resource.
enum CommonPasswords {
    static let count = passwords.count

    static func contains(_ password: String) -> Bool {
        passwords.contains(password.lowercased())
    }

    private static let passwords: Set<String> = {
        let text = String(decoding: PackageResources.common_passwords_txt, as: UTF8.self)
        return Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { $0.lowercased() })
    }()
}

extension UserStore {
    /// Adds a user whose password a person chose: `policy` is checked first (see ``PasswordPolicy``).
    /// - Throws: ``UserStoreError/invalidPassword(reason:)`` for a password the policy refuses, and what
    ///   ``add(username:password:scopes:)`` throws.
    @discardableResult
    public func add(username: String, password: String, scopes: [String], policy: PasswordPolicy) async throws -> UserRecord {
        try UserValidation.validate(username: username)
        try policy.check(password)
        return try await add(username: username, password: password, scopes: scopes)
    }
}
