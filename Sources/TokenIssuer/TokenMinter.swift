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

        public var description: String {
            switch self {
            case .noSigningKey(let algorithm):
                "the issuer has no current \(algorithm) key; run `jot keys init --alg \(algorithm)` (or set JWT_SECRET for HS256)"
            case .audienceNotServed(let audience, let served):
                "audience '\(audience)' is not served by this issuer (one of: \(served.joined(separator: ", ")))"
            }
        }
    }

    public struct Issued: Sendable {
        public let token: String
        public let expiresIn: Int
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

    public func mint(username: String, scopes: [String], audience: String?, ring: LoadedKeySet, now: Date) throws(Failure) -> Issued {
        guard let key = ring.signingKeys[configuration.algorithm] else { throw .noSigningKey(configuration.algorithm) }
        let audiences: [String]
        if let audience {
            guard configuration.audiences.contains(audience) else { throw .audienceNotServed(audience, served: configuration.audiences) }
            audiences = [audience]
        } else {
            audiences = configuration.audiences
        }
        let issuedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let claims = JWTClaims(
            issuer: configuration.issuer,
            subject: username,
            audience: audiences,
            expiresAt: issuedAt.addingTimeInterval(Double(configuration.tokenTTL)),
            issuedAt: issuedAt,
            jwtID: makeJWTID(),
            additional: [
                "client_id": .string(configuration.clientID),
                "scope": .string(scopes.joined(separator: " ")),
                "username": .string(username),
            ]
        )
        let token: String
        do {
            token = try key.sign(claims, type: "at+jwt")
        } catch {
            throw .noSigningKey(configuration.algorithm)
        }
        return Issued(token: token, expiresIn: configuration.tokenTTL, keyID: key.keyID, algorithm: key.algorithm)
    }
}
