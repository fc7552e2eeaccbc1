public import Hummingbird

/// A ready-made request context for routes behind ``JWTAuthenticator``.
///
/// ```swift
/// let router = Router(context: JWTRequestContext.self)
/// router.group("pangolins")
///     .add(middleware: JWTAuthenticator(verifier: verifier, requiredScopes: ["pangolins"]))
///     .get { _, context in "Hello, \(context.claims?.subject ?? "")" }
/// ```
public struct JWTRequestContext: JWTAuthRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``JWTAuthenticator`` once a token verified.
    public var identity: JWTIdentity?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.identity = nil
    }
}
