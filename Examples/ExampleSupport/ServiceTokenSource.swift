public import AsyncHTTPClient
public import Foundation
public import JOSE
public import JWTVerifier
import NIOCore
import NIOHTTP1

/// The access token a service uses to call another service: obtained from the issuer with the OAuth
/// `client_credentials` grant (RFC 6749 §4.4) — the token endpoint found in the issuer's RFC 8414 metadata, the
/// client authenticated with HTTP Basic — and reused until 30 s before it expires. Concurrent callers share one
/// request.
public actor ServiceTokenSource {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    let client: HTTPClient
    let issuer: String
    let clientID: String
    let secret: String
    let scope: String?
    let resource: String?
    let trustRoots: TrustRoots
    private var cached: (token: String, refreshAt: Date)?
    private var inFlight: Task<(String, Date), any Error>?

    public init(
        client: HTTPClient,
        issuer: String,
        clientID: String,
        secret: String,
        scope: String? = nil,
        resource: String? = nil,
        trustRoots: TrustRoots = .system
    ) {
        self.trustRoots = trustRoots
        self.client = client
        self.issuer = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        self.clientID = clientID
        self.secret = secret
        self.scope = scope
        self.resource = resource
    }

    /// A token valid for at least 30 more seconds.
    public func token(now: Date = Date()) async throws -> String {
        if let cached, now < cached.refreshAt { return cached.token }
        let task = inFlight ?? Task { try await self.fetch(now: now) }
        inFlight = task
        defer { inFlight = nil }
        let (token, refreshAt) = try await task.value
        cached = (token, refreshAt)
        return token
    }

    /// `GET url` with `Authorization: Bearer <token>`: the status and the JSON object answered (`nil` if not one).
    public func get(_ url: String) async throws -> (status: Int, object: JSONObject?) {
        var request = HTTPClientRequest(url: url)
        request.tlsConfiguration = trustRoots.clientTLSConfiguration
        request.headers.add(name: "Authorization", value: "Bearer " + (try await token()))
        let response = try await client.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 64 * 1024)
        guard case .object(let object)? = try? body.withUnsafeReadableBytes({ try JSONReader().parse($0) }) else {
            return (Int(response.status.code), nil)
        }
        return (Int(response.status.code), object)
    }

    private func fetch(now: Date) async throws -> (String, Date) {
        // RFC 8414 §3.1: a terminating '/' of the issuer is removed before '/.well-known/'.
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        var metadataRequest = HTTPClientRequest(url: base + "/.well-known/oauth-authorization-server")
        metadataRequest.tlsConfiguration = trustRoots.clientTLSConfiguration
        let metadata = try await json(metadataRequest, what: "issuer metadata")
        guard case .string(let endpoint)? = metadata["token_endpoint"] else {
            throw Failure(description: "the issuer metadata of \(issuer) has no token_endpoint")
        }
        var request = HTTPClientRequest(url: endpoint)
        request.tlsConfiguration = trustRoots.clientTLSConfiguration
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let credentials = Self.formEncoded(clientID) + ":" + Self.formEncoded(secret)
        request.headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
        var form = "grant_type=client_credentials"
        if let scope { form += "&scope=" + Self.formEncoded(scope) }
        if let resource { form += "&resource=" + Self.formEncoded(resource) }
        request.body = .bytes(ByteBuffer(string: form))
        let answer = try await json(request, what: "token request")
        guard case .string(let token)? = answer["access_token"], case .number(let expiresIn)? = answer["expires_in"] else {
            throw Failure(description: "the token endpoint answered without access_token and expires_in")
        }
        return (token, now.addingTimeInterval(max(0, (Double(expiresIn.description) ?? 0) - 30)))
    }

    private func json(_ request: HTTPClientRequest, what: String) async throws -> JSONObject {
        let response = try await client.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 64 * 1024)
        let value = try? body.withUnsafeReadableBytes { try JSONReader().parse($0) }
        guard case .object(let object)? = value else {
            throw Failure(description: "\(what) at \(request.url): HTTP \(response.status.code), not a JSON object")
        }
        guard response.status == .ok else {
            let error = object["error_description"].flatMap { if case .string(let text) = $0 { text } else { nil } } ?? "no description"
            throw Failure(description: "\(what) at \(request.url): HTTP \(response.status.code): \(error)")
        }
        return object
    }

    /// `application/x-www-form-urlencoded` (RFC 6749 §2.3.1 for the Basic credentials too).
    static func formEncoded(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text).replacingOccurrences(of: "%20", with: "+")
    }
}
