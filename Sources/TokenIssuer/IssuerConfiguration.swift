public import JOSE

/// Settings of `jot serve`. Every value has a flag and an environment variable in the CLI.
public struct IssuerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The `iss` of issued tokens and the base of the discovery document's URLs (no trailing slash).
    public var issuer: String
    /// Audiences a login token may be issued for; a login may ask for some, otherwise the token carries the first
    /// (``defaultAudience``) only. Clients have their own audiences (``ClientRecord/audiences``).
    public var audiences: [String]
    /// Token lifetime (the documented 5 minutes by default); `exp` is `iat` plus this, in whole seconds.
    public var tokenTTL: Duration
    /// The algorithm tokens are signed with.
    public var algorithm: JWSAlgorithm
    /// `Cache-Control: max-age` of the JWKS (whole seconds, rounded down), and the least time a next key is published
    /// before it may sign.
    public var jwksMaxAge: Duration
    /// The `client_id` claim of issued tokens (RFC 9068 §2.2).
    public var clientID: String
    /// Largest accepted `POST /sessions` body.
    public var maxLoginBodyBytes: Int

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        issuer: String = "http://127.0.0.1:8080",
        audiences: [String] = ["jot"],
        tokenTTL: Duration = .seconds(300),
        algorithm: JWSAlgorithm = .ES256,
        jwksMaxAge: Duration = .seconds(300),
        clientID: String = "jot",
        maxLoginBodyBytes: Int = 8 * 1024
    ) {
        self.host = host
        self.port = port
        // Exactly as given: verifiers compare `iss` byte for byte with what their operator typed (RFC 7519 §4.1.1), and
        // some issuers end in '/' (RFC 8414 §3.1 allows it). Endpoints are built on ``endpointBase``.
        self.issuer = issuer
        self.audiences = audiences
        self.tokenTTL = tokenTTL
        self.algorithm = algorithm
        self.jwksMaxAge = jwksMaxAge
        self.clientID = clientID
        self.maxLoginBodyBytes = maxLoginBodyBytes
    }

    /// The audience of a token when none is asked for: the first of ``audiences``.
    public var defaultAudience: String { audiences.first ?? "jot" }

    /// The issuer without a trailing '/' (RFC 8414 §3.1 removes it before `/.well-known/`): endpoint URLs start here.
    public var endpointBase: String { issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer }

    public var jwksURI: String { endpointBase + "/.well-known/jwks.json" }
    /// RFC 6749 §3.2 token endpoint.
    public var tokenEndpoint: String { endpointBase + "/oauth/token" }
    /// RFC 7662 introspection endpoint.
    public var introspectionEndpoint: String { endpointBase + "/oauth/introspect" }
    /// The password login of the documented flow.
    public var sessionsEndpoint: String { endpointBase + "/sessions" }
}
