// Verify access tokens of several issuers offline: one JWKSCache per issuer, an IssuerRegistry, one Verifier.

// snippet.hide
import AsyncHTTPClient
import Foundation
import JOSE
import JWTVerifier

// snippet.show
// snippet.setup
// At start-up: one cache per issuer, never shared. Nothing is fetched yet.
let jot = try JWKSCache(
    url: "https://auth.example/.well-known/jwks.json",
    client: .shared
)
let partner = try JWKSCache(
    url: "https://login.partner.example/.well-known/jwks.json",
    client: .shared
)
let verifier = Verifier(
    issuers: IssuerRegistry([
        "https://auth.example": .jwks(jot),
        "https://login.partner.example": .jwks(partner),
    ]),
    configuration: .init(audiences: ["photo-service"], expectedType: "at+jwt")
)
// snippet.end

// snippet.request
// Per request: the token's `iss` picks the cache, its `kid` the key; then
// the signature, `aud`, `exp`, `nbf` and `iat` are checked.
func photoOwner(bearer token: String, verifier: Verifier) async throws -> String? {
    let identity = try await verifier.verify(token)
    // Authenticated, but not allowed without the scope:
    guard identity.missingScopes(["photos:read"]).isEmpty else { return nil }
    return identity.subject
}
// snippet.end

// snippet.claims
struct PhotoClaims: Decodable {
    let sub: String
    let exp: Date
    let album: String?
}
// snippet.end

// snippet.hide
// `swift run VerifyAnyIssuer` checks what the article says, offline. A token of an issuer nobody configured is refused
// before any key lookup, so the production verifier above answers it without the network.
let stranger = try JWSSigningKey.generate(.ES256)
let strangersToken = try stranger.sign(
    JWTClaims(issuer: "https://evil.example", subject: "mallory", audience: ["photo-service"], expiresAt: Date().advanced(by: .seconds(60))),
    type: "at+jwt"
)
do {
    _ = try await photoOwner(bearer: strangersToken, verifier: verifier)
    preconditionFailure("a token of an unconfigured issuer was accepted")
} catch let error as TokenVerificationError {
    guard case .unknownIssuer(let issuer, _) = error.underlying as? VerifierError else { preconditionFailure("\(error)") }
    precondition(error.code == .issuerNotAccepted && issuer == "https://evil.example")
}

// snippet.show
// snippet.test
// In tests: the same registry and verifier over keys held in memory,
// with tokens signed on the spot.
let signingKey = try JWSSigningKey.generate(.ES256)
let source = InMemoryJWKSSource(keys: [signingKey.verificationKey.publicJWK!])
let testVerifier = Verifier(
    issuers: IssuerRegistry(["https://auth.example": .jwks(JWKSCache(source: source))]),
    configuration: .init(audiences: ["photo-service"], expectedType: "at+jwt")
)
let token = try signingKey.sign(
    JWTClaims(
        issuer: "https://auth.example",
        subject: "sam",
        audience: ["photo-service"],
        expiresAt: Date().advanced(by: .seconds(300)),
        additional: ["scope": "photos:read", "album": "pangolins"]
    ),
    type: "at+jwt"
)
let owner = try await photoOwner(bearer: token, verifier: testVerifier)  // "sam"
let claims = try await testVerifier.verify(token, as: PhotoClaims.self)
print(claims.album ?? "")  // pangolins
// snippet.end
// snippet.hide
precondition(owner == "sam" && claims.sub == "sam" && claims.album == "pangolins")
let noScope = try signingKey.sign(
    JWTClaims(issuer: "https://auth.example", subject: "sam", audience: ["photo-service"], expiresAt: Date().advanced(by: .seconds(300))),
    type: "at+jwt"
)
let ownerWithoutScope = try await photoOwner(bearer: noScope, verifier: testVerifier)
precondition(ownerWithoutScope == nil)
do {
    _ = try await testVerifier.verify(
        try signingKey.sign(
            JWTClaims(issuer: "https://auth.example", subject: "sam", audience: ["billing"], expiresAt: Date().advanced(by: .seconds(300))),
            type: "at+jwt"
        )
    )
    preconditionFailure("a token for another audience was accepted")
} catch let error as TokenVerificationError where error.code == .audienceNotAccepted {}
print("VerifyAnyIssuer: ok")
