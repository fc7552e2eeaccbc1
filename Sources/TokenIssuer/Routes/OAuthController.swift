import Hummingbird
import JOSE
import KeyStore
import Logging
import NIOCore
import ServerSupport

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The OAuth 2.1 endpoints for clients: `POST /oauth/token` (RFC 6749 §3.2; the `client_credentials` grant, §4.4,
/// with RFC 8707 resource indicators) and `POST /oauth/introspect` (RFC 7662).
///
/// Both take `application/x-www-form-urlencoded` bodies (anything else is `invalid_request`) and authenticate the
/// client with `client_secret_basic` or `client_secret_post` (exactly one). Failed client authentications are
/// throttled per client id and per address, as failed logins are. Answers carry `Cache-Control: no-store`.
struct OAuthController: Sendable {
    let configuration: IssuerConfiguration
    let minter: TokenMinter
    let keys: KeyRingHolder
    let clients: ClientRegistry
    let throttle: LoginThrottle
    let metrics: IssuerMetrics
    let now: @Sendable () -> Date
    let health: IssuerHealth

    /// Largest accepted body.
    static let maximumBodyBytes = 8 * 1024

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/oauth/token") { request, context in
            await answer("token", context: context) { () async throws(OAuthError) in try await token(request, context: context) }
        }
        router.post("/oauth/introspect") { request, context in
            await answer("introspect", context: context) { () async throws(OAuthError) in
                try await introspect(request, context: context)
            }
        }
    }

    private func answer(_ endpoint: String, context: BasicRequestContext, _ body: () async throws(OAuthError) -> Response) async -> Response {
        do {
            return try await body()
        } catch {
            metrics.oauthFailed(endpoint: endpoint, error: error.code)
            context.logger.debug("oauth request refused", metadata: ["jot.endpoint": .string(endpoint), "jot.error": .string(error.description)])
            return error.response
        }
    }

    // MARK: Token

    func token(_ request: Request, context: BasicRequestContext) async throws(OAuthError) -> Response {
        let form = try await Self.readForm(request, repeatable: ["resource"])
        guard let grantType = form["grant_type"] else { throw OAuthError(.invalidRequest, "grant_type is required") }
        guard let grant = GrantType(rawValue: grantType) else {
            throw OAuthError(
                .unsupportedGrantType,
                "grant_type '\(FormParameters.quoted(grantType))' is not supported here (supported: \(Self.supportedGrants))"
            )
        }
        let client = try await authenticate(request, form: form)
        guard client.grants.contains(grant) else {
            throw OAuthError(
                .unauthorizedClient,
                "client '\(client.id)' may not use grant_type \(grant); register it with `jot clients add \(client.id) --grant \(grant)`"
            )
        }
        let scopes = try Self.scopes(requested: form["scope"], allowed: client.scopes, client: client.id)
        let audiences = try audiences(resources: form.all("resource"), client: client)
        let lifetime = min(client.tokenTTL ?? configuration.tokenTTL, configuration.tokenTTL)
        let issued: TokenMinter.Issued
        do {
            issued = try minter.mint(
                TokenMinter.Grant(subject: client.id, clientID: client.id, scopes: scopes, audiences: audiences, lifetime: lifetime),
                ring: keys.current,
                now: now()
            )
        } catch {
            context.logger.error("cannot issue tokens", metadata: ["error": .string(error.description)])
            throw OAuthError(.temporarilyUnavailable, "the issuer cannot sign tokens right now; try again shortly", retryAfter: 5)
        }
        metrics.tokenIssued(algorithm: issued.algorithm)
        context.logger.info(
            "token issued",
            metadata: [
                "jot.client": .string(client.id), "jot.grant": .string(grant.rawValue), "jwt.kid": .string(issued.keyID ?? "-"),
                "jwt.alg": .string(issued.algorithm.rawValue),
            ]
        )
        return JSONResponse.make(
            .ok,
            [
                "access_token": .string(issued.token),
                "token_type": "Bearer",
                "expires_in": .number(JSONNumber(issued.expiresIn)),
                "scope": .string(scopes.joined(separator: " ")),
            ],
            headers: [.cacheControl: "no-store"]
        )
    }

    static var supportedGrants: String { GrantType.allCases.map(\.rawValue).joined(separator: ", ") }

    /// RFC 6749 §3.3: the requested scope narrows the client's; none requested → all of them.
    static func scopes(requested: String?, allowed: [String], client: String) throws(OAuthError) -> [String] {
        guard let requested else { return allowed }
        var result: [String] = []
        for token in requested.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            guard UserValidation.isScopeToken(token) else {
                throw OAuthError(
                    .invalidScope,
                    "scope '\(FormParameters.quoted(token))' is not a scope token (printable ASCII except space, '\"' and '\\')"
                )
            }
            guard allowed.contains(token) else {
                let list = allowed.isEmpty ? "none" : allowed.joined(separator: " ")
                throw OAuthError(.invalidScope, "client '\(client)' may not ask for scope '\(token)' (its scopes: \(list))")
            }
            if !result.contains(token) { result.append(token) }
        }
        return result
    }

    /// RFC 8707: each `resource` must be one of the client's audiences (its first one when none is given).
    func audiences(resources: [String], client: ClientRecord) throws(OAuthError) -> [String] {
        let allowed = client.audiences.isEmpty ? [configuration.defaultAudience] : client.audiences
        guard !resources.isEmpty else { return [allowed[0]] }
        var result: [String] = []
        for resource in resources {
            if resource.contains("#") {
                throw OAuthError(.invalidTarget, "resource '\(FormParameters.quoted(resource))' has a fragment (RFC 8707 §2)")
            }
            guard allowed.contains(resource) else {
                throw OAuthError(
                    .invalidTarget,
                    "client '\(client.id)' may not ask for resource '\(FormParameters.quoted(resource))' "
                        + "(its audiences: \(allowed.joined(separator: " ")))"
                )
            }
            if !result.contains(resource) { result.append(resource) }
        }
        return result
    }

    // MARK: Introspection

    func introspect(_ request: Request, context: BasicRequestContext) async throws(OAuthError) -> Response {
        let form = try await Self.readForm(request, repeatable: [])
        _ = try await authenticate(request, form: form)
        guard let token = form["token"] else { throw OAuthError(.invalidRequest, "token is required (RFC 7662 §2.1)") }
        var body: JSONObject = ["active": false]
        if let claims = activeClaims(token) {
            body = claims
            body["active"] = true
            body["token_type"] = "Bearer"
        }
        return JSONResponse.make(.ok, body, headers: [.cacheControl: "no-store"])
    }

    /// The claims of `token` if it is an access token issued here, signed by a key still in the key set, and valid now;
    /// `nil` for anything else (RFC 7662 §2.2: never an error).
    func activeClaims(_ token: String) -> JSONObject? {
        let policy = ValidationPolicy(
            issuers: [configuration.issuer],
            leeway: 0,
            requiredClaims: ["exp", "iat", "sub"],
            expectedType: "at+jwt"
        )
        guard let verified = try? keys.current.verificationKeys.verify(token, policy: policy, now: now()) else { return nil }
        return verified.claims.object
    }

    // MARK: Shared

    /// Authenticates the client, throttling failures like failed logins.
    func authenticate(_ request: Request, form: FormParameters) async throws(OAuthError) -> ClientRecord {
        let credentials = try ClientCredentials.read(headers: request.headers, form: form)
        let basic = credentials.method == .basic
        let ticket: LoginThrottle.Ticket
        switch throttle.admit(username: "client " + credentials.id, address: ClientAddress.current, now: now()) {
        case .success(let admitted):
            ticket = admitted
        case .failure(let refusal):
            let what = refusal.scope == .user ? "this client id" : "this address"
            throw OAuthError(
                .temporarilyUnavailable,
                "too many failed client authentications for \(what); retry in \(refusal.retryAfter) s",
                status: .tooManyRequests,
                retryAfter: refusal.retryAfter
            )
        }
        let client: ClientRecord?
        do {
            client = try await clients.authenticate(id: credentials.id, anyOf: credentials.secrets)
            health.set(.database, problem: nil)
        } catch {
            throttle.finished(ticket, succeeded: false)
            health.set(.database, problem: "client registry failing: \(error)")
            throw OAuthError(.temporarilyUnavailable, "the client registry is unavailable; try again shortly", retryAfter: 1)
        }
        throttle.finished(ticket, succeeded: client != nil)
        guard let client else {
            throw OAuthError(.invalidClient, "client authentication failed: unknown client or wrong secret", basicChallenge: basic)
        }
        return client
    }

    /// The form body of an OAuth request: `application/x-www-form-urlencoded` only, at most ``maximumBodyBytes``.
    static func readForm(_ request: Request, repeatable: Set<String>) async throws(OAuthError) -> FormParameters {
        guard let contentType = request.headers[.contentType], isFormURLEncoded(contentType) else {
            throw OAuthError(
                .invalidRequest,
                "the body must be application/x-www-form-urlencoded (RFC 6749 §3.2), not \(request.headers[.contentType].map { "'\(FormParameters.quoted($0))'" } ?? "missing")"
            )
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maximumBodyBytes)
        } catch {
            throw OAuthError(.invalidRequest, "the body is over \(maximumBodyBytes) bytes", status: .contentTooLarge)
        }
        do {
            return try FormParameters(body.readableBytesView, repeatable: repeatable)
        } catch {
            throw OAuthError(.invalidRequest, error.description)
        }
    }

    /// `application/x-www-form-urlencoded`, any case, optionally with parameters (`; charset=UTF-8`).
    static func isFormURLEncoded(_ value: String) -> Bool {
        var mediaType = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        while mediaType.first == " " || mediaType.first == "\t" { mediaType = mediaType.dropFirst() }
        while mediaType.last == " " || mediaType.last == "\t" { mediaType = mediaType.dropLast() }
        return mediaType.lowercased() == "application/x-www-form-urlencoded"
    }
}
