#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A registered OAuth client as the issuer sees it (RFC 6749 §2). The client id is its name.
///
/// Secret hashes are deliberately not part of this type: they never leave the ``ClientRegistry``.
public struct ClientRecord: Sendable, Hashable {
    /// The `client_id`, also the `sub` of its client-credentials tokens.
    public var id: String
    /// The scopes the client may ask for; a token request without `scope` gets all of them.
    public var scopes: [String]
    /// The audiences (RFC 8707 resources) the client may ask for; the first is its default. Empty: the issuer's
    /// default audience.
    public var audiences: [String]
    /// The grants the client may use at the token endpoint.
    public var grants: [GrantType]
    /// Its tokens' lifetime, when shorter than the server's `--token-ttl` (whole seconds).
    public var tokenTTL: Duration?
    public var createdAt: Date
    /// Until when the secret replaced by the last `rotate-secret` is still accepted (`nil`: no old secret).
    public var previousSecretExpiresAt: Date?
    /// Where the authorization endpoint may send the user back (matched exactly; loopback http: any port).
    public var redirectURIs: [String]
    /// A public client has no secret; it identifies itself with `client_id` and must use PKCE.
    public var isPublic: Bool
    /// A first-party client: its users are not asked for consent.
    public var trusted: Bool

    public init(
        id: String,
        scopes: [String],
        audiences: [String],
        grants: [GrantType],
        tokenTTL: Duration? = nil,
        createdAt: Date,
        previousSecretExpiresAt: Date? = nil,
        redirectURIs: [String] = [],
        isPublic: Bool = false,
        trusted: Bool = false
    ) {
        self.id = id
        self.scopes = scopes
        self.audiences = audiences
        self.grants = grants
        self.tokenTTL = tokenTTL
        self.createdAt = createdAt
        self.previousSecretExpiresAt = previousSecretExpiresAt
        self.redirectURIs = redirectURIs
        self.isPublic = isPublic
        self.trusted = trusted
    }

    /// The scopes as one RFC 6749 §3.3 `scope` value.
    public var scope: String { scopes.joined(separator: " ") }

    /// The audiences the client may ask for: its own, or the issuer's `defaultAudience` when it has none.
    public func audiences(defaultAudience: String) -> [String] { audiences.isEmpty ? [defaultAudience] : audiences }
}

/// An OAuth grant type (RFC 6749 §4) a client may be allowed to use.
public enum GrantType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case clientCredentials = "client_credentials"
    case authorizationCode = "authorization_code"
    case refreshToken = "refresh_token"

    public var description: String { rawValue }
}
