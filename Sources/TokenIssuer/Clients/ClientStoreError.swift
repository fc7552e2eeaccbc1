import JOSE

/// Why a ``ClientRegistry`` operation failed. Descriptions name the problem and the fix; they never contain a secret
/// or a hash, and caller-supplied values are quoted with control characters escaped.
public enum ClientStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    case clientExists(String)
    case clientNotFound(String)
    case invalidClientID(String)
    case invalidScope(String)
    case invalidAudience(String)
    case invalidSecret(SecretProblem)
    case invalidTokenTTL(Duration)
    case noGrants
    case invalidRedirectURI(String, String)
    case redirectURIRequired
    case publicClientCredentials
    case publicClientSecret(String)
    /// The store could not be read or written.
    case database(location: String, operation: String, detail: String)

    /// What is wrong with a supplied secret.
    public enum SecretProblem: Sendable, Hashable, CustomStringConvertible {
        case tooShort(bytes: Int)
        case tooLong(bytes: Int)
        case controlOrSpace

        public var description: String {
            switch self {
            case .tooShort(let bytes):
                "it is \(bytes) bytes long; a client secret must be at least \(ClientSecret.minimumLength) bytes "
                    + "(use --generate-secret for a 256-bit one)"
            case .tooLong(let bytes): "it is \(bytes) bytes long; the limit is \(ClientSecret.maximumLength)"
            case .controlOrSpace: "it contains a space or a control character"
            }
        }
    }

    public var description: String {
        switch self {
        case .clientExists(let id):
            "client \(UserStoreError.quoted(id)) already exists: pick another name, or remove the existing client first"
        case .clientNotFound(let id):
            "no client named \(UserStoreError.quoted(id)): client ids are case-sensitive; `jot clients list` shows them"
        case .invalidClientID(let id):
            "invalid client id \(UserStoreError.quoted(id)): use 1–\(ClientRegistry.maximumIDLength) letters, digits, "
                + "'.', '_', '-' or '~'"
        case .invalidScope(let scope):
            "invalid scope \(UserStoreError.quoted(scope)): a scope is a non-empty token of printable ASCII characters other "
                + "than space, '\"' and '\\' (RFC 6749 §3.3)"
        case .invalidAudience(let audience):
            "invalid audience \(UserStoreError.quoted(audience, limit: 200)): an audience is 1–200 printable ASCII characters "
                + "without spaces, usually the resource service's URL (RFC 8707)"
        case .invalidSecret(let problem): "invalid client secret: \(problem)"
        case .invalidTokenTTL(let ttl):
            "invalid token lifetime \(ttl.isWholeSeconds ? "\(ttl.wholeSeconds())" : "\(ttl.inSeconds)") s: give 1 to "
                + "\(ClientRegistry.maximumTokenTTL.wholeSeconds()) seconds"
        case .noGrants: "a client needs at least one grant (--grant client_credentials)"
        case .invalidRedirectURI(let uri, let problem):
            "invalid redirect URI \(UserStoreError.quoted(uri, limit: 200)): \(problem)"
        case .redirectURIRequired:
            "the authorization_code grant needs at least one --redirect-uri (matched exactly when users are sent back)"
        case .publicClientCredentials:
            "a public client has no secret, so it cannot use client_credentials; drop --public or the grant"
        case .publicClientSecret(let id):
            "client \(UserStoreError.quoted(id)) is public: it has no secret to rotate"
        case .database(let location, let operation, let detail):
            "client registry in \(location): \(operation) failed: \(detail)"
        }
    }
}
