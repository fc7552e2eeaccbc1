// Protect a Hummingbird route: a JWKS cache, a verifier, and two middlewares on the route group.

// snippet.hide
import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import HummingbirdJWT
import JOSE
import JWTVerifier
import Logging
import NIOCore
import NIOEmbedded

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// snippet.show
let keys = try JWKSCache(url: "https://issuer.example/.well-known/jwks.json", client: .shared)
let verifier = Verifier(
    issuers: IssuerRegistry(["https://issuer.example": .jwks(keys)]),
    configuration: .init(audiences: ["pangolin-service"], expectedType: "at+jwt")
)
let router = Router(context: BasicAuthRequestContext<VerifiedToken>.self)
router.group("pangolins")
    .add(middleware: JWTAuthenticator(verifier: verifier))
    .add(middleware: AuthorizationPolicyMiddleware(requiredScopes: ["pangolins"]))
    .get { _, context in try context.requireIdentity().subject ?? "" }
// snippet.hide

// `swift run ProtectRoute` sends requests through this router, offline: without a token, and with a token of an
// issuer the verifier does not know (refused before any key lookup, so no JWKS is fetched). The answers with a
// valid token (200, and 403 insufficient_scope without the scope) are tested with these same lines in
// Tests/ExternalPackage.
let responder = router.buildResponder()
func answer(authorization: String?) async throws -> (HTTPResponse.Status, String?) {
    var fields = HTTPFields()
    if let authorization { fields[.authorization] = authorization }
    let head = HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/pangolins", headerFields: fields)
    let context = BasicAuthRequestContext<VerifiedToken>(
        source: .init(channel: NIOAsyncTestingChannel(), logger: Logger(label: "ProtectRoute"))
    )
    do {
        let response = try await responder.respond(to: Request(head: head, body: RequestBody(buffer: ByteBuffer())), context: context)
        return (response.status, response.headers[.wwwAuthenticate])
    } catch let error as any HTTPResponseError {
        let response = try error.response(from: Request(head: head, body: RequestBody(buffer: ByteBuffer())), context: context)
        return (response.status, response.headers[.wwwAuthenticate])
    }
}

let (missing, missingChallenge) = try await answer(authorization: nil)
precondition(missing == .unauthorized && missingChallenge == #"Bearer realm="api""#, "no token: \(missing) \(missingChallenge ?? "")")

let stranger = try JWSSigningKey.generate(.ES256)
let strangersToken = try stranger.sign(
    JWTClaims(issuer: "https://evil.example", subject: "mallory", audience: ["pangolin-service"], expiresAt: Date().advanced(by: .seconds(60))),
    type: "at+jwt"
)
let (refused, refusedChallenge) = try await answer(authorization: "Bearer \(strangersToken)")
precondition(
    refused == .unauthorized && refusedChallenge?.contains(#"error="invalid_token""#) == true,
    "unknown issuer: \(refused) \(refusedChallenge ?? "")"
)
print("ProtectRoute: ok")
