import Hummingbird

/// The sample's CORS: every answer carries `Access-Control-Allow-Origin: *`, and preflight requests are answered.
struct AllowAnyOriginMiddleware: RouterMiddleware {
    typealias Context = ServerlessAuthContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.method == .options {
            return Response(
                status: .noContent,
                headers: [
                    .accessControlAllowOrigin: "*",
                    .accessControlAllowMethods: "GET, POST, OPTIONS",
                    .accessControlAllowHeaders: "Content-Type, Authorization",
                    .accessControlMaxAge: "600",
                ]
            )
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = "*"
        return response
    }
}
