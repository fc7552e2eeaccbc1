public import ArgumentParser
import Configuration
import Foundation
import JOSE

/// `jot config …`: the settings every command reads, and where each comes from.
public struct ConfigCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the effective settings and where each comes from (flag, environment, file, default).",
        discussion: """
            Settings come from flags, then environment variables, then the JSON configuration file, then defaults. \
            The file is --config FILE, else JOT_CONFIG, else jot.json in the current directory if there is one; its \
            keys are the long flags' names, e.g. {"keys": "/var/lib/jot/Keys", "audience": ["jot"], "token-ttl": 300}. \
            An unknown key or a value of the wrong type is an error. JWT_SECRET stays in the environment.
            """,
        subcommands: [Show.self]
    )

    public init() {}

    public struct Show: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Print every setting with its value and source; secrets are redacted."
        )
        @OptionGroup public var store: StoreOptions
        @Flag(name: .long, help: "Print JSON instead of a table.") public var json = false
        public init() {}

        public func run() async throws {
            print(try await output())
        }

        package func output(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> String {
            let settings = try await store.configuration(environment: environment)
            let entries = try Setting.all.map { setting in try Entry(setting, in: settings) }
            if json {
                let object: JSONObject = [
                    "file": settings.file.map(JSONValue.string) ?? .null,
                    "settings": .array(entries.map { .object($0.json) }),
                ]
                return JSONWriter.prettyString(.object(object))
            }
            let file = settings.file.map { "configuration file: \($0)" } ?? "configuration file: none (no \(ConfigFileLocation.defaultPath) here)"
            return file + "\n" + Table.render([["SETTING", "VALUE", "SOURCE"]] + entries.map { [$0.setting.key, $0.text, $0.source.description] })
        }
    }

    /// One line of `jot config show`: the value as shown (secrets redacted) and its source.
    struct Entry {
        let setting: Setting
        let value: JSONValue
        let source: JotConfiguration.Source

        static let redacted = "<redacted>"

        init(_ setting: Setting, in settings: JotConfiguration) throws {
            self.setting = setting
            switch setting.kind {
            case .int: value = .number(JSONNumber(try settings.int(setting)))
            case .list: value = .array(try settings.list(setting).map(JSONValue.string))
            case .string, .duration:
                if let text = try settings.string(setting) {
                    switch setting.secrecy {
                    case .none: value = .string(text)
                    case .password: value = .string(Self.withoutPassword(text))
                    case .whole: value = .string(Self.redacted)
                    }
                } else if setting == .database {
                    value = .string(try settings.databasePath())
                } else if setting == .issuer {
                    // The derived default needs a fixed port and a host clients can reach: say why there is none.
                    do {
                        value = .string(try settings.issuer())
                    } catch {
                        value = .string("(none: \(error))")
                    }
                } else {
                    value = .null
                }
            }
            source = settings.source(of: setting)
        }

        var text: String {
            switch value {
            case .string(let text): text
            case .array(let items): items.compactMap(\.stringValue).joined(separator: ",")
            case .null: "(not set)"
            default: JSONWriter.string(value)
            }
        }

        var json: JSONObject {
            var object: JSONObject = ["key": .string(setting.key), "value": value]
            let (kind, detail): (String, (String, String)?) =
                switch source {
                case .flag(let flag): ("flag", ("name", flag))
                case .environment(let name): ("environment", ("name", name))
                case .file(let path): ("file", ("path", path))
                case .default: ("default", nil)
                }
            object["source"] = .string(kind)
            if let (member, text) = detail { object[member] = .string(text) }
            return object
        }

        /// A URL's password replaced (`postgres://jot:<redacted>@db/jot`); other text unchanged.
        static func withoutPassword(_ text: String) -> String {
            guard text.contains("://"), let components = URLComponents(string: text), var shown = components.string,
                let password = components.rangeOfPassword
            else { return text }
            shown.replaceSubrange(password, with: redacted)
            return shown
        }
    }
}
