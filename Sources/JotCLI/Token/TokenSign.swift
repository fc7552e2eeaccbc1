public import ArgumentParser
import Configuration
package import Foundation
package import JOSE
import KeyStore
import ServerSupport

/// `jot token sign --claims JSON (--key PEM --alg ALG | --keys DIR [--alg ALG] | --secret-env NAME) [--kid KID] [--header JSON]`.
public struct TokenSign: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign claims as a compact JWT and print it.",
        discussion: """
            --header adds protected-header members; a null value removes one (for example {"typ":null}). \
            The kid defaults to the key's RFC 7638 thumbprint for PEM keys; secrets get no kid unless --kid is given.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The claims, a JSON object (or @file).", valueName: "json"))
    public var claims: String

    @Option(name: .long, help: ArgumentHelp("A PKCS#8 PEM private key.", valueName: "pem-file"))
    public var key: String?

    @Option(name: .customLong("secret-env"), help: ArgumentHelp("Environment variable holding the HMAC secret (≥ 32 bytes).", valueName: "name"))
    public var secretEnv: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Sign with the current key of --alg in this key directory (default alg: the only one there, else ES256).",
            valueName: "dir"
        )
    )
    public var keys: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Sign with the current key of --alg in this PostgreSQL database (env JOT_DATABASE is not read here).",
            valueName: "postgres-url"
        )
    )
    public var database: String?

    @Option(
        name: .customLong("key-encryption-key-file"),
        help: ArgumentHelp("The key-encryption key of sealed keys (env JOT_KEY_ENCRYPTION_KEY_FILE).", valueName: "file")
    )
    public var keyEncryptionKeyFile: String?

    @OptionGroup public var configFile: ConfigFileOptions

    @Option(name: .long, help: "The algorithm (required for RSA keys; HS256 by default for secrets).")
    public var alg: String?

    @Option(name: .long, help: "The kid header.")
    public var kid: String?

    @Option(name: .long, help: ArgumentHelp("Extra protected-header members as a JSON object; null removes one.", valueName: "json"))
    public var header: String?

    @Option(name: .customLong("expires-in"), help: ArgumentHelp("Add iat=now and exp=now+SECONDS when absent.", valueName: "seconds"))
    public var expiresIn: Int?

    @Flag(
        name: .customLong("allow-long-token-ttl"),
        help: "Allow --expires-in over a day (up to 30 days). Risky: a stolen token stays valid that long."
    )
    public var allowLongTokenTTL = false

    public init() {}

    public func validate() throws {
        guard [key, secretEnv, keys, database].compactMap({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --key, --keys, --database or --secret-env")
        }
        if let alg { _ = try CLIAlgorithm.parse(alg) }
        if let expiresIn {
            do {
                _ = try OperatorInput.tokenTTL(expiresIn, allowLong: allowLongTokenTTL, flag: "--expires-in")
            } catch {
                throw ValidationError(error.description)
            }
        }
    }

    public func run() async throws {
        print(try await output())
    }

    package func output(environment: [String: String]? = nil, now: Date = Date()) async throws -> String {
        let algorithm = try alg.map(CLIAlgorithm.parse)
        var signingKey: JWSSigningKey
        if let key {
            let pem = try IO.readText(key)
            if let algorithm {
                signingKey = try JWSSigningKey(pemRepresentation: pem, algorithm: algorithm)
            } else {
                signingKey = try JWSSigningKey(pemRepresentation: pem, rsaAlgorithm: .RS256)
                if signingKey.algorithm.keyType == "RSA" {
                    throw CLIError.keyProblem("this is an RSA key, which can serve RS256/384/512 or PS256/384/512: pass --alg to pin one")
                }
            }
            signingKey = signingKey.withKeyID(kid ?? signingKey.verificationKey.publicJWK?.thumbprint())
        } else if keys != nil || database != nil {
            var flags: [Setting: ConfigContent] = [:]
            flags[.keys] = keys.map(ConfigContent.string)
            flags[.database] = database.map(ConfigContent.string)
            flags[.keyEncryptionKeyFile] = keyEncryptionKeyFile.map(ConfigContent.string)
            let settings = try await JotConfiguration.load(
                flags: flags,
                configFile: configFile.config,
                environment: environment ?? ProcessInfo.processInfo.environment
            )
            let loaded = try await settings.withKeyStore { try await $0.load() }
            let chosen = algorithm ?? (loaded.algorithms.count == 1 ? loaded.algorithms[0] : .ES256)
            let place = keys.map { "--keys \($0)" } ?? "--database URL"
            guard let current = loaded.signingKey(for: chosen) else {
                throw CLIError.keyProblem(
                    "\(keys ?? "the database") has no current \(chosen) key (it has: \(loaded.algorithms.map(\.rawValue).joined(separator: ", "))); "
                        + "run `jot keys init \(place) --alg \(chosen)`"
                )
            }
            signingKey = kid.map { current.withKeyID($0) } ?? current
        } else {
            let secret =
                try environment.map { try IO.secret(fromEnvironment: secretEnv!, environment: $0) }
                ?? IO.secret(fromEnvironment: secretEnv!)
            signingKey = try JWSSigningKey(hmacSecret: secret, algorithm: algorithm ?? .HS256, keyID: kid)
        }
        var claims = try IO.jsonObject(self.claims, option: "--claims")
        if let expiresIn {
            let seconds = Int(now.timeIntervalSince1970.rounded(.down))
            if claims["iat"] == nil { claims["iat"] = .number(JSONNumber(seconds)) }
            if claims["exp"] == nil { claims["exp"] = .number(JSONNumber(seconds + expiresIn)) }
        }
        let protected = try Self.header(for: signingKey, patch: header.map { try IO.jsonObject($0, option: "--header") })
        return try signingKey.sign(payload: JSONWriter.bytes(claims), header: protected)
    }

    /// The key's default header with a top-level merge patch applied: a `null` member removes that member.
    package static func header(for key: JWSSigningKey, patch: JSONObject?) throws(CLIError) -> JSONObject {
        var header = key.defaultHeader(type: "JWT")
        for member in patch ?? [:] {
            if member.name == "alg" {
                guard member.value.stringValue == key.algorithm.rawValue else {
                    throw .invalidInput("--header cannot change alg: the key is \(key.algorithm)")
                }
                continue
            }
            header[member.name] = member.value == .null ? nil : member.value
        }
        return header
    }
}
