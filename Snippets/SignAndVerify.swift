// Sign a token with an ES256 key, then verify it with the public half and check its registered claims.

// snippet.hide
import Foundation
import JOSE

// snippet.show
let signingKey = try JWSSigningKey.generate(.ES256)  // kid: its RFC 7638 thumbprint
let now = Date()
let claims = JWTClaims(
    issuer: "https://issuer.example",
    subject: "alice",
    audience: ["photos"],
    expiresAt: now.advanced(by: .seconds(300)),
    issuedAt: now,
    additional: ["scope": "photos:read"]
)
let token = try signingKey.sign(claims, type: "at+jwt")

// The verifier holds public keys only and picks one by `kid`;
// each key's algorithm is pinned.
let keys = JWSKeySet([signingKey.verificationKey])
let policy = ValidationPolicy(
    issuers: ["https://issuer.example"],
    audiences: ["photos"],
    expectedType: "at+jwt"
)
let verified = try keys.verify(token, policy: policy, now: now)
print(verified.claims.subject ?? "")  // alice
// snippet.hide

// `swift run SignAndVerify` checks what the article says: the token verifies, and not as one for another audience.
precondition(verified.claims.subject == "alice" && verified.keyID == signingKey.keyID)
do {
    _ = try keys.verify(token, policy: ValidationPolicy(audiences: ["billing"]), now: now)
    preconditionFailure("a token for 'photos' was accepted for 'billing'")
} catch is TokenValidationError {}
