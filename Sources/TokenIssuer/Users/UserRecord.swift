#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A user as the issuer sees it: a name, the scopes its tokens carry, and when it was created.
///
/// The password hash is deliberately not part of this type: it never leaves the ``UserStore``, so it cannot end up
/// in a log line, a JSON response or a token by accident.
public struct UserRecord: Sendable, Hashable, CustomStringConvertible {
    /// The unique, case-sensitive username (the token's `sub` and `username` claims).
    public var username: String
    /// The scopes granted to the user, in the order they were given, without duplicates.
    public var scopes: [String]
    /// When the user was added.
    public var createdAt: Date

    public init(username: String, scopes: [String], createdAt: Date) {
        self.username = username
        self.scopes = scopes
        self.createdAt = createdAt
    }

    /// The scopes as one RFC 6749 §3.3 / RFC 9068 `scope` value: space-delimited, empty when there are none.
    public var scope: String {
        self.scopes.joined(separator: " ")
    }

    public var description: String {
        let scopes = self.scopes.isEmpty ? "none" : self.scope
        return "\(String(reflecting: self.username)) (scopes: \(scopes); created \(self.createdAt))"
    }
}
