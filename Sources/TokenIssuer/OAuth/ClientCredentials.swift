import Hummingbird
import JOSE

/// The credentials a client presents at the token and introspection endpoints (RFC 6749 §2.3.1): HTTP Basic with the
/// form-encoded id and secret (`client_secret_basic`), or `client_id` and `client_secret` in the body
/// (`client_secret_post`) — exactly one of the two.
///
/// RFC 6749 §2.3.1 form-encodes the id and secret inside Basic, but many client libraries (authlib, and others) send
/// them raw. Both readings are kept as candidates and the secret must equal one of them exactly: a raw `a%2Bb` and an
/// encoded `a+b` can only match a secret that is literally that string, so this accepts nothing a correct client
/// could not send, at the cost of a second constant-time comparison.
struct ClientCredentials: Sendable, Hashable {
    enum Method: String, Sendable {
        case basic = "client_secret_basic"
        case post = "client_secret_post"
        /// A public client: `client_id` alone (RFC 6749 §2.3, OAuth 2.1 §2.4).
        case none = "none"
    }

    let id: String
    /// The secret as sent; with Basic, first the form-decoded reading (when it decodes), then the raw one.
    let secrets: [String]
    let method: Method

    init(id: String, secret: String, method: Method) {
        self.init(id: id, secrets: [secret], method: method)
    }

    init(id: String, secrets: [String], method: Method) {
        self.id = id
        self.secrets = secrets
        self.method = method
    }

    /// Longest accepted `Authorization: Basic` value.
    static let maximumHeaderLength = 2048

    /// Reads the credentials of a request; any ambiguity is refused.
    /// - Throws: ``OAuthError`` `invalid_request` for two methods at once or a `client_id` that disagrees with Basic;
    ///   `invalid_client` (401, with a Basic challenge) for missing or malformed credentials.
    static func read(headers: HTTPFields, form: FormParameters) throws(OAuthError) -> ClientCredentials {
        let basic = try basicCredentials(headers)
        if let basic {
            if form.contains("client_secret") {
                throw OAuthError(
                    .invalidRequest,
                    "the client authenticated twice (HTTP Basic and client_secret in the body); use one method (RFC 6749 §2.3)"
                )
            }
            if let formID = form["client_id"], formID != basic.id {
                throw OAuthError(.invalidRequest, "client_id in the body differs from the HTTP Basic user; send one client id")
            }
            return basic
        }
        if let id = form["client_id"], let secret = form["client_secret"] {
            return ClientCredentials(id: id, secret: secret, method: .post)
        }
        if form.contains("client_secret") {
            throw OAuthError(.invalidRequest, "client_secret without client_id; send both, or use HTTP Basic")
        }
        if let id = form["client_id"] {
            return ClientCredentials(id: id, secrets: [], method: .none)
        }
        throw OAuthError(
            .invalidClient,
            "client authentication required: HTTP Basic (client_secret_basic) or client_id and client_secret in the body (client_secret_post)"
        )
    }

    /// `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))`, or `nil` when there is no Basic header.
    static func basicCredentials(_ headers: HTTPFields) throws(OAuthError) -> ClientCredentials? {
        let values = headers[values: .authorization]
        guard let value = values.first else { return nil }
        let isBasic = value.utf8.count >= 6 && value.prefix(6).lowercased() == "basic "
        guard isBasic else { return nil }
        func malformed(_ reason: String) -> OAuthError {
            OAuthError(.invalidClient, "malformed HTTP Basic credentials: \(reason)")
        }
        guard values.count == 1 else { throw malformed("more than one Authorization header") }
        guard value.utf8.count <= maximumHeaderLength else { throw malformed("longer than \(maximumHeaderLength) bytes") }
        let encoded = value.dropFirst(6).drop { $0 == " " }
        guard let decoded = Base64.decodeStandard(encoded.utf8), let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else {
            throw malformed("expected base64 of client_id:client_secret")
        }
        let rawID = String(decoding: decoded[..<colon], as: UTF8.self)
        let rawSecret = String(decoding: decoded[decoded.index(after: colon)...], as: UTF8.self)
        guard String(validating: decoded, as: UTF8.self) != nil else { throw malformed("the credentials are not UTF-8") }
        let id = (try? FormParameters.decode(decoded[..<colon], what: "the client id")) ?? rawID
        var secrets: [String] = []
        if let secret = try? FormParameters.decode(decoded[decoded.index(after: colon)...], what: "the client secret") {
            secrets.append(secret)
        }
        if !secrets.contains(rawSecret) { secrets.append(rawSecret) }
        guard !id.isEmpty else { throw malformed("the client id is empty") }
        return ClientCredentials(id: id, secrets: secrets, method: .basic)
    }
}

/// Standard base64 with padding (RFC 4648 §4), as HTTP Basic uses it.
enum Base64 {
    static func decodeStandard(_ input: some Collection<UInt8>) -> [UInt8]? {
        var characters = Array(input)
        guard characters.count % 4 == 0 else { return nil }
        var padding = 0
        while characters.last == UInt8(ascii: "="), padding < 2 {
            characters.removeLast()
            padding += 1
        }
        for index in characters.indices {
            switch characters[index] {
            case UInt8(ascii: "+"): characters[index] = UInt8(ascii: "-")
            case UInt8(ascii: "/"): characters[index] = UInt8(ascii: "_")
            case UInt8(ascii: "-"), UInt8(ascii: "_"): return nil
            default: break
            }
        }
        return Base64URL.decode(String(decoding: characters, as: UTF8.self))
    }
}
