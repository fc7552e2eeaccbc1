import Hummingbird
import JOSE
import KeyStore
import Logging
import NIOCore
import ServerSupport

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `POST /sessions`: the documented serverless-auth login contract.
///
/// Body `{"username": "...", "password": "..."}` (JSON, whatever the Content-Type, as the documented
/// `curl -d` sends it), optionally `"audience"`. 200 `{"token", "token_type", "expires_in"}`; 401 with the same
/// message and about the same time for an unknown user as for a wrong password; 400 on malformed JSON or missing
/// fields; 413 over the size limit. Every answer carries `Cache-Control: no-store`, and `Access-Control-Allow-Origin: *`
/// when the request comes from a browser on another origin (``CrossOrigin``).
struct SessionsController: Sendable {
    let users: any UserStore
    let minter: TokenMinter
    let keys: KeyRingHolder
    let metrics: IssuerMetrics
    let clock: any WallClock
    let throttle: LoginThrottle
    let passwordChecks: PasswordCheckLimit
    let health: IssuerHealth

    static let noStore: HTTPFields = [.cacheControl: "no-store"]

    func addRoutes(to router: Router<BasicRequestContext>) {
        CrossOrigin.group(router, "/sessions", methods: [.post]).post { request, context in try await login(request, context: context) }
    }

    func login(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: minter.configuration.maxLoginBodyBytes)
        } catch is NIOTooManyBytesError {
            metrics.loginFailed(reason: "too_large")
            return failure(.contentTooLarge, "request body is over \(minter.configuration.maxLoginBodyBytes) bytes")
        }
        let value: JSONValue
        do {
            value = try body.withUnsafeReadableBytes { buffer in
                try JSONReader(maxDepth: 4, maxBytes: minter.configuration.maxLoginBodyBytes).parse(buffer)
            }
        } catch {
            metrics.loginFailed(reason: "bad_request")
            return failure(.badRequest, "body must be a JSON object {\"username\": \"...\", \"password\": \"...\"}: \(error)")
        }
        guard case .object(let object) = value else {
            metrics.loginFailed(reason: "bad_request")
            return failure(.badRequest, "body must be a JSON object {\"username\": \"...\", \"password\": \"...\"}")
        }
        var fields: [String: String] = [:]
        for name in ["username", "password"] {
            guard let member = object[name] else { continue }
            guard case .string(let string) = member else {
                metrics.loginFailed(reason: "bad_request")
                return failure(.badRequest, "'\(name)' must be a string")
            }
            fields[name] = string
        }
        // "audience": one audience, or an array of them; absent → the issuer's default audience.
        var requestedAudiences: [String] = []
        switch object["audience"] {
        case nil: break
        case .string(let audience)?: requestedAudiences = [audience]
        case .array(let values)? where !values.isEmpty && values.count <= 16:
            for case .string(let audience) in values { requestedAudiences.append(audience) }
            if requestedAudiences.count != values.count { fallthrough }
        default:
            metrics.loginFailed(reason: "bad_request")
            return failure(.badRequest, "'audience' must be a string or an array of 1–16 strings")
        }
        guard let username = fields["username"], !username.isEmpty, let password = fields["password"], !password.isEmpty else {
            metrics.loginFailed(reason: "bad_request")
            return failure(.badRequest, "'username' and 'password' are required")
        }
        let ticket: LoginThrottle.Ticket
        switch throttle.admit(username: username, address: ClientAddress.current, now: clock.now) {
        case .success(let admitted):
            ticket = admitted
        case .failure(let refusal):
            metrics.loginFailed(reason: "throttled_\(refusal.scope.rawValue)")
            var headers = Self.noStore
            headers[.retryAfter] = String(refusal.retryAfter.wholeSeconds())
            return JSONResponse.error(.tooManyRequests, refusal.description, headers: headers)
        }
        let started = ContinuousClock.now
        let checked: UserRecord??
        do {
            checked = try await passwordChecks.run { try await users.authenticate(username: username, password: password) }
            health.set(.database, problem: nil)
        } catch let error as UserStoreError {
            // The user store is unreachable (a database outage): say so within its deadline, never hang or 500.
            throttle.finished(ticket, succeeded: false)
            health.set(.database, problem: "user store failing: \(error)")
            metrics.loginFailed(reason: "store_unavailable")
            context.logger.error("user store unavailable", metadata: ["error": .string(error.description)])
            return failure(.serviceUnavailable, "the user database is unavailable; try again shortly")
        } catch {
            throttle.finished(ticket, succeeded: false)
            throw error
        }
        throttle.finished(ticket, succeeded: (checked ?? nil) != nil)
        guard let checked else {
            metrics.loginFailed(reason: "busy")
            var headers = Self.noStore
            headers[.retryAfter] = "1"
            return JSONResponse.error(.serviceUnavailable, "too many logins in progress; retry in 1 s", headers: headers)
        }
        guard let user = checked else {
            // Equal time: a failure lasts as long as the costliest password check, whatever was checked.
            let left = PasswordHasher.failureFloor - (ContinuousClock.now - started)
            if left > .zero { try? await Task.sleep(for: left) }
            metrics.loginFailed(reason: "invalid_credentials")
            // The attempted username stays at debug level: people sometimes type a password into it.
            context.logger.debug("login failed", metadata: ["jot.username": .string(username)])
            return failure(.unauthorized, "invalid username or password")
        }
        let issued: TokenMinter.Issued
        do {
            let audiences = try minter.loginAudiences(requested: requestedAudiences)
            issued = try minter.mint(username: user.username, scopes: user.scopes, audiences: audiences, ring: keys.current, now: clock.now)
        } catch .audienceNotServed(let audience, let served) {
            metrics.loginFailed(reason: "bad_audience")
            return failure(.badRequest, TokenMinter.Failure.audienceNotServed(audience, served: served).description)
        } catch {
            context.logger.error("cannot issue tokens", metadata: ["error": .string(error.description)])
            return failure(.serviceUnavailable, error.description)
        }
        metrics.tokenIssued(algorithm: issued.algorithm)
        context.logger.info(
            "token issued",
            metadata: [
                "jot.username": .string(user.username), "jwt.kid": .string(issued.keyID ?? "-"), "jwt.alg": .string(issued.algorithm.rawValue),
            ]
        )
        return JSONResponse.make(
            .ok,
            ["token": .string(issued.token), "token_type": "Bearer", "expires_in": .number(JSONNumber(issued.expiresIn.wholeSeconds()))],
            headers: Self.noStore
        )
    }

    private func failure(_ status: HTTPResponse.Status, _ message: String) -> Response {
        JSONResponse.error(status, message, headers: Self.noStore)
    }
}
