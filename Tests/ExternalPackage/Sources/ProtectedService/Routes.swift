import Hummingbird
import HummingbirdAuth
import HummingbirdJWT
import JWTVerifier

/// The README's "Protecting a service" lines, as a user outside the repository writes them.
public func buildRouter(verifier: Verifier) -> Router<BasicAuthRequestContext<VerifiedToken>> {
    let router = Router(context: BasicAuthRequestContext<VerifiedToken>.self)
    router.group("pangolins")
        .add(middleware: JWTAuthenticator(verifier: verifier))
        .add(middleware: AuthorizationPolicyMiddleware(requiredScopes: ["pangolins"]))
        .get { _, context in try context.requireIdentity().subject ?? "" }
    return router
}
