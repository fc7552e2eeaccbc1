import Hummingbird
import JOSE
import Logging
import NIOCore
import ServerSupport

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /oauth/authorize` (RFC 6749 §4.1.1, OAuth 2.1 §4.1): the login page, the consent page and the redirect back
/// with a code.
///
/// An unknown client or a redirect URI that does not match is answered with an error page and never redirected; every
/// other error goes back to the client's redirect URI with `error`, `error_description`, `state` and `iss`. The login
/// uses the same user store, password checks and throttling as `POST /sessions`. Forms carry a CSRF token equal to the
/// `jot_csrf` cookie; a signed-in user has a `jot_session` cookie (both `HttpOnly`, `SameSite=Lax`, `Secure` when the
/// issuer is https). Trusted (first-party) clients skip the consent page.
struct AuthorizeController: Sendable {
    let configuration: IssuerConfiguration
    let clients: ClientRegistry
    let users: any UserStore
    let grants: GrantStore
    let throttle: LoginThrottle
    let passwordChecks: PasswordCheckLimit
    let metrics: IssuerMetrics
    let clock: any WallClock
    let pages: Pages
    let keys: KeyRingHolder

    static let sessionCookie = "jot_session"
    static let csrfCookie = "jot_csrf"
    static let maximumBodyBytes = 16 * 1024

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/oauth/authorize") { request, context in
            await page(context) { try await start(request, context: context) }
        }
        router.post("/oauth/authorize") { request, context in
            await page(context) { try await login(request, context: context) }
        }
        router.post("/oauth/authorize/consent") { request, context in
            await page(context) { try await consent(request, context: context) }
        }
    }

    /// Turns refusals into an error page or a redirect; a store failure into a 503 page.
    private func page(_ context: BasicRequestContext, _ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let refusal as AuthorizationRequest.Refusal {
            switch refusal {
            case .page(let message):
                metrics.oauthFailed(endpoint: "authorize", error: .invalidRequest)
                return pages.error(message)
            case .redirect(let code, let message, let redirectURI, let state):
                metrics.oauthFailed(endpoint: "authorize", error: code)
                return redirect(
                    AuthorizationRequest.redirect(
                        redirectURI,
                        [("error", code.rawValue), ("error_description", UntrustedText.errorDescription(message))],
                        state: state,
                        issuer: configuration.issuer
                    )
                )
            }
        } catch {
            context.logger.error("authorization request failed", metadata: ["error": .string("\(error)")])
            return pages.error(
                "The sign-in service cannot reach its database right now. Try again in a moment.",
                title: "Try again shortly",
                status: .serviceUnavailable
            )
        }
    }

    // MARK: Steps

    /// GET: validate, then the login page, the consent page, or straight back with a code.
    func start(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let form: FormParameters
        do {
            // Repetition is checked by `validate`: a repeated `state` goes back to a trusted redirect URI as
            // invalid_request (RFC 6749 §4.1.2.1); only a repeated client_id or redirect_uri gets the error page.
            form = try FormParameters(Array((request.uri.query ?? "").utf8), repeatable: Set(AuthorizationRequest.parameters))
        } catch {
            throw AuthorizationRequest.Refusal.page("The request's parameters are malformed: \(error).")
        }
        let authorization = try await validate(form)
        let csrf = request.cookies[Self.csrfCookie]?.value ?? GrantStore.randomValue()
        if let session = try await currentSession(request), form["prompt"] != "login" {
            if authorization.client.trusted && form["prompt"] != "consent" {
                return try await approve(authorization, username: session.username, authTime: session.authTime)
            }
            if authorization.promptNone {
                // OpenID Connect Core §3.1.2.1: prompt=none shows no page at all.
                throw authorization.refusal(.consentRequired, "the user must approve this application first; send them without prompt=none")
            }
            return consentPage(authorization, username: session.username, csrf: csrf)
        }
        if authorization.promptNone {
            throw authorization.refusal(.loginRequired, "the user is not signed in")
        }
        return loginPage(authorization, csrf: csrf, username: "", error: nil)
    }

    /// POST /oauth/authorize: the login form.
    func login(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let form = try await readForm(request)
        let authorization = try await validate(form)
        let csrf = try checkCSRF(request, form: form)
        let username = form["username"] ?? ""
        let password = form["password"] ?? ""
        guard !username.isEmpty, !password.isEmpty else {
            return loginPage(authorization, csrf: csrf, username: username, error: "Enter your username and password.", status: .badRequest)
        }
        let ticket: LoginThrottle.Ticket
        switch throttle.admit(username: username, address: ClientAddress.current, now: clock.now) {
        case .success(let admitted):
            ticket = admitted
        case .failure(let refusal):
            metrics.loginFailed(reason: "throttled_\(refusal.scope.rawValue)")
            return loginPage(
                authorization,
                csrf: csrf,
                username: username,
                error: refusal.scope == .inFlight
                    ? "Too many sign-ins in progress from your address. Wait a second and try again."
                    : "Too many failed sign-ins. Wait \(refusal.retryAfter.wholeSeconds()) seconds and try again.",
                status: .tooManyRequests
            )
        }
        let started = ContinuousClock.now
        let checked: UserRecord??
        do {
            checked = try await passwordChecks.run { try await users.authenticate(username: username, password: password) }
        } catch {
            throttle.finished(ticket, succeeded: false)
            throw error
        }
        throttle.finished(ticket, succeeded: (checked ?? nil) != nil)
        guard let checked else {
            return loginPage(
                authorization,
                csrf: csrf,
                username: username,
                error: "Too many sign-ins in progress. Try again in a second.",
                status: .serviceUnavailable
            )
        }
        guard let user = checked else {
            let left = PasswordHasher.failureFloor - (ContinuousClock.now - started)
            if left > .zero { try? await Task.sleep(for: left) }
            metrics.loginFailed(reason: "invalid_credentials")
            return loginPage(authorization, csrf: csrf, username: username, error: "Wrong username or password.", status: .unauthorized)
        }
        let session = try await grants.startSession(username: user.username)
        let authTime = Int(clock.now.timeIntervalSince1970)
        var response =
            authorization.client.trusted
            ? try await approve(authorization, username: user.username, authTime: authTime)
            : consentPage(authorization, username: user.username, csrf: csrf)
        response.setCookie(cookie(Self.sessionCookie, session, maxAge: grants.lifetimes.session.wholeSeconds()))
        return response
    }

    /// POST /oauth/authorize/consent: allow or deny.
    func consent(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let form = try await readForm(request)
        let authorization = try await validate(form)
        let csrf = try checkCSRF(request, form: form)
        guard let session = try await currentSession(request) else {
            return loginPage(authorization, csrf: csrf, username: "", error: "Your sign-in has expired. Sign in again.", status: .unauthorized)
        }
        guard form["decision"] == "allow" else {
            metrics.oauthFailed(endpoint: "authorize", error: .accessDenied)
            return redirect(
                AuthorizationRequest.redirect(
                    authorization.redirectURI,
                    [("error", "access_denied"), ("error_description", "the user declined")],
                    state: authorization.state,
                    issuer: configuration.issuer
                )
            )
        }
        return try await approve(authorization, username: session.username, authTime: session.authTime)
    }

    // MARK: Helpers

    /// The request, validated; `openid` is refused before any page while the key set has no asymmetric key to sign ID
    /// tokens (an issuer on a shared HMAC secret alone), rather than failing at the token endpoint after the code.
    func validate(_ form: FormParameters) async throws -> AuthorizationRequest {
        let authorization = try await AuthorizationRequest.validate(form, clients: clients, defaultAudience: configuration.defaultAudience)
        if authorization.scopes.contains("openid"), TokenMinter.idTokenAlgorithms(keys.current).isEmpty {
            throw authorization.refusal(
                .invalidScope,
                "openid is not available: this issuer has no asymmetric key to sign ID tokens (`jot keys init --alg ES256`)"
            )
        }
        return authorization
    }

    /// A code for the request, and the redirect that delivers it.
    func approve(_ authorization: AuthorizationRequest, username: String, authTime: Int) async throws -> Response {
        guard let user = try await users.user(named: username) else {
            throw authorization.refusal(.accessDenied, "the user no longer exists")
        }
        let code = try await grants.issueCode(
            GrantStore.Authorization(
                clientID: authorization.client.id,
                username: username,
                scopes: Self.granted(authorization.scopes, user: user),
                audiences: authorization.audiences,
                authTime: authTime,
                redirectURI: authorization.redirectURI,
                codeChallenge: authorization.codeChallenge,
                nonce: authorization.nonce
            )
        )
        return redirect(
            AuthorizationRequest.redirect(authorization.redirectURI, [("code", code)], state: authorization.state, issuer: configuration.issuer)
        )
    }

    func currentSession(_ request: Request) async throws -> (username: String, authTime: Int)? {
        guard let value = request.cookies[Self.sessionCookie]?.value else { return nil }
        return try await grants.session(value)
    }

    func loginPage(
        _ authorization: AuthorizationRequest,
        csrf: String,
        username: String,
        error: String?,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        var response = pages.render(
            "login",
            [
                "title": "Sign in", "client": authorization.client.id, "action": "/oauth/authorize", "username": username,
                "error": error as Any, "fields": hiddenFields(authorization, csrf: csrf),
            ],
            status: status,
            formTarget: Self.origin(of: authorization.redirectURI)
        )
        response.setCookie(cookie(Self.csrfCookie, csrf, maxAge: nil))
        return response
    }

    func consentPage(_ authorization: AuthorizationRequest, username: String, csrf: String) -> Response {
        var response = pages.render(
            "consent",
            [
                "title": "Allow access", "client": authorization.client.id, "username": username, "action": "/oauth/authorize/consent",
                "scopes": authorization.scopes.map(Self.describe), "fields": hiddenFields(authorization, csrf: csrf),
            ],
            formTarget: Self.origin(of: authorization.redirectURI)
        )
        response.setCookie(cookie(Self.csrfCookie, csrf, maxAge: nil))
        return response
    }

    func hiddenFields(_ authorization: AuthorizationRequest, csrf: String) -> [[String: String]] {
        (authorization.fields + [("csrf", csrf)]).map { ["name": $0.name, "value": $0.value] }
    }

    /// Protocol scopes any user may grant; every other scope only if the user has it (`jot users add --scopes`).
    static let protocolScopes: Set<String> = ["openid", "offline_access"]

    /// The requested scopes the user can grant.
    static func granted(_ requested: [String], user: UserRecord) -> [String] {
        requested.filter { protocolScopes.contains($0) || user.scopes.contains($0) }
    }

    /// The scope in words for the consent page.
    static func describe(_ scope: String) -> String {
        switch scope {
        case "openid": "confirm who you are (your username)"
        case "offline_access": "stay signed in after you close the page"
        default: "use ‘\(scope)’"
        }
    }

    /// A form's CSRF token must equal the `jot_csrf` cookie (compared in constant time).
    func checkCSRF(_ request: Request, form: FormParameters) throws -> String {
        guard let cookie = request.cookies[Self.csrfCookie]?.value, let field = form["csrf"], ConstantTime.equal(cookie.utf8, field.utf8) else {
            throw AuthorizationRequest.Refusal.page(
                "This form has expired or did not come from this sign-in page (its CSRF token does not match). Start again from the application."
            )
        }
        return cookie
    }

    func readForm(_ request: Request) async throws -> FormParameters {
        guard let type = request.headers[.contentType], OAuthController.isFormURLEncoded(type) else {
            throw AuthorizationRequest.Refusal.page("The form was not sent as a form (application/x-www-form-urlencoded).")
        }
        var request = request
        guard let body = try? await request.collectBody(upTo: Self.maximumBodyBytes) else {
            throw AuthorizationRequest.Refusal.page("The form is larger than \(Self.maximumBodyBytes) bytes.")
        }
        do {
            return try FormParameters(body.readableBytesView, repeatable: ["resource"])
        } catch {
            throw AuthorizationRequest.Refusal.page("The form is malformed: \(error).")
        }
    }

    func cookie(_ name: String, _ value: String, maxAge: Int?) -> Cookie {
        Cookie(
            name: name,
            value: value,
            maxAge: maxAge,
            path: "/oauth/authorize",
            secure: configuration.issuer.hasPrefix("https://"),
            httpOnly: true,
            sameSite: .lax
        )
    }

    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// The CSP source of a redirect URI: its origin, or its scheme for a private-use scheme.
    static func origin(of uri: String) -> String? {
        guard let components = URLComponents(string: uri), let scheme = components.scheme else { return nil }
        guard let host = components.host, !host.isEmpty else { return scheme + ":" }
        return "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")"
    }
}
