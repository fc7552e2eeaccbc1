/// The documented demo users, created by `jot users add-demo` and `jot serve --demo`.
///
/// Their passwords are public (they are in the README): never add them to a store that guards anything real.
public enum DemoUsers {
    /// One demo user's credentials.
    public struct Account: Sendable, Hashable {
        public let username: String
        public let password: String
        public let scopes: [String]
    }

    /// `Cthon98` / `hunter2` with scope `pangolins`, `AzureDiamond` / `*********` with no scopes, and `Sam` /
    /// `photos-of-Sam-1` with scope `photos:read` (the photo-album story of the documented flow).
    public static let accounts: [Account] = [
        Account(username: "Cthon98", password: "hunter2", scopes: ["pangolins"]),
        Account(username: "AzureDiamond", password: "*********", scopes: []),
        Account(username: "Sam", password: "photos-of-Sam-1", scopes: ["photos:read"]),
    ]

    /// Adds the demo users that do not exist yet; existing users (demo or not) are left untouched.
    ///
    /// Their passwords are public and weak on purpose (`hunter2` is 7 characters and among the most common
    /// passwords): they are added WITHOUT the ``PasswordPolicy`` that `jot users add` applies, for the documented
    /// sample only. Never add the demo users to an issuer that is reachable by anyone else.
    /// - Returns: the records of the users that were added (empty when all already existed).
    /// - Throws: ``UserStoreError`` from the store, other than ``UserStoreError/userExists(_:)``.
    @discardableResult
    public static func add(to store: some UserStore) async throws -> [UserRecord] {
        var added: [UserRecord] = []
        for account in self.accounts {
            do {
                added.append(try await store.add(username: account.username, password: account.password, scopes: account.scopes))
            } catch UserStoreError.userExists {
                continue
            }
        }
        return added
    }
}
