import Foundation
import InMemoryLogging
import JOSE
import Logging

/// Keys, tokens and clocks shared by the tests. Time is always passed in: `t0` is an arbitrary fixed instant.
enum Fixture {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let issuer = "https://issuer.example"
    static let audience = "photos"

    static func key(_ algorithm: JWSAlgorithm = .ES256, kid: String? = nil) throws -> JWSSigningKey {
        try JWSSigningKey.generate(algorithm, keyID: kid)
    }

    static func jwks(_ keys: [JWSSigningKey]) -> [UInt8] {
        JSONWriter.bytes(PublicJWK.jwksDocument(keys.compactMap { $0.verificationKey.publicJWK }))
    }

    static func jwks(objects: [JSONValue]) -> [UInt8] {
        JSONWriter.bytes(["keys": .array(objects)] as JSONObject)
    }

    /// A token valid from `t0 - 60` to `t0 + lifetime`.
    static func token(
        _ key: JWSSigningKey,
        issuer: String? = Fixture.issuer,
        audience: [String]? = [Fixture.audience],
        lifetime: TimeInterval = 3 * 86_400,
        type: String? = "at+jwt",
        header: JSONObject = [:],
        claims: JSONObject = [:]
    ) throws -> String {
        try key.sign(
            JWTClaims(
                issuer: issuer,
                subject: "user-1",
                audience: audience,
                expiresAt: t0.addingTimeInterval(lifetime),
                issuedAt: t0.addingTimeInterval(-60),
                additional: claims
            ),
            type: type,
            additionalHeader: header
        )
    }

    /// A JWS header with just `alg` and `kid`, as a lookup sees it.
    static func header(kid: String?, _ algorithm: JWSAlgorithm = .ES256) throws -> JWSHeader {
        var members: JSONObject = ["alg": .string(algorithm.rawValue)]
        if let kid { members["kid"] = .string(kid) }
        return try JWSHeader(members)
    }

    static func logger() -> (Logger, InMemoryLogHandler) {
        let handler = InMemoryLogHandler()
        var logger = Logger(label: "jwks-test", factory: { _ in handler })
        logger.logLevel = .debug
        return (logger, handler)
    }
}

extension InMemoryLogHandler {
    func messages(_ level: Logger.Level? = nil) -> [String] {
        entries.filter { level == nil || $0.level == level }.map { "\($0.message)" }
    }
}
