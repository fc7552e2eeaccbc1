import Hummingbird
import JWTVerifier

/// The request context of serverless-auth: what API Gateway's `event.requestContext.authorizer` holds.
struct ServerlessAuthContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The authorizer's `Allow` policy, set by ``AuthorizerMiddleware`` before the handler runs.
    var authorizer: AuthorizerResponse?

    init(source: Source) {
        self.coreContext = .init(source: source)
        self.authorizer = nil
    }
}
