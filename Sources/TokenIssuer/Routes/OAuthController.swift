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
/// throttled per address (see ``clientThrottle(_:)``). Answers carry `Cache-Control: no-store`.
struct OAuthController: Sendable {
    let configuration: IssuerConfiguration
    let minter: TokenMinter
    let keys: KeyRingHolder
    let clients: ClientRegistry
    let users: any UserStore
    let grants: GrantStore
    let throttle: LoginThrottle
    let metrics: IssuerMetrics
    let clock: any WallClock
    let health: IssuerHealth

    /// The client-authentication throttle: failures are limited per address like failed logins, but neither the checks
    /// in flight per address nor admission are charged — a client secret check is one HMAC, not a bcrypt hash, and one
    /// service host legitimately keeps many token requests in flight (charged at admission, 32 concurrent requests of a
    /// healthy client were refused as "too many failures"). There is no per-client-id limit: a secret has at least 256
    /// bits (generated) or 32 bytes (supplied), so counting failures per id protects nothing, and it let anyone lock a
    /// client out of the token endpoint by sending ten wrong secrets for its id.
    static func clientThrottle(_ logins: LoginThrottle.Configuration) -> LoginThrottle.Configuration {
        var configuration = logins
        configuration.maxInFlightPerAddress = Int.max
        configuration.chargesOnAdmission = false
        configuration.userBurst = .max
        return configuration
    }

    /// Largest accepted body.
    static let maximumBodyBytes = 8 * 1024

    func addRoutes(to router: Router<BasicRequestContext>) {
        // Browser apps (public clients with PKCE) call these from their own origin: CORS without credentials.
        CrossOrigin.group(router, "/oauth/token", methods: [.post]).post { request, context in
            await answer("token", context: context) { () async throws(OAuthError) in try await token(request, context: context) }
        }
        CrossOrigin.group(router, "/oauth/revoke", methods: [.post]).post { request, context in
            await answer("revoke", context: context) { () async throws(OAuthError) in try await revoke(request, context: context) }
        }
        let userinfo = CrossOrigin.group(router, "/userinfo", methods: [.get, .post])
        for method in [HTTPRequest.Method.get, .post] {
            userinfo.on("", method: method) { request, context in
                await answer("userinfo", context: context) { () async throws(OAuthError) in try await self.userinfo(request) }
            }
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
        switch grant {
        case .clientCredentials:
            return try await clientCredentials(form, client: client, context: context)
        case .authorizationCode:
            return try await authorizationCode(form, client: client, context: context)
        case .refreshToken:
            return try await refresh(form, client: client, context: context)
        }
    }

    /// RFC 6749 §4.4: a token for the client itself.
    func clientCredentials(_ form: FormParameters, client: ClientRecord, context: BasicRequestContext) async throws(OAuthError) -> Response {
        let holder = "client '\(client.id)'"
        let scopes = try Self.scopes(requested: form["scope"], allowed: client.scopes, holder: holder)
        let allowed = client.audiences(defaultAudience: configuration.defaultAudience)
        let audiences = try Self.audiences(resources: form.all("resource"), allowed: allowed, whenNone: [allowed[0]], holder: holder)
        let grant = TokenMinter.Grant(subject: client.id, clientID: client.id, scopes: scopes, audiences: audiences, lifetime: lifetime(client))
        return try await issue(grant, client: client, kind: .clientCredentials, context: context)
    }

    /// RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6): the code is single use, bound to the client, the redirect URI and
    /// the challenge; a second use revokes what the first issued.
    func authorizationCode(_ form: FormParameters, client: ClientRecord, context: BasicRequestContext) async throws(OAuthError) -> Response {
        guard let code = form["code"] else { throw OAuthError(.invalidRequest, "code is required") }
        guard let verifier = form["code_verifier"] else {
            throw OAuthError(.invalidRequest, "code_verifier is required (PKCE, RFC 7636)")
        }
        let redemption: GrantStore.Redemption
        do {
            redemption = try await grants.redeemCode(code)
        } catch {
            throw Self.storeUnavailable
        }
        let (authorization, family) = try await valid(redemption, client: client, what: "authorization code")
        if let redirectURI = form["redirect_uri"], redirectURI != authorization.redirectURI {
            await revoke(family: family)
            throw OAuthError(.invalidGrant, "redirect_uri differs from the one the code was issued for")
        }
        guard let challenge = authorization.codeChallenge, PKCE.verifies(verifier, challenge: challenge) else {
            await revoke(family: family)
            throw OAuthError(.invalidGrant, "code_verifier does not match the code_challenge (PKCE)")
        }
        let grant = try await userGrant(authorization, family: family, form: form, client: client, kind: .authorizationCode)
        return try await userTokens(grant, client: client, kind: .authorizationCode, context: context)
    }

    /// OAuth 2.1 §4.3: the refresh token is rotated; presenting a rotated one again revokes its family.
    ///
    /// A refused request leaves the refresh token as it was (RFC 6749 §6): the scope, resource, client and user checks
    /// and the signing run before the token is spent, so a client that retries after `invalid_scope` or an outage is not
    /// taken for a thief. The new refresh token is stored before the old one is used: a replay detected then revokes it
    /// with its family.
    func refresh(_ form: FormParameters, client: ClientRecord, context: BasicRequestContext) async throws(OAuthError) -> Response {
        guard let token = form["refresh_token"] else { throw OAuthError(.invalidRequest, "refresh_token is required") }
        let found: (GrantStore.Authorization, family: String)?
        do {
            found = try await grants.refreshTokenAuthorization(token)
        } catch {
            throw Self.storeUnavailable
        }
        guard let found else {
            // Used, revoked, expired or unknown: redeeming it says which, and revokes the family of a replay.
            _ = try await valid(try await redeemRefreshToken(token), client: client, what: "refresh token")
            throw OAuthError(.invalidGrant, "the refresh token is invalid, expired or revoked")
        }
        let (authorization, family) = found
        try await owned(authorization, family: family, by: client, what: "refresh token")
        let grant = try await userGrant(authorization, family: family, form: form, client: client, kind: .refreshToken)
        return try await userTokens(grant, client: client, kind: .refreshToken, context: context) { () async throws(OAuthError) in
            switch try await redeemRefreshToken(token) {
            case .valid(_, let used) where used == family:
                return
            case .replayed:
                self.context(log: "refresh token replayed; its family is revoked", client: client.id)
                throw OAuthError(.invalidGrant, "the refresh token was already used; everything issued with it has been revoked")
            default:
                // Revoked or expired in the meantime: the new token goes with its family.
                await revoke(family: family)
                throw OAuthError(.invalidGrant, "the refresh token is invalid, expired or revoked")
            }
        }
    }

    private func redeemRefreshToken(_ token: String) async throws(OAuthError) -> GrantStore.Redemption {
        do {
            return try await grants.redeemRefreshToken(token)
        } catch {
            throw Self.storeUnavailable
        }
    }

    /// The authorization of a redeemed code or refresh token, if it belongs to `client`.
    private func valid(
        _ redemption: GrantStore.Redemption,
        client: ClientRecord,
        what: String
    ) async throws(OAuthError) -> (
        GrantStore.Authorization, String
    ) {
        switch redemption {
        case .invalid:
            throw OAuthError(.invalidGrant, "the \(what) is invalid, expired or revoked")
        case .replayed:
            context(log: "\(what) replayed; its family is revoked", client: client.id)
            throw OAuthError(.invalidGrant, "the \(what) was already used; everything issued with it has been revoked")
        case .valid(let authorization, let family):
            try await owned(authorization, family: family, by: client, what: what)
            return (authorization, family)
        }
    }

    /// A code or refresh token presented by another client than its own is refused, and its family revoked.
    private func owned(_ authorization: GrantStore.Authorization, family: String, by client: ClientRecord, what: String) async throws(OAuthError) {
        guard authorization.clientID == client.id else {
            await revoke(family: family)
            throw OAuthError(.invalidGrant, "the \(what) was issued to another client")
        }
    }

    /// Revokes a code's or refresh token's family while refusing the request; the refusal is what the client hears, so
    /// a store failure here is not reported over it.
    private func revoke(family: String) async {
        _ = try? await grants.table.revoke(family: family, now: clock.now.timeIntervalSince1970)
    }

    private func context(log message: String, client: String) {
        Logger(label: "jot.oauth").warning("\(message)", metadata: ["jot.client": .string(client)])
    }

    /// A user's grant as the token endpoint honours it now.
    struct UserGrant {
        var user: UserRecord
        /// What a new refresh token carries: the grant within the client's registration and the user's scopes as they
        /// are now (removing a scope from either narrows the family for good).
        var stored: GrantStore.Authorization
        var family: String
        /// The access token's scopes and audiences: the stored ones, or those the request narrowed them to.
        var scopes: [String]
        var audiences: [String]
    }

    /// Re-checks a code's or refresh token's grant against the user and the client as they are now, and applies the
    /// request's narrowing: `scope` on a refresh (RFC 6749 §6; the refresh token keeps its scope) and `resource` (RFC
    /// 8707 §2.2, within the grant's audiences).
    func userGrant(
        _ authorization: GrantStore.Authorization,
        family: String,
        form: FormParameters,
        client: ClientRecord,
        kind: GrantType
    ) async throws(OAuthError) -> UserGrant {
        let user: UserRecord?
        do {
            user = try await users.user(named: authorization.username)
        } catch {
            throw Self.storeUnavailable
        }
        guard let user else {
            await revoke(family: family)
            throw OAuthError(.invalidGrant, "the user of this grant no longer exists")
        }
        var stored = authorization
        stored.scopes = AuthorizeController.granted(authorization.scopes.filter(client.scopes.contains), user: user)
        // A client without audiences of its own was given the issuer's default one: any audience the issuer still serves
        // keeps it (reordering --audience must not end every such grant).
        let allowed = client.audiences.isEmpty ? configuration.audiences : client.audiences
        stored.audiences = authorization.audiences.filter(allowed.contains)
        guard !stored.audiences.isEmpty else {
            await revoke(family: family)
            throw OAuthError(
                .invalidGrant,
                "client '\(client.id)' may no longer obtain tokens for \(authorization.audiences.joined(separator: " ")) "
                    + "(its audiences: \(allowed.joined(separator: " "))); sign in again"
            )
        }
        let holder = kind == .refreshToken ? "this refresh token" : "this authorization code"
        var scopes = stored.scopes
        if kind == .refreshToken, let requested = form["scope"] {
            scopes = try Self.scopes(requested: requested, allowed: stored.scopes, holder: holder)
        }
        let audiences = try Self.audiences(resources: form.all("resource"), allowed: stored.audiences, whenNone: stored.audiences, holder: holder)
        return UserGrant(user: user, stored: stored, family: family, scopes: scopes, audiences: audiences)
    }

    /// Access token (+ refresh token when the client may refresh, + ID token when `openid` was granted) for a user.
    /// `commit` (spending the refresh token presented) runs after the access token is signed and the new refresh token
    /// stored, before the answer.
    private func userTokens(
        _ grant: UserGrant,
        client: ClientRecord,
        kind: GrantType,
        context: BasicRequestContext,
        commit: (() async throws(OAuthError) -> Void)? = nil
    ) async throws(OAuthError) -> Response {
        let user = grant.user
        let accessGrant = TokenMinter.Grant(
            subject: user.username,
            clientID: client.id,
            scopes: grant.scopes,
            audiences: grant.audiences,
            lifetime: lifetime(client),
            username: user.username
        )
        return try await issue(accessGrant, client: client, kind: kind, context: context) { accessToken async throws(OAuthError) in
            // Everything that can fail comes before `commit`: spending the presented refresh token is the last step.
            var extra: JSONObject = [:]
            if grant.scopes.contains("openid") {
                do {
                    extra["id_token"] = .string(
                        try minter.mintIDToken(
                            subject: user.username,
                            clientID: client.id,
                            authTime: grant.stored.authTime,
                            nonce: grant.stored.nonce,
                            accessToken: accessToken,
                            ring: keys.current,
                            now: clock.now
                        )
                    )
                } catch {
                    context.logger.error("cannot issue ID tokens", metadata: ["error": .string("\(error)")])
                    throw OAuthError(.serverError, "the issuer cannot sign ID tokens: \(error)")
                }
            }
            if client.grants.contains(.refreshToken) {
                do {
                    extra["refresh_token"] = .string(try await grants.issueRefreshToken(grant.stored, family: grant.family))
                } catch {
                    throw Self.storeUnavailable
                }
            }
            if let commit { try await commit() }
            return extra
        }
    }

    private static let storeUnavailable = OAuthError(
        .temporarilyUnavailable,
        "the grant store is unavailable; try again shortly",
        retryAfter: .seconds(1)
    )

    private func lifetime(_ client: ClientRecord) -> Duration {
        min(client.tokenTTL ?? configuration.tokenTTL, configuration.tokenTTL)
    }

    /// Signs the access token and answers RFC 6749 §5.1. `extras` (given the signed access token) adds the refresh and
    /// ID tokens; the token counts as issued only once it has run.
    private func issue(
        _ grant: TokenMinter.Grant,
        client: ClientRecord,
        kind: GrantType,
        context: BasicRequestContext,
        extras: (String) async throws(OAuthError) -> JSONObject = { _ in [:] }
    ) async throws(OAuthError) -> Response {
        let issued: TokenMinter.Issued
        do {
            issued = try minter.mint(grant, ring: keys.current, now: clock.now)
        } catch {
            context.logger.error("cannot issue tokens", metadata: ["error": .string(error.description)])
            throw OAuthError(.temporarilyUnavailable, "the issuer cannot sign tokens right now; try again shortly", retryAfter: .seconds(5))
        }
        var body: JSONObject = [
            "access_token": .string(issued.token),
            "token_type": "Bearer",
            "expires_in": .number(JSONNumber(issued.expiresIn.wholeSeconds())),
            "scope": .string(grant.scopes.joined(separator: " ")),
        ]
        for member in try await extras(issued.token) { body[member.name] = member.value }
        metrics.tokenIssued(algorithm: issued.algorithm)
        context.logger.info(
            "token issued",
            metadata: [
                "jot.client": .string(client.id), "jot.grant": .string(kind.rawValue), "jwt.sub": .string(grant.subject),
                "jwt.kid": .string(issued.keyID ?? "-"), "jwt.alg": .string(issued.algorithm.rawValue),
            ]
        )
        return JSONResponse.make(.ok, body, headers: [.cacheControl: "no-store"])
    }

    static var supportedGrants: String { GrantType.allCases.map(\.rawValue).joined(separator: ", ") }

    /// RFC 6749 §3.3: the requested scope narrows what `holder` (a client, a refresh token) has; none requested → all
    /// of it.
    static func scopes(requested: String?, allowed: [String], holder: String) throws(OAuthError) -> [String] {
        guard let requested else { return allowed }
        guard requested.contains(where: { $0 != " " }) else {
            throw OAuthError(.invalidScope, "scope has no scope token; leave it out to get all of \(holder)'s scopes (RFC 6749 §3.3)")
        }
        var result: [String] = []
        for token in requested.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            guard token.isScopeToken else {
                throw OAuthError(
                    .invalidScope,
                    "scope '\(FormParameters.quoted(token))' is not a scope token (printable ASCII except space, double quote and backslash)"
                )
            }
            guard allowed.contains(token) else {
                let list = allowed.isEmpty ? "none" : allowed.joined(separator: " ")
                throw OAuthError(.invalidScope, "\(holder) may not ask for scope '\(token)' (its scopes: \(list))")
            }
            if !result.contains(token) { result.append(token) }
        }
        return result
    }

    /// RFC 8707 §2: each `resource` must be one of `allowed` (what `holder`, a client or a grant, may have);
    /// `whenNone` when none is given.
    static func audiences(resources: [String], allowed: [String], whenNone: [String], holder: String) throws(OAuthError) -> [String] {
        guard !resources.isEmpty else { return whenNone }
        var result: [String] = []
        for resource in resources {
            if resource.contains("#") {
                throw OAuthError(.invalidTarget, "resource '\(FormParameters.quoted(resource))' has a fragment (RFC 8707 §2)")
            }
            guard allowed.contains(resource) else {
                throw OAuthError(
                    .invalidTarget,
                    "\(holder) may not ask for resource '\(FormParameters.quoted(resource))' (its audiences: \(allowed.joined(separator: " ")))"
                )
            }
            if !result.contains(resource) { result.append(resource) }
        }
        return result
    }

    // MARK: Introspection

    func introspect(_ request: Request, context: BasicRequestContext) async throws(OAuthError) -> Response {
        let form = try await Self.readForm(request, repeatable: [])
        _ = try await authenticate(request, form: form, allowPublic: false)
        guard let token = form["token"] else { throw OAuthError(.invalidRequest, "token is required (RFC 7662 §2.1)") }
        var body: JSONObject = ["active": false]
        if let claims = try await activeClaims(token) {
            body = claims
            body["active"] = true
            body["token_type"] = "Bearer"
        }
        return JSONResponse.make(.ok, body, headers: [.cacheControl: "no-store"])
    }

    /// The claims of `token` if it is an access token issued here, signed by a key still in the key set, valid now, and,
    /// when issued for a user, that user still exists; `nil` for anything else (RFC 7662 §2.2: never an error).
    func activeClaims(_ token: String) async throws(OAuthError) -> JSONObject? {
        guard let claims = signedClaims(token) else { return nil }
        guard let username = claims["username"]?.stringValue else { return claims }
        do {
            return try await users.user(named: username) == nil ? nil : claims
        } catch {
            throw OAuthError(.temporarilyUnavailable, "the user store is unavailable; try again shortly", retryAfter: .seconds(1))
        }
    }

    /// The claims of `token` if it is an access token issued here, signed by a key still in the key set, and valid now.
    func signedClaims(_ token: String) -> JSONObject? {
        let policy = ValidationPolicy(
            issuers: [configuration.issuer],
            leeway: .zero,
            requiredClaims: ["exp", "iat", "sub"],
            expectedType: "at+jwt"
        )
        guard let verified = try? keys.current.verificationKeys.verify(token, policy: policy, now: clock.now) else { return nil }
        return verified.claims.object
    }

    // MARK: Revocation

    /// RFC 7009: a refresh token (and its family) is revoked; an unknown or foreign token is answered 200 all the same.
    /// Access tokens are self-contained JWTs and cannot be revoked: `unsupported_token_type` tells the client that
    /// holds one so (another client learns nothing: 200, as for any token not its own).
    func revoke(_ request: Request, context: BasicRequestContext) async throws(OAuthError) -> Response {
        let form = try await Self.readForm(request, repeatable: [])
        let client = try await authenticate(request, form: form, allowPublic: true)
        guard let token = form["token"] else { throw OAuthError(.invalidRequest, "token is required (RFC 7009 §2.1)") }
        if let claims = signedClaims(token) {
            guard claims["client_id"]?.stringValue == client.id else { return Response(status: .ok, headers: [.cacheControl: "no-store"]) }
            throw OAuthError(
                .unsupportedTokenType,
                "access tokens are self-contained JWTs and stay valid until they expire; keep their lifetime short "
                    + "(--token-ttl), revoke the refresh token, or remove the signing key with `jot keys revoke`"
            )
        }
        do {
            if try await grants.revokeRefreshToken(token, clientID: client.id) {
                context.logger.info("refresh token revoked", metadata: ["jot.client": .string(client.id)])
            }
        } catch {
            throw Self.storeUnavailable
        }
        return Response(status: .ok, headers: [.cacheControl: "no-store"])
    }

    // MARK: UserInfo

    /// OpenID Connect Core §5.3: the signed-in user's claims, for an access token with the `openid` scope (GET or
    /// POST, the token in `Authorization: Bearer`). Refusals are RFC 6750 §3.1's: no error code when no token was sent.
    func userinfo(_ request: Request) async throws(OAuthError) -> Response {
        func refused(_ code: OAuthError.Code, _ description: String) -> OAuthError {
            var refusal = OAuthError(code, description)
            refusal.bearerChallenge =
                "Bearer realm=\"jot\", error=\"\(code.rawValue)\", error_description=\"\(UntrustedText.errorDescription(description))\""
            return refusal
        }
        guard let header = request.headers[.authorization], header.utf8.count > 7, header.prefix(7).lowercased() == "bearer " else {
            throw OAuthError.bearerRequired
        }
        guard let claims = try await activeClaims(String(header.dropFirst(7))) else {
            throw refused(.invalidToken, "the access token is invalid or expired")
        }
        let scopes = claims["scope"]?.stringValue?.split(separator: " ").map(String.init) ?? []
        guard scopes.contains("openid"), let subject = claims["sub"]?.stringValue, claims["username"] != nil else {
            throw refused(.insufficientScope, "the access token was not issued with the openid scope")
        }
        return JSONResponse.make(
            .ok,
            ["sub": .string(subject), "preferred_username": claims["username"] ?? .string(subject)],
            headers: [.cacheControl: "no-store"]
        )
    }

    // MARK: Shared

    /// Authenticates the client, throttling failures like failed logins. A public client identifies itself with
    /// `client_id` alone, where `allowPublic` (the token and revocation endpoints; PKCE protects its codes).
    func authenticate(_ request: Request, form: FormParameters, allowPublic: Bool = true) async throws(OAuthError) -> ClientRecord {
        let credentials = try ClientCredentials.read(headers: request.headers, form: form)
        if credentials.method == .none {
            let client: ClientRecord?
            do {
                client = try await clients.client(id: credentials.id)
            } catch {
                throw Self.storeUnavailable
            }
            guard let client, client.isPublic, allowPublic else {
                throw OAuthError(
                    .invalidClient,
                    "client authentication required: this client must send its secret (HTTP Basic or client_secret)"
                )
            }
            return client
        }
        let ticket: LoginThrottle.Ticket
        switch throttle.admit(username: "client " + credentials.id, address: ClientAddress.current, now: clock.now) {
        case .success(let admitted):
            ticket = admitted
        case .failure(let refusal):
            throw OAuthError(
                .temporarilyUnavailable,
                "too many failed client authentications for this address; retry in \(refusal.retryAfter.wholeSeconds()) s",
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
            throw OAuthError(.temporarilyUnavailable, "the client registry is unavailable; try again shortly", retryAfter: .seconds(1))
        }
        throttle.finished(ticket, succeeded: client != nil)
        guard let client else {
            throw OAuthError(.invalidClient, "client authentication failed: unknown client or wrong secret")
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
