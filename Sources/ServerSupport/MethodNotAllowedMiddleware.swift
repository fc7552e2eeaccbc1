public import Hummingbird
import Synchronization

/// Answers `405 Method Not Allowed` with an `Allow` header (RFC 9110 §15.5.6) when a path exists but not with the
/// request's method; Hummingbird's router would say 404, as if the resource did not exist.
///
/// Add it first, register the routes, then call ``learnRoutes(of:)`` so it knows them (it sees the router's not-found
/// answers because router middleware wraps them too). Paths are compared exactly (the routes it serves have no
/// parameters).
public final class MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware, Sendable {
    private let allowed = Mutex<[String: String]>([:])

    public init() {}

    /// Records the paths and methods `router` serves.
    /// - Parameter headFromGET: the router was built with `.autoGenerateHeadEndpoints` (its `routes` do not list the
    ///   `HEAD` it answers for every `GET`), so `Allow` names `HEAD` beside `GET`.
    public func learnRoutes(of router: Router<Context>, headFromGET: Bool = false) {
        var methods: [String: [String]] = [:]
        for route in router.routes {
            methods["\(route.path)".hasPrefix("/") ? "\(route.path)" : "/\(route.path)", default: []].append(route.method.rawValue)
        }
        let table = methods.mapValues { list in
            (headFromGET && list.contains("GET") && !list.contains("HEAD") ? list + ["HEAD"] : list).sorted().joined(separator: ", ")
        }
        allowed.withLock { $0 = table }
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let allow = allowed.withLock({ $0[request.uri.path] }) else { throw error }
            return Response(status: .methodNotAllowed, headers: [.allow: allow])
        }
    }
}
