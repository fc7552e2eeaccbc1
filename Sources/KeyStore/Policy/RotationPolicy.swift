/// The timing rules that make a rotation safe for every verifier.
///
/// - `jwksMaxAge`: how long a verifier may cache the JWKS (the issuer's `Cache-Control: max-age`). A `next` key must
///   have been published at least this long before it signs, or a verifier with a cached JWKS would not know it.
/// - `maxTokenLifetime` + `leeway`: how long a token signed just before a rotation stays acceptable.
///
/// A `previous` key may be removed once `maxTokenLifetime + leeway + jwksMaxAge` have passed since it stopped signing.
/// Negative durations count as zero.
public struct RotationPolicy: Sendable, Hashable {
    public var jwksMaxAge: Duration
    public var maxTokenLifetime: Duration
    public var leeway: Duration

    public init(jwksMaxAge: Duration = .seconds(300), maxTokenLifetime: Duration = .seconds(300), leeway: Duration = .seconds(30)) {
        self.jwksMaxAge = jwksMaxAge
        self.maxTokenLifetime = maxTokenLifetime
        self.leeway = leeway
    }

    /// How long a `next` key must have been published before it may become `current`.
    public var publicationLead: Duration { Self.clamped(jwksMaxAge) }

    /// How long a `previous` key stays after it stopped signing: `maxTokenLifetime + leeway + jwksMaxAge`.
    public var retention: Duration { Self.clamped(maxTokenLifetime) + Self.clamped(leeway) + Self.clamped(jwksMaxAge) }

    private static func clamped(_ duration: Duration) -> Duration { duration < .zero ? .zero : duration }
}
