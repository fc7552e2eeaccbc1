import ExampleSupport
import Hummingbird
import JOSE
import JWTVerifier
import Logging

/// Plays API Gateway's part around the documented authorizer.
///
/// - No `Authorization` header: 401 `{"message":"Unauthorized"}`, without calling the authorizer.
/// - The authorizer says `Unauthorized` (bad, expired or tampered token): 401 `{"message":"Unauthorized"}`.
/// - A `Deny` policy: 403 with API Gateway's body for an explicit deny.
/// - An `Allow` policy: the handler runs with the policy in the context.
///
/// The token is the header's value as the sample sends it (`Authorization: <jwt>`); a case-insensitive `Bearer `
/// prefix is also accepted (the sample's `jwt.verify` would fail on it).
struct AuthorizerMiddleware: RouterMiddleware {
    typealias Context = ServerlessAuthContext

    let authorizer: TokenAuthorizer
    /// The method ARN prefix API Gateway would use for this API and stage.
    var arnPrefix = "arn:aws:execute-api:local:000000000000:serverless-auth/dev"

    static let unauthorized = JSONResponse.make(.unauthorized, ["message": "Unauthorized"])
    static let denied = JSONResponse.make(.forbidden, ["Message": "User is not authorized to access this resource with an explicit deny"])

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], !header.isEmpty else { return Self.unauthorized }
        var token = Substring(header)
        if token.prefix(7).lowercased() == "bearer " { token = token.dropFirst(7) }
        let methodArn = "\(arnPrefix)/\(request.method.rawValue)/\(request.uri.path.drop { $0 == "/" })"
        let policy: AuthorizerResponse
        do {
            policy = try await authorizer.authorize(token: String(token), methodArn: methodArn)
        } catch {
            context.logger.info("authorizer: Unauthorized", metadata: ["authorizer.reason": .string(error.description)])
            return Self.unauthorized
        }
        guard policy.isAllowed else {
            context.logger.info(
                "authorizer: Deny",
                metadata: ["authorizer.principal": .string(policy.principalID), "authorizer.resource": .string(methodArn)]
            )
            return Self.denied
        }
        var context = context
        context.authorizer = policy
        return try await next(request, context)
    }
}
