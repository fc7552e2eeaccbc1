import Crypto
public import JOSE
public import KeyStore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Builds and signs the issuer's access tokens (RFC 9068 profile).
///
/// Header: `alg`, `kid`, `typ: at+jwt`. Claims: `iss`, `sub`, `aud`, `iat`, `exp`, `jti` (128 random bits),
/// `client_id`, `scope` (space-delimited) and `username`. A password never enters a token.
public struct TokenMinter: Sendable {
    /// Why a token could not be issued.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case noSigningKey(JWSAlgorithm)
        case audienceNotServed(String, served: [String])
        /// The key refused to sign (a damaged key, a failing crypto library): not a missing key.
        case signingFailed(algorithm: JWSAlgorithm, keyID: String?, detail: String)

        public var description: String {
            switch self {
            case .noSigningKey(let algorithm):
                "the issuer has no current \(algorithm) key; run `jot keys init --alg \(algorithm)` (or set JWT_SECRET for HS256)"
            case .audienceNotServed(let audience, let served):
                "audience '\(audience)' is not served by this issuer (one of: \(served.joined(separator: ", ")))"
            case .signingFailed(let algorithm, let keyID, let detail):
                "signing with the \(algorithm) key \(keyID ?? "(no kid)") failed: \(detail); check the key store with `jot keys list`"
            }
        }
    }

    public struct Issued: Sendable {
        public let token: String
        /// `exp` − `iat`: the grant's lifetime in the whole seconds the token carries (`expires_in`).
        public let expiresIn: Duration
        public let keyID: String?
        public let algorithm: JWSAlgorithm
    }

    public let configuration: IssuerConfiguration
    let makeJWTID: @Sendable () -> String

    public init(configuration: IssuerConfiguration, makeJWTID: @escaping @Sendable () -> String = TokenMinter.randomJWTID) {
        self.configuration = configuration
        self.makeJWTID = makeJWTID
    }

    /// 128 random bits from the operating system's CSPRNG, drawn in batches (``JWTIDSource``).
    public static let randomJWTID: @Sendable () -> String = { JWTIDSource.shared.next() }

    /// What a token is issued for: its subject, the client it is issued to, scopes, audiences and lifetime.
    public struct Grant: Sendable, Hashable {
        /// `sub`: the username for a person, the client id for client credentials.
        public var subject: String
        /// `client_id` (RFC 9068 §2.2).
        public var clientID: String
        public var scopes: [String]
        /// `aud`, one or more.
        public var audiences: [String]
        /// Lifetime: `exp` is `iat` plus this, rounded down to whole seconds.
        public var lifetime: Duration
        /// `username`, for tokens issued to a person.
        public var username: String?

        public init(subject: String, clientID: String, scopes: [String], audiences: [String], lifetime: Duration, username: String? = nil) {
            self.subject = subject
            self.clientID = clientID
            self.scopes = scopes
            self.audiences = audiences
            self.lifetime = lifetime
            self.username = username
        }
    }

    /// The audiences of a `POST /sessions` token: those asked for (each one the issuer serves), or the issuer's default
    /// audience (the first `--audience`) when none is asked for.
    public func loginAudiences(requested: [String]) throws(Failure) -> [String] {
        guard !requested.isEmpty else { return [configuration.defaultAudience] }
        for audience in requested where !configuration.audiences.contains(audience) {
            throw .audienceNotServed(audience, served: configuration.audiences)
        }
        var seen = Set<String>()
        return requested.filter { seen.insert($0).inserted }
    }

    /// A login token for `user`: `sub` and `username` are the username, `client_id` the issuer's own.
    public func mint(username: String, scopes: [String], audiences: [String], ring: LoadedKeySet, now: Date) throws(Failure) -> Issued {
        try mint(
            Grant(
                subject: username,
                clientID: configuration.clientID,
                scopes: scopes,
                audiences: audiences,
                lifetime: configuration.tokenTTL,
                username: username
            ),
            ring: ring,
            now: now
        )
    }

    /// Signs an access token for `grant` with the current key of the configured algorithm.
    public func mint(_ grant: Grant, ring: LoadedKeySet, now: Date) throws(Failure) -> Issued {
        guard let key = ring.signingKeys[configuration.algorithm] else { throw .noSigningKey(configuration.algorithm) }
        let issuedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        var additional: JSONObject = [
            "client_id": .string(grant.clientID),
            "scope": .string(grant.scopes.joined(separator: " ")),
        ]
        if let username = grant.username { additional["username"] = .string(username) }
        let claims = JWTClaims(
            issuer: configuration.issuer,
            subject: grant.subject,
            audience: grant.audiences,
            expiresAt: issuedAt.advanced(by: grant.lifetime),
            issuedAt: issuedAt,
            jwtID: makeJWTID(),
            additional: additional
        )
        let token: String
        do {
            token = try key.sign(claims, type: "at+jwt")
        } catch {
            throw .signingFailed(algorithm: configuration.algorithm, keyID: key.keyID, detail: "\(error)")
        }
        return Issued(token: token, expiresIn: .seconds(grant.lifetime.wholeSeconds(.down)), keyID: key.keyID, algorithm: key.algorithm)
    }

    /// An OpenID Connect ID token (Core §2): `iss`, `sub`, `aud` = the client, `exp`, `iat`, `auth_time`, `nonce` and
    /// `at_hash` of the access token issued with it; header `typ: JWT`. Signed with an asymmetric key: the configured
    /// algorithm's, or with HS256 configured the first asymmetric current key (a client cannot verify a shared secret).
    public func mintIDToken(
        subject: String,
        clientID: String,
        authTime: Int,
        nonce: String?,
        accessToken: String,
        ring: LoadedKeySet,
        now: Date
    ) throws(Failure) -> String {
        let key: JWSSigningKey
        if !configuration.algorithm.isSymmetric, let configured = ring.signingKeys[configuration.algorithm] {
            key = configured
        } else if let asymmetric = Self.idTokenAlgorithms(ring).first.flatMap({ ring.signingKeys[$0] }) {
            key = asymmetric
        } else {
            throw .noSigningKey(configuration.algorithm.isSymmetric ? .ES256 : configuration.algorithm)
        }
        let issuedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        var additional: JSONObject = [
            "auth_time": .number(JSONNumber(authTime)),
            "at_hash": .string(Self.accessTokenHash(accessToken, algorithm: key.algorithm)),
        ]
        if let nonce { additional["nonce"] = .string(nonce) }
        let claims = JWTClaims(
            issuer: configuration.issuer,
            subject: subject,
            audience: [clientID],
            expiresAt: issuedAt.advanced(by: configuration.tokenTTL),
            issuedAt: issuedAt,
            additional: additional
        )
        do {
            return try key.sign(claims, type: "JWT")
        } catch {
            throw .signingFailed(algorithm: key.algorithm, keyID: key.keyID, detail: "\(error)")
        }
    }

    /// The algorithms ID tokens can be signed with: the asymmetric ones the key set has. Never an HMAC: a relying party
    /// can only check an HMAC ID token keyed with its client secret (OIDC Core §10.1), not with the issuer's secret.
    public static func idTokenAlgorithms(_ ring: LoadedKeySet) -> [JWSAlgorithm] {
        ring.algorithms.filter { !$0.isSymmetric }
    }

    /// OIDC Core §3.1.3.6: base64url of the left half of the hash of the access token's ASCII (SHA-256 for ES256, RS256
    /// and PS256; SHA-512 for EdDSA with Ed25519).
    static func accessTokenHash(_ token: String, algorithm: JWSAlgorithm) -> String {
        let bytes = Array(token.utf8)
        let digest: [UInt8] = algorithm == .EdDSA ? Array(SHA512.hash(data: bytes)) : Array(SHA256.hash(data: bytes))
        return Base64URL.encode(digest.prefix(digest.count / 2))
    }
}
