public import HummingbirdAuth
public import JWTVerifier

/// A verified token's permissions are its scopes, so hummingbird-auth's `PermissionPolicy` works on it too (answering
/// its own plain 403; ``ScopePolicy`` answers RFC 6750's).
extension VerifiedToken: PermissionProviding {
    public var permissions: Set<String> { scopes }
}
