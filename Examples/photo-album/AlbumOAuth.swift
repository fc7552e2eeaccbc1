import AsyncHTTPClient
import Crypto
import Foundation
import JOSE
import JWTVerifier
import NIOCore
import NIOHTTP1

/// The album's side of OAuth: discovery, the authorization URL with PKCE, the code exchange, refresh and revocation.
struct AlbumOAuth: Sendable {
    struct Metadata: Sendable {
        let authorizationEndpoint: String
        let tokenEndpoint: String
        let revocationEndpoint: String
    }

    struct Tokens: Sendable {
        var accessToken: String
        var refreshToken: String?
        var expiresAt: Date
        var username: String
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let client: HTTPClient
    let metadata: Metadata
    let clientID: String
    let redirectURI: String

    static func discover(issuer: String, client: HTTPClient) async throws -> Metadata {
        let document = try await json(client, HTTPClientRequest(url: OIDCDiscovery.configurationURL(issuer: issuer)))
        guard let authorize = document["authorization_endpoint"]?.stringValue, let token = document["token_endpoint"]?.stringValue,
            let revoke = document["revocation_endpoint"]?.stringValue
        else { throw Failure(description: "the issuer's discovery document has no authorization, token or revocation endpoint") }
        return Metadata(authorizationEndpoint: authorize, tokenEndpoint: token, revocationEndpoint: revoke)
    }

    /// A PKCE verifier (RFC 7636 §4.1: 43 characters of 256 random bits) and its S256 challenge.
    static func pkce() -> (verifier: String, challenge: String) {
        let verifier = randomValue()
        return (verifier, Base64URL.encode(Array(SHA256.hash(data: Array(verifier.utf8)))))
    }

    static func randomValue() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    func authorizationURL(state: String, challenge: String) -> String {
        let query = [
            ("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirectURI), ("scope", "openid photos:read"),
            ("state", state), ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ]
        return metadata.authorizationEndpoint + "?" + query.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")
    }

    func exchange(code: String, verifier: String) async throws -> Tokens {
        try await tokens([
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("client_id", clientID), ("code_verifier", verifier),
        ])
    }

    func refresh(_ refreshToken: String) async throws -> Tokens {
        try await tokens([("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", clientID)])
    }

    func revoke(_ refreshToken: String) async {
        _ = try? await post(metadata.revocationEndpoint, [("token", refreshToken), ("token_type_hint", "refresh_token"), ("client_id", clientID)])
    }

    private func tokens(_ form: [(String, String)]) async throws -> Tokens {
        let answer = try await post(metadata.tokenEndpoint, form)
        guard let access = answer["access_token"]?.stringValue, let expiresIn = answer["expires_in"].flatMap({ $0.doubleValue }) else {
            throw Failure(description: "the token endpoint refused: \(answer["error_description"]?.stringValue ?? "no access token")")
        }
        // The username is in the access token's claims (the album trusts its own token endpoint's answer over TLS).
        let claims = access.split(separator: ".").dropFirst().first.flatMap { Base64URL.decode($0) }
            .flatMap { bytes in try? bytes.withUnsafeBytes { try JSONReader().parse($0) } }?.objectValue
        return Tokens(
            accessToken: access,
            refreshToken: answer["refresh_token"]?.stringValue,
            expiresAt: Date().addingTimeInterval(expiresIn - 10),
            username: claims?["username"]?.stringValue ?? claims?["sub"]?.stringValue ?? "?"
        )
    }

    private func post(_ url: String, _ form: [(String, String)]) async throws -> JSONObject {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: form.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")))
        return try await Self.json(client, request, allowEmpty: true)
    }

    static func json(_ client: HTTPClient, _ request: HTTPClientRequest, allowEmpty: Bool = false) async throws -> JSONObject {
        let response = try await client.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 256 * 1024)
        if allowEmpty, body.readableBytes == 0 { return [:] }
        guard let object = (try? body.withUnsafeReadableBytes { try JSONReader().parse($0) })?.objectValue else {
            throw Failure(description: "\(request.url) answered HTTP \(response.status.code) without a JSON object")
        }
        return object
    }

    static func encode(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
