import Foundation
import JOSE
import KeyStore
import Testing
import TokenIssuer

/// Lifetimes are `Duration`s; tokens carry whole-second NumericDates. The minter is where one becomes the other.
@Suite("TokenMinter: Duration lifetimes to NumericDates")
struct TokenMinterTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000.75)

    @Test(
        "iat is rounded down; exp is iat plus the lifetime, rounded down to whole seconds; expires_in is exp − iat",
        arguments: [(Duration.seconds(300), 300), (.milliseconds(1500), 1)]
    )
    func lifetimes(tokenTTL: Duration, seconds: Int) throws {
        let key = try JWSSigningKey.generate(.ES256)
        let minter = TokenMinter(configuration: IssuerConfiguration(tokenTTL: tokenTTL))
        let issued = try minter.mint(username: "alice", scopes: [], audiences: ["jot"], ring: testRing([key]), now: Self.now)
        let policy = ValidationPolicy(leeway: .zero, requiredClaims: ["exp", "iat"])
        let claims = try key.verificationKey.verify(issued.token, policy: policy, now: Self.now).claims
        #expect(claims.issuedAt == 1_800_000_000)
        #expect(claims.expiresAt == 1_800_000_000 + Double(seconds))
        #expect(issued.expiresIn == .seconds(seconds))
    }
}
