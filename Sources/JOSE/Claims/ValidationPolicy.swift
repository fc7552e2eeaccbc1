#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What a verifier requires of a token beyond a valid signature (RFC 7519 §4.1, RFC 8725 §3, RFC 9068 §4).
///
/// Time is never read from a clock here: callers pass `now`. The defaults require `exp`, allow 30 s of clock skew,
/// and check `iss`/`aud`/`typ` only when configured.
public struct ValidationPolicy: Sendable {
    /// Accepted `iss` values (exact match); `nil` does not check the issuer.
    public var issuers: Set<String>?
    /// Accepted audiences: the token's `aud` must contain one of them; `nil` does not check the audience.
    public var audiences: Set<String>?
    /// Clock-skew allowance for `exp`, `nbf` and `iat` (negative counts as zero).
    public var leeway: Duration {
        didSet { leewaySeconds = Self.seconds(leeway) }
    }
    /// Claims that must be present. `exp` by default.
    public var requiredClaims: Set<String>
    /// The expected `typ` header (for example `at+jwt`, RFC 9068); `nil` does not check it.
    public var expectedType: String?
    /// Algorithms accepted at all; `nil` accepts any algorithm a key is bound to.
    public var allowedAlgorithms: Set<JWSAlgorithm>?
    /// Maximum age since `iat`; `nil` does not limit it.
    public var maxTokenAge: Duration? {
        didSet { maxTokenAgeSeconds = maxTokenAge?.inSeconds }
    }
    /// Longest token accepted, in bytes, checked before any parsing.
    public var maxTokenLength: Int
    /// Header parameters that may be listed in `crit`.
    public var understoodCriticalHeaders: Set<String>
    /// ``leeway`` and ``maxTokenAge`` in seconds, converted once rather than for every token.
    private var leewaySeconds: Double
    private var maxTokenAgeSeconds: Double?

    public init(
        issuers: Set<String>? = nil,
        audiences: Set<String>? = nil,
        leeway: Duration = .seconds(30),
        requiredClaims: Set<String> = ["exp"],
        expectedType: String? = nil,
        allowedAlgorithms: Set<JWSAlgorithm>? = nil,
        maxTokenAge: Duration? = nil,
        maxTokenLength: Int = CompactJWS.defaultMaxLength,
        understoodCriticalHeaders: Set<String> = []
    ) {
        self.issuers = issuers
        self.audiences = audiences
        self.leeway = max(.zero, leeway)
        self.leewaySeconds = Self.seconds(leeway)
        self.requiredClaims = requiredClaims
        self.expectedType = expectedType
        self.allowedAlgorithms = allowedAlgorithms
        self.maxTokenAge = maxTokenAge
        self.maxTokenAgeSeconds = maxTokenAge?.inSeconds
        self.maxTokenLength = maxTokenLength
        self.understoodCriticalHeaders = understoodCriticalHeaders
    }

    private static func seconds(_ leeway: Duration) -> Double { max(0, leeway.inSeconds) }

    /// A whole number of seconds for an error, saturated: a `now` far from the token's times (a caller's `--now 1e300`)
    /// must not trap.
    private static func whole(_ seconds: Double) -> Int {
        guard seconds.isFinite else { return seconds > 0 ? .max : .min }
        if seconds >= Double(Int.max) { return .max }
        if seconds <= Double(Int.min) { return .min }
        return Int(seconds)
    }

    /// The leeway as errors report it: whole seconds, rounded down.
    private var reportedLeeway: Int { max(.zero, leeway).wholeSeconds() }

    /// Checks the header parts of the policy (allowed algorithms, `typ`); cheap, done before cryptography.
    public func validate(header: JWSHeader) throws {
        if let allowedAlgorithms, !allowedAlgorithms.contains(header.algorithm) {
            throw JOSEError.algorithmNotAllowed(header.algorithm, allowed: Array(allowedAlgorithms))
        }
        if let expectedType, !header.hasType(expectedType) {
            throw TokenValidationError.typeMismatch(expected: expectedType, actual: header.type)
        }
    }

    /// Whether `set` holds `value` byte for byte (RFC 7519 §2: no canonicalisation; a hashed lookup alone would take
    /// `\u{212A}api` for `Kapi`). A hit of the hashed lookup is the only candidate: the set cannot hold two
    /// canonically equivalent strings.
    @inline(__always)
    private static func contains(_ set: Set<String>, _ value: String) -> Bool {
        if set.count <= 4 { return set.contains { $0.isExactly(value) } }
        guard let index = set.firstIndex(of: value) else { return false }
        return set[index].isExactly(value)
    }

    /// Checks the claims against the policy at time `now`.
    public func validate(claims: JWTClaims, now: Date) throws(TokenValidationError) {
        let now = now.timeIntervalSince1970
        let leeway = leewaySeconds
        // The first missing claim in name order is reported (without sorting the set for every token).
        var missing: String? = nil
        for name in requiredClaims where claims.object[name] == nil {
            if let current = missing, current < name { continue }
            missing = name
        }
        if let missing { throw .missingClaim(missing) }
        if let exp = claims.expiresAt, now >= exp + leeway {
            throw .expired(secondsAgo: Self.whole((now - exp).rounded(.down)), leeway: reportedLeeway)
        }
        if let nbf = claims.notBefore, now + leeway < nbf {
            throw .notYetValid(inSeconds: Self.whole((nbf - now).rounded(.up)), leeway: reportedLeeway)
        }
        if let iat = claims.issuedAt {
            if now + leeway < iat {
                throw .issuedInFuture(inSeconds: Self.whole((iat - now).rounded(.up)), leeway: reportedLeeway)
            }
            if let maxTokenAge, let maxTokenAgeSeconds, now - iat > maxTokenAgeSeconds + leeway {
                throw .tooOld(ageSeconds: Self.whole((now - iat).rounded(.down)), maxAge: maxTokenAge.wholeSeconds())
            }
        } else if maxTokenAgeSeconds != nil {
            throw .missingClaim("iat")
        }
        if let issuers {
            guard let issuer = claims.issuer else { throw .missingClaim("iss") }
            guard Self.contains(issuers, issuer) else { throw .issuerMismatch(expected: issuers.sorted(), actual: issuer) }
        }
        if let audiences {
            guard let audience = claims.audience else { throw .missingClaim("aud") }
            guard audience.contains(where: { Self.contains(audiences, $0) }) else {
                throw .audienceMismatch(expected: audiences.sorted(), actual: audience)
            }
        }
    }
}
