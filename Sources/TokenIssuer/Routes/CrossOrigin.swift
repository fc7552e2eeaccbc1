import HTTPTypes
import Hummingbird

/// The issuer's CORS, through Hummingbird's `CORSMiddleware`: browser apps on any origin may log in at
/// `POST /sessions`, read the JWKS and the discovery documents, and — public clients with PKCE, OAuth 2.1's browser
/// apps — use the token, revocation and userinfo endpoints. No cookies: `Access-Control-Allow-Credentials` is never
/// sent. Introspection (server to server), the login pages and the admin routes carry none.
enum CrossOrigin {
    static func anyOrigin(methods: [HTTPRequest.Method]) -> CORSMiddleware<BasicRequestContext> {
        CORSMiddleware(allowOrigin: .all, allowHeaders: [.contentType, .authorization], allowMethods: methods, maxAge: .seconds(600))
    }

    /// A group at `path` with CORS for `methods` and an `OPTIONS` route, so that a preflight reaches the middleware
    /// (which answers it) instead of a 405.
    static func group(_ router: Router<BasicRequestContext>, _ path: RouterPath, methods: [HTTPRequest.Method]) -> RouterGroup<BasicRequestContext> {
        let group = router.group(path).add(middleware: anyOrigin(methods: methods + [.options]))
        group.on("", method: .options) { _, _ in Response(status: .noContent) }
        return group
    }
}
