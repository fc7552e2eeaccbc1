import HTTPTypes
import Hummingbird

/// The issuer's CORS, through Hummingbird's `CORSMiddleware`: browser apps on any origin may log in at
/// `POST /sessions` and read the JWKS (no cookies: `Access-Control-Allow-Credentials` is never sent). Only these routes
/// carry it; the OAuth endpoints and the login pages do not.
enum CrossOrigin {
    static func anyOrigin(methods: [HTTPRequest.Method]) -> CORSMiddleware<BasicRequestContext> {
        CORSMiddleware(allowOrigin: .all, allowHeaders: [.contentType, .authorization], allowMethods: methods, maxAge: .seconds(600))
    }
}
