import Crypto
public import JOSE
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Authorization codes, refresh tokens and sign-in sessions over any ``GrantTable``: opaque 256-bit values handed out
/// once, stored as SHA-256, redeemed atomically; a replayed code or a rotated refresh token presented again revokes its
/// whole family (RFC 6749 §4.1.2, OAuth 2.1 §4.3.1, RFC 9700 §4.14).
public final class GrantStore: Sendable {
    /// How long grants last.
    public struct Lifetimes: Sendable, Hashable {
        /// Authorization codes (1 to 60 s).
        public var code: Duration
        /// A refresh-token family: no refresh after this long since the sign-in.
        public var refreshAbsolute: Duration
        /// A refresh token unused for this long expires.
        public var refreshIdle: Duration
        /// A sign-in session at the login page (also the session cookie's `Max-Age`, in whole seconds).
        public var session: Duration

        public init(
            code: Duration = .seconds(60),
            refreshAbsolute: Duration = .seconds(30 * 86_400),
            refreshIdle: Duration = .seconds(7 * 86_400),
            session: Duration = .seconds(8 * 3600)
        ) {
            self.code = min(.seconds(60), max(.seconds(1), code))
            self.refreshAbsolute = refreshAbsolute
            self.refreshIdle = refreshIdle
            self.session = session
        }
    }

    /// What a code or a refresh token was issued for.
    public struct Authorization: Sendable, Hashable {
        public var clientID: String
        public var username: String
        public var scopes: [String]
        public var audiences: [String]
        /// When the user signed in (`auth_time`).
        public var authTime: Int
        public var redirectURI: String?
        public var codeChallenge: String?
        public var nonce: String?
        /// When the refresh-token family must end (seconds since 1970).
        public var familyExpiresAt: Double?

        public init(
            clientID: String,
            username: String,
            scopes: [String],
            audiences: [String],
            authTime: Int,
            redirectURI: String? = nil,
            codeChallenge: String? = nil,
            nonce: String? = nil,
            familyExpiresAt: Double? = nil
        ) {
            self.clientID = clientID
            self.username = username
            self.scopes = scopes
            self.audiences = audiences
            self.authTime = authTime
            self.redirectURI = redirectURI
            self.codeChallenge = codeChallenge
            self.nonce = nonce
            self.familyExpiresAt = familyExpiresAt
        }
    }

    /// The outcome of redeeming a code or refresh token.
    public enum Redemption: Sendable, Hashable {
        case valid(Authorization, family: String)
        /// Used before: the family has now been revoked.
        case replayed(clientID: String)
        case invalid
    }

    public let table: any GrantTable
    public let lifetimes: Lifetimes
    let clock: any WallClock
    let random: Mutex<any RandomNumberGenerator & Sendable>

    public init(
        table: any GrantTable,
        lifetimes: Lifetimes = Lifetimes(),
        clock: any WallClock = SystemClock(),
        random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) {
        self.table = table
        self.lifetimes = lifetimes
        self.clock = clock
        self.random = Mutex(random)
    }

    // MARK: Codes

    /// A new authorization code for `authorization`, starting a new family.
    public func issueCode(_ authorization: Authorization) async throws -> String {
        let now = clock.now
        var authorization = authorization
        authorization.familyExpiresAt = now.advanced(by: lifetimes.refreshAbsolute).timeIntervalSince1970
        return try await store(.code, authorization, family: newValue(), expiresAt: now.advanced(by: lifetimes.code).timeIntervalSince1970)
    }

    /// Redeems a code once; a second use revokes what the first one issued.
    public func redeemCode(_ code: String) async throws -> Redemption {
        try await redeem(code, kind: .code)
    }

    // MARK: Refresh tokens

    /// A new refresh token in `family` (the family of the code, or of the token it replaces).
    public func issueRefreshToken(_ authorization: Authorization, family: String) async throws -> String {
        let now = clock.now
        let familyEnd = authorization.familyExpiresAt ?? now.advanced(by: lifetimes.refreshAbsolute).timeIntervalSince1970
        let idleEnd = now.advanced(by: lifetimes.refreshIdle).timeIntervalSince1970
        return try await store(.refresh, authorization, family: family, expiresAt: min(idleEnd, familyEnd))
    }

    /// Redeems a refresh token once (rotation); presenting it again revokes the family.
    public func redeemRefreshToken(_ token: String) async throws -> Redemption {
        try await redeem(token, kind: .refresh)
    }

    /// The authorization of a live refresh token (unused, unrevoked, unexpired) without using it: a refresh checks the
    /// request against it before spending the token. `nil` for anything else (``redeemRefreshToken(_:)`` says what).
    public func refreshTokenAuthorization(_ token: String) async throws -> (Authorization, family: String)? {
        guard let hash = Self.hash(token), let row = try await table.find(hash: hash, kind: .refresh),
            row.expiresAt > clock.now.timeIntervalSince1970, let authorization = Self.decode(row)
        else { return nil }
        return (authorization, row.family)
    }

    /// Revokes the family of a refresh token, if it is one issued to `clientID` (RFC 7009). Returns whether it was.
    public func revokeRefreshToken(_ token: String, clientID: String) async throws -> Bool {
        guard let hash = Self.hash(token) else { return false }
        var found = try await table.find(hash: hash, kind: .refresh)
        if found == nil { found = try await consumed(hash) }
        guard let row = found, row.clientID == clientID else { return false }
        try await table.revoke(family: row.family, now: clock.now.timeIntervalSince1970)
        return true
    }

    /// A refresh token already rotated is revoked through its family too.
    private func consumed(_ hash: String) async throws -> GrantRow? {
        if case .replayed(let row) = try await table.consume(hash: hash, kind: .refresh, now: clock.now.timeIntervalSince1970) { return row }
        return nil
    }

    /// Signs a user out everywhere: sessions and refresh tokens. Returns how many grants were revoked.
    @discardableResult
    public func signOut(username: String) async throws -> Int {
        try await table.revoke(owner: .user(username), now: clock.now.timeIntervalSince1970)
    }

    /// Revokes every code, refresh token and family issued to a client (it was removed). Returns how many.
    @discardableResult
    public func revokeClient(_ clientID: String) async throws -> Int {
        try await table.revoke(owner: .client(clientID), now: clock.now.timeIntervalSince1970)
    }

    // MARK: Sessions

    /// A sign-in session for `username`; the value goes into the session cookie.
    public func startSession(username: String) async throws -> String {
        let now = clock.now
        let authorization = Authorization(clientID: "", username: username, scopes: [], audiences: [], authTime: Int(now.timeIntervalSince1970))
        return try await store(.session, authorization, family: newValue(), expiresAt: now.advanced(by: lifetimes.session).timeIntervalSince1970)
    }

    /// The user and sign-in time of a live session, or `nil`.
    public func session(_ value: String) async throws -> (username: String, authTime: Int)? {
        guard let hash = Self.hash(value), let row = try await table.find(hash: hash, kind: .session),
            row.expiresAt > clock.now.timeIntervalSince1970, let authorization = Self.decode(row)
        else { return nil }
        return (row.username, authorization.authTime)
    }

    /// Ends a session.
    public func endSession(_ value: String) async throws {
        guard let hash = Self.hash(value), let row = try await table.find(hash: hash, kind: .session) else { return }
        try await table.revoke(family: row.family, now: clock.now.timeIntervalSince1970)
    }

    // MARK: Helpers

    private func redeem(_ value: String, kind: GrantKind) async throws -> Redemption {
        guard let hash = Self.hash(value) else { return .invalid }
        let time = clock.now.timeIntervalSince1970
        switch try await table.consume(hash: hash, kind: kind, now: time) {
        case .consumed(let row):
            guard let authorization = Self.decode(row) else { return .invalid }
            return .valid(authorization, family: row.family)
        case .replayed(let row):
            try await table.revoke(family: row.family, now: time)
            return .replayed(clientID: row.clientID)
        case .invalid, .notFound:
            return .invalid
        }
    }

    private func store(_ kind: GrantKind, _ authorization: Authorization, family: String, expiresAt: Double) async throws -> String {
        let value = newValue()
        let row = GrantRow(
            hash: Self.hash(value)!,
            kind: kind,
            family: family,
            clientID: authorization.clientID,
            username: authorization.username,
            data: Self.encode(authorization),
            createdAt: clock.now.timeIntervalSince1970,
            expiresAt: expiresAt
        )
        try await table.insert(row)
        return value
    }

    /// 256 random bits as 43 base64url characters (CSRF tokens).
    public static func randomValue() -> String { ClientSecret.generate() }

    private func newValue() -> String {
        random.withLock { generator in Base64URL.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }) }
    }

    /// SHA-256 of a presented value, or `nil` when it cannot be one of ours (43 base64url characters).
    static func hash(_ value: String) -> String? {
        guard value.utf8.count == 43, Base64URL.decode(value) != nil else { return nil }
        return Base64URL.encode(Array(SHA256.hash(data: Array(value.utf8))))
    }

    static func encode(_ authorization: Authorization) -> String {
        var object: JSONObject = [
            "scopes": .array(authorization.scopes.map(JSONValue.string)),
            "audiences": .array(authorization.audiences.map(JSONValue.string)),
            "auth_time": .number(JSONNumber(authorization.authTime)),
        ]
        if let redirectURI = authorization.redirectURI { object["redirect_uri"] = .string(redirectURI) }
        if let challenge = authorization.codeChallenge { object["code_challenge"] = .string(challenge) }
        if let nonce = authorization.nonce { object["nonce"] = .string(nonce) }
        if let end = authorization.familyExpiresAt { object["family_expires_at"] = .number(JSONNumber(Int(end))) }
        return String(decoding: JSONWriter.bytes(object), as: UTF8.self)
    }

    static func decode(_ row: GrantRow) -> Authorization? {
        guard case .object(let object)? = try? Array(row.data.utf8).withUnsafeBytes({ try JSONReader().parse($0) }) else { return nil }
        func strings(_ name: String) -> [String] {
            guard case .array(let values)? = object[name] else { return [] }
            return values.compactMap { if case .string(let text) = $0 { text } else { nil } }
        }
        func string(_ name: String) -> String? { if case .string(let text)? = object[name] { text } else { nil } }
        func number(_ name: String) -> Int? { if case .number(let number)? = object[name] { Int(number.description) } else { nil } }
        return Authorization(
            clientID: row.clientID,
            username: row.username,
            scopes: strings("scopes"),
            audiences: strings("audiences"),
            authTime: number("auth_time") ?? 0,
            redirectURI: string("redirect_uri"),
            codeChallenge: string("code_challenge"),
            nonce: string("nonce"),
            familyExpiresAt: number("family_expires_at").map(Double.init)
        )
    }
}
