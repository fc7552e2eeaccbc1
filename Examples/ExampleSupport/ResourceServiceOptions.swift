public import ArgumentParser
public import ServerSupport

/// The flags shared by the resource services (`pangolin-service`, `photo-service`).
public struct ResourceServiceOptions: ParsableArguments {
    @Option(help: "The issuer whose tokens are accepted (their exact 'iss').")
    public var issuer = "http://127.0.0.1:8080"

    @Option(
        name: .customLong("jwks-url"),
        help: "The issuer's JWKS URL (default: the jwks_uri of <issuer>/.well-known/openid-configuration)."
    )
    public var jwksURL: String?

    @Option(help: "The audience tokens must carry in 'aud' (default: the service's name).")
    public var audience: String?

    @Option(help: "Clock-skew leeway for exp, nbf and iat, in seconds.")
    public var leeway = 30

    @Option(help: "Port to listen on (default: 8081 for pangolin-service, 8082 for photo-service; 0 picks a free one).")
    public var port: Int?

    @Option(help: "Address to bind.")
    public var host = "127.0.0.1"

    @Option(name: .customLong("token-type"), help: "The 'typ' header tokens must have (RFC 9068 access tokens: at+jwt).")
    public var tokenType = "at+jwt"

    @Flag(name: .customLong("any-token-type"), help: "Accept tokens whatever their 'typ' header.")
    public var anyTokenType = false

    @Flag(
        name: .customLong("allow-insecure-http"),
        help: "Fetch keys over plain http from non-loopback hosts. Insecure: anyone on the path could swap the keys."
    )
    public var allowInsecureHTTP = false

    @Option(
        name: .customLong("jwks-ca-file"),
        help: ArgumentHelp(
            "Trust only the CA certificates of this PEM bundle for the issuer's https URLs (default: the system's roots).",
            valueName: "file"
        )
    )
    public var jwksCAFile: String?

    @Option(
        name: .customLong("token-cache"),
        help: ArgumentHelp(
            "Remember up to N verified tokens, so a repeated token skips the signature check (0: off).",
            valueName: "N"
        )
    )
    public var tokenCache = 0

    @Option(
        name: .customLong("token-cache-ttl"),
        help: ArgumentHelp("Longest time a cached verification is trusted, in seconds (never past the token's exp).", valueName: "seconds")
    )
    public var tokenCacheTTL = 60

    @Option(
        name: .customLong("jwks-cache-dir"),
        help: ArgumentHelp(
            "Save each good JWKS here (atomically) and, when restarted while the issuer is down, verify with the saved keys "
                + "for the stale window they had anyway (never beyond it).",
            valueName: "DIR"
        )
    )
    public var jwksCacheDir: String?

    @Option(
        name: .customLong("secret-env"),
        help: ArgumentHelp(
            "Verify HS256 tokens with the shared secret in this environment variable (e.g. JWT_SECRET) instead of the JWKS.",
            valueName: "NAME"
        )
    )
    public var secretEnv: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    public var logLevel = "info"

    @OptionGroup public var limits: ServerLimitsOptions
    @OptionGroup public var tls: ServerTLSOptions

    public init() {}

    public func validate() throws {
        do {
            _ = try OperatorInput.within(leeway, OperatorInput.leewayRange, flag: "--leeway", unit: " seconds")
            if let port { _ = try OperatorInput.port(port) }
            if let audience { _ = try OperatorInput.audiences([audience]) }
            _ = try OperatorInput.issuer(issuer)
        } catch {
            throw ValidationError(error.description)
        }
        guard tokenCache >= 0, tokenCache <= 10_000_000 else { throw ValidationError("--token-cache must be 0 to 10000000 entries") }
        guard tokenCacheTTL > 0, tokenCacheTTL <= 3600 else { throw ValidationError("--token-cache-ttl must be 1 to 3600 seconds") }
        if secretEnv != nil, jwksURL != nil {
            throw ValidationError("--secret-env and --jwks-url exclude each other: a shared secret is never in a JWKS")
        }
        if secretEnv != nil, jwksCacheDir != nil {
            throw ValidationError("--secret-env and --jwks-cache-dir exclude each other: a shared secret is never fetched or saved")
        }
    }
}
