import ExampleSupport
import Hummingbird
import JOSE
import Logging
import NIOCore
import TokenIssuer

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `POST /sessions` of the sample: `{"username", "password"}` → `{"token"}`, or 401 `{"error": …}`.
///
/// The token's payload is the documented one: `{"user": {"username", "scopes"}, "iat", "exp"}`, HS256, 5 minutes.
/// Unlike the sample, an unknown user and a wrong password get the same message (no user enumeration), and a body that
/// is not the expected JSON is 400 rather than a crash.
struct Sessions: Sendable {
    let users: any UserStore
    let signingKey: JWSSigningKey
    let lifetime: Duration
    static let maxBodyBytes = 8 * 1024

    func login(_ request: Request, logger: Logger) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            return Self.error(.contentTooLarge, "request body is over \(Self.maxBodyBytes) bytes")
        }
        guard let object = try? JSONReader(maxDepth: 4, maxBytes: Self.maxBodyBytes).parse(Array(body.readableBytesView)).objectValue,
            case .string(let username)? = object["username"], case .string(let password)? = object["password"],
            !username.isEmpty, !password.isEmpty
        else {
            return Self.error(.badRequest, "body must be a JSON object {\"username\": \"...\", \"password\": \"...\"}")
        }
        guard let user = try await users.authenticate(username: username, password: password) else {
            logger.info("login failed")
            return Self.error(.unauthorized, "invalid username or password")
        }
        let issuedAt = Int(Date().timeIntervalSince1970)
        let payload: JSONObject = [
            "user": .object(["username": .string(user.username), "scopes": .array(user.scopes.map { .string($0) })]),
            "iat": .number(JSONNumber(issuedAt)),
            "exp": .number(JSONNumber(issuedAt + lifetime.wholeSeconds())),
        ]
        let token = try signingKey.sign(payload: JSONWriter.bytes(payload), header: signingKey.defaultHeader())
        logger.info("token issued", metadata: ["user": .string(user.username)])
        return JSONResponse.make(.ok, ["token": .string(token)])
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        JSONResponse.make(status, ["error": .string(message)])
    }
}
