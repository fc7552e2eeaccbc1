/// A validated authorization request (RFC 6749 §4.1.1 with OAuth 2.1's rules): the client, where to send the answer,
/// what is asked for, and the PKCE challenge. Parsed again from the hidden fields of every page the user submits, so a
/// tampered field is checked as strictly as the original query.
struct AuthorizationRequest: Sendable, Hashable {
    let client: ClientRecord
    let redirectURI: String
    let scopes: [String]
    let audiences: [String]
    let state: String?
    let codeChallenge: String
    let nonce: String?
    let promptNone: Bool

    /// Why a request is refused: either shown on an error page (never redirected: the client or redirect URI cannot be
    /// trusted), or sent back to the client's redirect URI (RFC 6749 §4.1.2.1).
    enum Refusal: Error, Sendable, Hashable {
        case page(String)
        case redirect(OAuthError.Code, String, redirectURI: String, state: String?)
    }

    /// A refusal sent back to this request's redirect URI with its state.
    func refusal(_ code: OAuthError.Code, _ message: String) -> Refusal {
        .redirect(code, message, redirectURI: redirectURI, state: state)
    }

    /// The parameters an authorization request carries from page to page.
    static let parameters = [
        "response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method", "nonce", "resource", "prompt",
    ]

    /// Longest accepted `state` and `nonce`.
    static let maximumOpaqueLength = 512

    /// Validates the parameters; `defaultAudience` is the issuer's, for clients that have none of their own.
    static func validate(_ form: FormParameters, clients: ClientRegistry, defaultAudience: String) async throws -> AuthorizationRequest {
        for name in ["client_id", "redirect_uri"] where form.all(name).count > 1 {
            throw Refusal.page("The request gives \(name) more than once: the application that sent you here is misconfigured.")
        }
        guard let clientID = form["client_id"] else {
            throw Refusal.page("The request has no client_id: the application that sent you here is misconfigured.")
        }
        guard ClientRegistry.isValid(id: clientID), let client = try await clients.client(id: clientID) else {
            throw Refusal.page("No application named '\(FormParameters.quoted(clientID))' is registered with this sign-in service.")
        }
        let redirectURI: String
        if let presented = form["redirect_uri"] {
            guard RedirectURI.matches(presented, registered: client.redirectURIs) else {
                throw Refusal.page("The redirect URI is not one registered for \(client.id); this sign-in service will not send you there.")
            }
            redirectURI = presented
        } else if client.redirectURIs.count == 1 {
            redirectURI = client.redirectURIs[0]
        } else {
            throw Refusal.page(
                "The request has no redirect_uri, and \(client.id) has \(client.redirectURIs.isEmpty ? "none" : "several") registered."
            )
        }
        let state = form["state"]
        for name in parameters where name != "resource" && form.all(name).count > 1 {
            throw Refusal.redirect(
                .invalidRequest,
                "parameter '\(name)' is given more than once (RFC 6749 §3.1)",
                redirectURI: redirectURI,
                state: nil
            )
        }
        func refuse(_ code: OAuthError.Code, _ message: String) -> Refusal {
            .redirect(code, message, redirectURI: redirectURI, state: state)
        }
        if let state, state.utf8.count > maximumOpaqueLength {
            // Not echoed: a redirect carrying it would be as long (proxies refuse long Location headers).
            throw Refusal.redirect(.invalidRequest, "state is longer than \(maximumOpaqueLength) bytes", redirectURI: redirectURI, state: nil)
        }
        guard client.grants.contains(.authorizationCode) else {
            throw refuse(.unauthorizedClient, "client \(client.id) may not use the authorization code grant")
        }
        guard let responseType = form["response_type"] else { throw refuse(.invalidRequest, "response_type is required") }
        guard responseType == "code" else {
            throw refuse(.unsupportedResponseType, "response_type '\(FormParameters.quoted(responseType))' is not supported; use code")
        }
        guard let challenge = form["code_challenge"] else {
            throw refuse(.invalidRequest, "code_challenge is required (PKCE, RFC 7636; OAuth 2.1 requires it)")
        }
        guard form["code_challenge_method"] == "S256" else {
            throw refuse(.invalidRequest, "code_challenge_method must be S256 (plain is not accepted)")
        }
        guard PKCE.isChallenge(challenge) else { throw refuse(.invalidRequest, "code_challenge must be 43 base64url characters (S256)") }
        let nonce = form["nonce"]
        if let nonce, nonce.utf8.count > maximumOpaqueLength { throw refuse(.invalidRequest, "nonce is longer than \(maximumOpaqueLength) bytes") }
        let scopes: [String]
        do {
            scopes = try OAuthController.scopes(requested: form["scope"], allowed: client.scopes, holder: "client '\(client.id)'")
        } catch {
            throw refuse(.invalidScope, error.message)
        }
        let allowed = client.audiences(defaultAudience: defaultAudience)
        let audiences: [String]
        do {
            audiences = try OAuthController.audiences(
                resources: form.all("resource"),
                allowed: allowed,
                whenNone: [allowed[0]],
                holder: "client '\(client.id)'"
            )
        } catch {
            throw refuse(error.code, error.message)
        }
        let prompt = form["prompt"]
        if let prompt, prompt != "none", prompt != "login", prompt != "consent" {
            throw refuse(.invalidRequest, "prompt '\(FormParameters.quoted(prompt))' is not supported (none, login, consent)")
        }
        return AuthorizationRequest(
            client: client,
            redirectURI: redirectURI,
            scopes: scopes,
            audiences: audiences,
            state: state,
            codeChallenge: challenge,
            nonce: nonce,
            promptNone: prompt == "none"
        )
    }

    /// The hidden fields that carry this request through the login and consent forms.
    var fields: [(name: String, value: String)] {
        var fields: [(String, String)] = [
            ("response_type", "code"), ("client_id", client.id), ("redirect_uri", redirectURI), ("code_challenge", codeChallenge),
            ("code_challenge_method", "S256"), ("scope", scopes.joined(separator: " ")),
        ]
        if let state { fields.append(("state", state)) }
        if let nonce { fields.append(("nonce", nonce)) }
        for audience in audiences { fields.append(("resource", audience)) }
        return fields
    }

    /// `redirect_uri` with `parameters` added to its query, form-encoded, with `state` and `iss` (RFC 9207).
    static func redirect(_ redirectURI: String, _ parameters: [(String, String)], state: String?, issuer: String) -> String {
        var all = parameters
        if let state { all.append(("state", state)) }
        all.append(("iss", issuer))
        let query = all.map { "\(FormParameters.encode($0.0))=\(FormParameters.encode($0.1))" }.joined(separator: "&")
        return redirectURI + (redirectURI.contains("?") ? "&" : "?") + query
    }
}
