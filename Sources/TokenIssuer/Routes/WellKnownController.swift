import Hummingbird
import JOSE
import KeyStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /.well-known/jwks.json`, the RFC 8414 metadata (`/.well-known/oauth-authorization-server`, and the same at
/// `/.well-known/openid-configuration`), `GET /openapi.json`, `GET /healthz` and `GET /metrics`.
///
/// The JWKS is served from bytes prepared when the key set changed, with `Cache-Control: public, max-age=N`
/// and a strong ETag; `If-None-Match` that matches answers 304 without a body.
struct WellKnownController: Sendable {
    let configuration: IssuerConfiguration
    let keys: KeyRingHolder
    let metrics: IssuerMetrics
    let clock: any WallClock
    let healthState: IssuerHealth
    /// The scopes registered clients may ask for (`scopes_supported`), read at most every 10 s.
    let scopesSupported: CachedValue<[String]>

    func addRoutes(to router: Router<BasicRequestContext>) {
        CrossOrigin.group(router, "/.well-known/jwks.json", methods: [.get, .head]).get { request, _ in jwks(request) }
        CrossOrigin.group(router, "/.well-known/openid-configuration", methods: [.get, .head]).get { _, _ in await discovery() }
        CrossOrigin.group(router, "/.well-known/oauth-authorization-server", methods: [.get, .head]).get { _, _ in await discovery() }
        router.get("/openapi.json") { _, _ in
            JSONResponse.make(.ok, bytes: OpenAPIDocument.bytes, headers: [.cacheControl: "public, max-age=3600"])
        }
        router.get("/healthz") { _, _ in health() }
        router.get("/metrics") { _, _ in
            metrics.recordKeyAges(keys.current, now: clock.now)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render()))
            )
        }
    }

    func jwks(_ request: Request) -> Response {
        let ring = keys.current
        var headers: HTTPFields = [
            .cacheControl: "public, max-age=\(configuration.jwksMaxAge.wholeSeconds())",
            .eTag: ring.jwksETag,
        ]
        if let ifNoneMatch = request.headers[.ifNoneMatch], Self.matches(ifNoneMatch, etag: ring.jwksETag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: ring.jwksBody)))
    }

    /// RFC 9110 §13.1.2: `*`, or a list of entity tags compared weakly (a `W/` prefix is ignored).
    static func matches(_ header: String, etag: String) -> Bool {
        for candidate in header.split(separator: ",") {
            var tag = candidate.trimmingPrefixSpaces()
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag == etag[...] { return true }
        }
        return false
    }

    /// RFC 8414 authorization-server metadata, also served as the OIDC discovery document: only what exists, and never
    /// the HS256 secret's algorithm (ID tokens are signed with asymmetric keys only).
    func discovery() async -> Response {
        var document: JSONObject = [
            "issuer": .string(configuration.issuer),
            "jwks_uri": .string(configuration.jwksURI),
            "authorization_endpoint": .string(configuration.endpointBase + "/oauth/authorize"),
            "token_endpoint": .string(configuration.tokenEndpoint),
            "introspection_endpoint": .string(configuration.introspectionEndpoint),
            "revocation_endpoint": .string(configuration.endpointBase + "/oauth/revoke"),
            "userinfo_endpoint": .string(configuration.endpointBase + "/userinfo"),
            "grant_types_supported": .array(GrantType.allCases.map { .string($0.rawValue) }),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "authorization_response_iss_parameter_supported": true,
            "subject_types_supported": ["public"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "preferred_username"],
        ]
        // OpenID Connect only with a key to sign ID tokens (not on a shared HMAC secret alone).
        let idTokenAlgorithms = TokenMinter.idTokenAlgorithms(keys.current)
        if idTokenAlgorithms.isEmpty {
            for member in ["userinfo_endpoint", "subject_types_supported", "claims_supported"] { document[member] = nil }
        } else {
            document["id_token_signing_alg_values_supported"] = .array(idTokenAlgorithms.map { .string($0.rawValue) })
        }
        if let scopes = await scopesSupported.value() {
            let others = scopes.filter { $0 != "openid" }
            document["scopes_supported"] = .array(((idTokenAlgorithms.isEmpty ? [] : ["openid"]) + others).map(JSONValue.string))
        }
        return JSONResponse.make(.ok, document, headers: [.cacheControl: "public, max-age=\(configuration.jwksMaxAge.wholeSeconds())"])
    }

    func health() -> Response {
        let ring = keys.current
        let (status, reasons) = healthState.report(canIssue: ring.signingKeys[configuration.algorithm] != nil)
        var body: JSONObject = [
            "status": .string(status.rawValue),
            "algorithm": .string(configuration.algorithm.rawValue),
            "published_keys": .number(JSONNumber(ring.publicKeys.count)),
        ]
        if !reasons.isEmpty {
            var object = JSONObject()
            for (name, reason) in reasons.sorted(by: { $0.key < $1.key }) { object[name] = .string(reason) }
            body["reasons"] = .object(object)
        }
        return JSONResponse.make(status == .failing ? .serviceUnavailable : .ok, body, headers: [.cacheControl: "no-store"])
    }
}

extension Substring {
    fileprivate func trimmingPrefixSpaces() -> Substring {
        var result = self
        while result.first == " " || result.first == "\t" { result = result.dropFirst() }
        while result.last == " " || result.last == "\t" { result = result.dropLast() }
        return result
    }
}
