// Rotate an issuer's signing keys with KeyStore: next → current → previous → removed, the unsafe steps refused.

// snippet.hide
import Foundation
import JOSE
import KeyStore

let keysDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("jot-snippet-\(UUID().uuidString)").path

// snippet.show
// snippet.init
// How long verifiers may cache the JWKS, and how long tokens live.
let policy = RotationPolicy(
    jwksMaxAge: .seconds(300),
    maxTokenLifetime: .seconds(300),
    leeway: .seconds(30)
)
// `Keys/`, as `jot keys …` and `jot serve` use it.
let store = KeyStore(directory: keysDirectory)
// Time is passed in: a fixed clock here, `Date()` in a server.
let start = Date(timeIntervalSince1970: 1_800_000_000)
// A current key and a next key.
_ = try await store.initialize(algorithms: [.ES256], policy: policy, now: start)
// snippet.end

// snippet.early
// Refused while the next key has been in the JWKS for less than the JWKS
// max-age: verifiers holding a cached JWKS would reject its tokens.
do {
    _ = try await store.rotate(now: start.advanced(by: .seconds(60)))
    // snippet.hide
    preconditionFailure("a next key published 60 s ago became current with a JWKS max-age of 300 s")
    // snippet.show
} catch {
    // next key '…' has been published for 60 s; verifiers may cache the
    // JWKS for 300 s: rotate again in 240 s or pass --force
    print(error)
    // snippet.hide
    precondition("\(error)".contains("rotate again in 240 s"), "\(error)")
    // snippet.show
}
// snippet.end

// snippet.rotate
// A token signed just before the rotation…
let rotationTime = start.advanced(by: .seconds(300))
let before = try await store.load()
let claims = JWTClaims(subject: "alice", expiresAt: rotationTime.advanced(by: .seconds(300)))
let token = try before.signingKey(for: .ES256)!.sign(claims)

// …and the rotation: next → current (signs from now on), current → previous
// (still published, so that token keeps verifying), and a fresh next key.
let rotation = try await store.rotate(now: rotationTime)
let after = try await store.load()  // what `jot serve` reloads within a second
_ = try after.verificationKeys.verify(token, now: rotationTime.advanced(by: .seconds(60)))
// snippet.end
// snippet.hide

// `swift run RotateKeys` checks the steps above against a temporary key directory.
let rotated = rotation.rotations[0]
precondition(rotated.retired.keyID == before.signingKey(for: .ES256)!.keyID)
precondition(after.signingKey(for: .ES256)!.keyID == rotated.activated.keyID)
precondition(policy.retention == .seconds(630))
do {
    _ = try await store.prune(now: rotationTime.advanced(by: .seconds(629)))
    preconditionFailure("a previous key was pruned before its tokens could have expired everywhere")
} catch {
    precondition("\(error)".contains("no previous key can be removed yet"), "\(error)")
}

// snippet.show
// snippet.prune
// A previous key is removed only once no token it signed can be accepted
// anywhere: token lifetime + leeway + JWKS max-age after it stopped signing
// (`policy.retention`, 630 s here). Earlier, prune refuses and says when.
let pruned = try await store.prune(now: rotationTime.advanced(by: .seconds(630)))
print(pruned)
// snippet.end
// snippet.hide
precondition(pruned.removed.map(\.keyID) == [rotated.retired.keyID])
do {
    _ = try await store.load().verificationKeys.verify(token, now: rotationTime.advanced(by: .seconds(630)))
    preconditionFailure("a token of a pruned key still verified")
} catch is JOSEError {}
try? FileManager.default.removeItem(atPath: keysDirectory)
print("RotateKeys: ok")
