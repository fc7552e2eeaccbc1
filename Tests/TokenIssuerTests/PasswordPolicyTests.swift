import Testing

@testable import TokenIssuer

@Suite("PasswordPolicy: minimum length and the common-passwords list")
struct PasswordPolicyTests {
    @Test(
        "Refused passwords name the problem",
        arguments: [
            ("", UserStoreError.PasswordProblem.empty),
            ("1234567", .tooShort(characters: 7, minimum: 8)),
            ("password", .common),
            ("PassWord1", .common),
            ("iloveyou", .common),
            (String(repeating: "x", count: 73), .tooLong(bytes: 73)),
        ]
    )
    func refused(password: String, problem: UserStoreError.PasswordProblem) {
        #expect(PasswordPolicy().problem(with: password) == problem)
    }

    @Test("A long uncommon password passes; the minimum counts characters, not bytes")
    func accepted() {
        #expect(PasswordPolicy().problem(with: "plenty-long-passphrase") == nil)
        #expect(PasswordPolicy().problem(with: "ñandú-río") == nil)
        #expect(PasswordPolicy(minimumLength: 10).problem(with: "ñandú-río") == .tooShort(characters: 9, minimum: 10))
    }

    @Test("The shipped list has 10 000 entries, read once")
    func list() {
        #expect(CommonPasswords.count == 10_000)
    }

    @Test("add(…policy:) checks the policy; the demo users are added without it")
    func store() async throws {
        let store = try InMemoryUserStore(bcryptCost: 4)
        await #expect(throws: UserStoreError.invalidPassword(reason: .common)) {
            try await store.add(username: "dan", password: "football", scopes: [], policy: PasswordPolicy())
        }
        try await DemoUsers.add(to: store)
        #expect(try await store.authenticate(username: "Cthon98", password: "hunter2") != nil)
    }
}
