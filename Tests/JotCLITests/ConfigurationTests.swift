import ArgumentParser
import Foundation
import JOSE
import KeyStore
import ServerSupport
import Testing
import TokenIssuer

@testable import JotCLI

/// Settings from one place: flags > environment > the JSON file > defaults, for `jot serve` and the admin commands.
@Suite("jot settings: flags, environment, jot.json, defaults")
struct ConfigurationTests {
    /// Runs `body` with a temporary directory, removed afterwards.
    static func withDirectory<R>(_ body: (String) async throws -> R) async throws -> R {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jot-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body(directory)
    }

    static func write(_ json: String, in directory: String) throws -> String {
        let path = "\(directory)/jot.json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func refusal(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("each layer overrides the one below: flag > environment > file > default")
    func precedence() async throws {
        try await Self.withDirectory { directory in
            let file = try Self.write(#"{"port": 1000, "audience": ["from-file"], "token-ttl": 120}"#, in: directory)
            let environment = ["JOT_PORT": "2000", "JOT_AUDIENCE": "env-a, env-b,", "JOT_CONFIG": file]

            let all = try await ServeCommand.parse(["--port", "3000"]).settings(environment: environment)
            #expect(try all.int(.port) == 3000)
            #expect(all.source(of: .port) == .flag("--port"))
            #expect(try all.list(.audience) == ["env-a", "env-b"])
            #expect(all.source(of: .audience) == .environment("JOT_AUDIENCE"))
            #expect(try all.int(.tokenTTL) == 120)
            #expect(all.source(of: .tokenTTL) == .file(file))
            #expect(try all.int(.jwksMaxAge) == 300)
            #expect(all.source(of: .jwksMaxAge) == .default)

            let noFlag = try await ServeCommand.parse([]).settings(environment: environment)
            #expect(try noFlag.int(.port) == 2000)
            #expect(noFlag.source(of: .port) == .environment("JOT_PORT"))

            let fileOnly = try await ServeCommand.parse(["--config", file]).settings(environment: [:])
            #expect(try fileOnly.int(.port) == 1000)
            #expect(try fileOnly.list(.audience) == ["from-file"])
            #expect(fileOnly.source(of: .port) == .file(file))

            // An empty variable counts as unset, as it always has.
            let defaults = try await ServeCommand.parse([]).settings(environment: ["JOT_PORT": ""])
            #expect(try defaults.int(.port) == 8080)
            #expect(defaults.source(of: .port) == .default)
            #expect(defaults.file == nil || defaults.file == "jot.json")
        }
    }

    @Test("--demo serves the Examples' audiences unless audiences are configured (flag, environment or file)")
    func demoAudiences() async throws {
        let demo = try await ServeCommand.parse(["--demo"]).resolvedConfiguration(environment: [:])
        #expect(demo.audiences == ["jot", "pangolin-service", "photo-service"])
        #expect(try await ServeCommand.parse([]).resolvedConfiguration(environment: [:]).audiences == ["jot"])
        #expect(try await ServeCommand.parse(["--demo", "--audience", "a"]).resolvedConfiguration(environment: [:]).audiences == ["a"])
        #expect(try await ServeCommand.parse(["--demo"]).resolvedConfiguration(environment: ["JOT_AUDIENCE": "b"]).audiences == ["b"])
    }

    @Test("the issuer configuration of jot serve comes from the file too")
    func serveFromFile() async throws {
        try await Self.withDirectory { directory in
            let file = try Self.write(
                #"{"host": "127.0.0.1", "port": 9999, "issuer": "https://issuer.example", "audience": ["a", "b"], "alg": "EdDSA", "jwks-max-age": 60}"#,
                in: directory
            )
            let configuration = try await ServeCommand.parse(["--config", file, "--audience", "c"]).resolvedConfiguration(environment: [:])
            #expect(configuration.port == 9999)
            #expect(configuration.issuer == "https://issuer.example")
            #expect(configuration.audiences == ["c"])
            #expect(configuration.algorithm == .EdDSA)
            #expect(configuration.jwksMaxAge == .seconds(60))
        }
    }

    @Test("--token-ttl and --jwks-max-age stay whole seconds at the command line and become Durations: exp = iat + 300")
    func intervalFlags() async throws {
        let configuration = try await ServeCommand.parse(["--token-ttl", "300", "--jwks-max-age", "120"]).resolvedConfiguration(environment: [:])
        #expect(configuration.tokenTTL == .seconds(300))
        #expect(configuration.jwksMaxAge == .seconds(120))
        let key = try JWSSigningKey.generate(.ES256)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let ring = LoadedKeySet(
            records: [KeyRecord(keyID: key.keyID!, algorithm: .ES256, state: .current, createdAt: now, publishedAt: now, activatedAt: now)],
            keys: [key.keyID!: key],
            fingerprint: "test"
        )
        let issued = try TokenMinter(configuration: configuration).mint(username: "alice", scopes: [], audiences: ["jot"], ring: ring, now: now)
        let claims = try key.verificationKey.verify(issued.token, policy: ValidationPolicy(requiredClaims: ["exp", "iat"]), now: now).claims
        #expect(claims.expiresAt == claims.issuedAt.map { $0 + 300 })
        #expect(issued.expiresIn == .seconds(300))
    }

    @Test("HTTPS and the network limits come from the file too, below their variables and flags")
    func serverEdge() async throws {
        try await Self.withDirectory { directory in
            let file = try Self.write(
                #"{"tls-certificate": "/etc/jot/cert.pem", "tls-key": "/etc/jot/key.pem", "header-timeout": 0, "max-connections": 50}"#,
                in: directory
            )
            let settings = try await ServeCommand.parse(["--config", file]).settings(environment: ["HTTP_MAX_CONNECTIONS": "60"])
            let environment = try settings.serverEnvironment()
            #expect(environment["TLS_CERTIFICATE"] == "/etc/jot/cert.pem")
            #expect(environment["HTTP_HEADER_TIMEOUT"] == "0")
            #expect(environment["HTTP_MAX_CONNECTIONS"] == "60")
            #expect(environment["SHUTDOWN_GRACE"] == nil)
            let serve = try ServeCommand.parse(["--config", file])
            #expect(try serve.resolvedConfiguration(settings).issuer == "https://127.0.0.1:8080")
            let byFlag = try ServeCommand.parse(["--tls-certificate", "/x/cert.pem", "--tls-key", "/x/key.pem", "--port", "8443"])
            #expect(try await byFlag.resolvedConfiguration(environment: [:]).issuer == "https://127.0.0.1:8443")
            #expect(try await ServeCommand.parse([]).resolvedConfiguration(environment: [:]).issuer == "http://127.0.0.1:8080")
            let refusal = await Self.refusal {
                _ = try settings.checkedServerEdge { environment throws(OperatorInput.Refusal) in try serve.limits.resolve(environment: environment) }
            }
            #expect(refusal?.hasPrefix("HTTP_HEADER_TIMEOUT 0 is out of range") == true, "\(refusal ?? "accepted")")
            #expect(refusal?.hasSuffix("(HTTP_HEADER_TIMEOUT is 'header-timeout' in \(file))") == true, "\(refusal ?? "accepted")")
            let flagWins = try ServeCommand.parse(["--config", file, "--header-timeout", "5"])
            let flagEnvironment = try await flagWins.settings(environment: [:]).serverEnvironment()
            #expect(try flagWins.limits.resolve(environment: flagEnvironment).headerReadTimeout == .seconds(5))
        }
    }

    @Test(
        "a key the file must not have is refused, naming it",
        arguments: [
            (#"{"tokn-ttl": 300}"#, "unknown setting 'tokn-ttl' in", "did you mean 'token-ttl'?"),
            (#"{"http": {"port": 8080}}"#, "unknown setting 'http.port' in", "the settings are: keys, database"),
            (#"{"jwt-secret": "0123456789abcdef0123456789abcdef"}"#, "'jwt-secret' in", "set JWT_SECRET in the environment"),
        ]
    )
    func unknownKey(json: String, prefix: String, detail: String) async throws {
        try await Self.withDirectory { directory in
            let file = try Self.write(json, in: directory)
            let message = await Self.refusal { _ = try await ServeCommand.parse(["--config", file]).settings(environment: [:]) }
            #expect(message?.hasPrefix(prefix) == true, "\(message ?? "accepted")")
            #expect(message?.contains(detail) == true, "\(message ?? "accepted")")
            #expect(message?.contains("0123456789abcdef") != true)
        }
    }

    @Test(
        "a value of the wrong type is refused, naming the key and the type",
        arguments: [
            (#"{"port": "8080"}"#, "'port' in", #"must be a whole number, e.g. "port": 8080"#),
            (#"{"audience": "jot"}"#, "'audience' in", #"must be an array of strings, e.g. "audience": ["jot"]"#),
            (#"{"keys": 5}"#, "'keys' in", "must be a string"),
            (#"{"audience": ["jot", 5]}"#, "cannot read the configuration file", "JSON object"),
            ("[1, 2]", "cannot read the configuration file", "JSON object"),
        ]
    )
    func wrongType(json: String, prefix: String, detail: String) async throws {
        try await Self.withDirectory { directory in
            let file = try Self.write(json, in: directory)
            let message = await Self.refusal { _ = try await ServeCommand.parse(["--config", file]).settings(environment: [:]) }
            #expect(message?.hasPrefix(prefix) == true, "\(message ?? "accepted")")
            #expect(message?.contains(detail) == true, "\(message ?? "accepted")")
        }
    }

    @Test("a variable that is not a number, a bad duration and a missing --config file are refused, naming them")
    func otherRefusals() async throws {
        let port = await Self.refusal { _ = try await ServeCommand.parse([]).resolvedConfiguration(environment: ["JOT_PORT": "eighty"]) }
        #expect(port == "JOT_PORT=eighty is not a whole number")
        try await Self.withDirectory { directory in
            let file = try Self.write(#"{"rotate-every": "soon"}"#, in: directory)
            let settings = try await ServeCommand.parse(["--config", file]).settings(environment: [:])
            let duration = await Self.refusal { _ = try settings.duration(.rotateEvery) }
            #expect(duration?.hasPrefix("'rotate-every' in \(file): 'soon' is not a duration") == true, "\(duration ?? "accepted")")
        }
        let missing = await Self.refusal { _ = try await ServeCommand.parse(["--config", "/nonexistent/jot.json"]).settings(environment: [:]) }
        #expect(missing == "the configuration file /nonexistent/jot.json (from --config) does not exist: create it, or name another one")
        let fromEnvironment = await Self.refusal { _ = try await ServeCommand.parse([]).settings(environment: ["JOT_CONFIG": "/nonexistent/x.json"]) }
        #expect(fromEnvironment?.contains("(from JOT_CONFIG)") == true)
    }

    @Test("jot keys and jot serve read the same key directory and database from the file")
    func adminCommandsShareTheFile() async throws {
        try await Self.withDirectory { directory in
            let file = try Self.write(#"{"keys": "\#(directory)/state/Keys", "jwks-max-age": 60, "token-ttl": 120}"#, in: directory)
            try FileManager.default.createDirectory(atPath: "\(directory)/state", withIntermediateDirectories: true)
            var initialize = try KeysCommand.Init.parse(["--config", file])
            try await initialize.run()
            #expect(try !FileManager.default.contentsOfDirectory(atPath: "\(directory)/state/Keys").isEmpty)

            let list = try KeysCommand.List.parse(["--config", file])
            let listed = try await list.store.configuration(flags: list.timing.flags, environment: [:])
            let serve = try await ServeCommand.parse(["--config", file]).settings(environment: [:])
            guard case .local(let listKeys, let listDatabase) = try listed.backend(),
                case .local(let serveKeys, let serveDatabase) = try serve.backend()
            else {
                Issue.record("expected the key directory")
                return
            }
            #expect(listKeys == "\(directory)/state/Keys")
            #expect(serveKeys == listKeys)
            #expect(serveDatabase == listDatabase)
            #expect(serveDatabase.hasSuffix("/state/jot-users.sqlite"))
            #expect(try KeysCommand.PolicyOptions.parse([]).floor(listed)?.maxTokenLifetime == .seconds(120))
        }
    }

    @Test("jot config show lists every setting with its source; secrets and database passwords are redacted")
    func show() async throws {
        try await Self.withDirectory { directory in
            let file = try Self.write(#"{"database": "postgres://jot:hunter2-password@db.example:5432/jot", "token-ttl": 120}"#, in: directory)
            let environment = ["JWT_SECRET": "super-secret-value-0123456789-abcdef", "JOT_PORT": "9000", "JOT_CONFIG": file]
            let table = try await ConfigCommand.Show.parse(["--key-encryption-key-file", "/etc/jot/kek"]).output(environment: environment)
            #expect(!table.contains("hunter2-password"))
            #expect(!table.contains("super-secret-value"))
            let lines = table.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
            #expect(lines.first == "configuration file: \(file)")
            #expect(lines.contains("database postgres://jot:<redacted>@db.example:5432/jot file \(file)"), "\(table)")
            #expect(lines.contains("jwt-secret <redacted> environment JWT_SECRET"), "\(table)")
            #expect(lines.contains("port 9000 environment JOT_PORT"), "\(table)")
            #expect(lines.contains("token-ttl 120 file \(file)"), "\(table)")
            #expect(lines.contains("key-encryption-key-file /etc/jot/kek flag --key-encryption-key-file"), "\(table)")
            #expect(lines.contains("audience jot default"), "\(table)")
            #expect(lines.contains("rotate-every (not set) default"), "\(table)")
            #expect(lines.contains("issuer http://127.0.0.1:9000 default"), "\(table)")

            let json = try await ConfigCommand.Show.parse(["--json"]).output(environment: environment)
            #expect(!json.contains("hunter2-password"))
            #expect(!json.contains("super-secret-value"))
            let object = try #require(try JSONReader().parse(json).objectValue)
            #expect(object["file"]?.stringValue == file)
            let settings = try #require(object["settings"]?.arrayValue).compactMap(\.objectValue)
            #expect(settings.count == Setting.all.count)
            let port = try #require(settings.first { $0["key"]?.stringValue == "port" })
            #expect(port["value"] == .number(JSONNumber(9000)))
            #expect(port["source"]?.stringValue == "environment")
            #expect(port["name"]?.stringValue == "JOT_PORT")
            let ttl = try #require(settings.first { $0["key"]?.stringValue == "token-ttl" })
            #expect(ttl["source"]?.stringValue == "file")
            #expect(ttl["path"]?.stringValue == file)
            let secret = try #require(settings.first { $0["key"]?.stringValue == "jwt-secret" })
            #expect(secret["value"]?.stringValue == "<redacted>")
        }
    }

    @Test("every whole-number and list setting has a default; secrets never come from the file; keys are unique")
    func catalogue() {
        for setting in Setting.all where setting.kind == .int || setting.kind == .list {
            #expect(setting.defaultValue != nil, "\(setting)")
        }
        for setting in Setting.all where setting.secrecy == .whole {
            #expect(!setting.isAllowedInFile, "\(setting)")
        }
        #expect(Set(Setting.all.map(\.key)).count == Setting.all.count)
        #expect(Set(Setting.all.map(\.environmentVariable)).count == Setting.all.count)
    }
}
