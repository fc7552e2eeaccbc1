import Configuration
import Foundation
import Synchronization

/// Where `jot` finds its configuration file: `--config FILE`, else `JOT_CONFIG`, else `jot.json` in the current
/// directory when there is one (a missing default is no error; a missing named file is).
struct ConfigFileLocation {
    static let defaultPath = "jot.json"

    let path: String
    /// How the file was named (`--config`, `JOT_CONFIG`), or `nil` for the default.
    let namedBy: String?

    init(flag: String?, environment: [String: String]) {
        if let flag {
            (path, namedBy) = (flag, "--config")
        } else if let variable = environment["JOT_CONFIG"] {
            (path, namedBy) = (variable, "JOT_CONFIG")
        } else {
            (path, namedBy) = (Self.defaultPath, nil)
        }
    }

    /// The file's provider (swift-configuration's `FileProvider` with its JSON snapshot), after checking that every
    /// key is a setting the file may hold and every value has that setting's type; `nil` without a file.
    func load() async throws(CLIError) -> (path: String, provider: any ConfigProvider)? {
        guard FileManager.default.fileExists(atPath: path) else {
            guard let namedBy else { return nil }
            throw .invalidInput("the configuration file \(path) (from \(namedBy)) does not exist: create it, or name another one")
        }
        // The JSON snapshot asks the secrets specifier about every key it reads: that is the list of keys in the file.
        // Unknown keys count as secrets until refused, so that a misspelt secret is never shown.
        let keys = KeysSeen()
        let options = JSONSnapshot.ParsingOptions(
            secretsSpecifier: .dynamic { key, _ in
                keys.names.withLock { $0.append(key) }
                return Setting.named(key)?.isSecret ?? true
            }
        )
        let provider: FileProvider<JSONSnapshot>
        do {
            // Configured through a reader (its documented `filePath` key), the provider needs no SystemPackage import.
            let location = ConfigReader(provider: InMemoryProvider(values: ["filePath": ConfigValue(.string(path), isSecret: false)]))
            provider = try await FileProvider<JSONSnapshot>(parsingOptions: options, config: location)
        } catch {
            throw .invalidInput("cannot read the configuration file \(path): \(error) (it must be one JSON object of settings)")
        }
        for key in keys.names.withLock({ $0 }).sorted() {
            try check(key, in: provider)
        }
        return (path, provider)
    }

    private func check(_ key: String, in provider: FileProvider<JSONSnapshot>) throws(CLIError) {
        guard let setting = Setting.named(key) else {
            let known = Setting.all.filter(\.isAllowedInFile).map(\.key)
            let guess = known.min { Self.distance($0, key) < Self.distance($1, key) }.flatMap { Self.distance($0, key) <= 3 ? $0 : nil }
            throw .invalidInput(
                "unknown setting '\(key)' in \(path)" + (guess.map { ": did you mean '\($0)'?" } ?? "")
                    + " (the settings are: \(known.joined(separator: ", ")))"
            )
        }
        guard setting.isAllowedInFile else {
            throw .invalidInput(
                "'\(key)' in \(path) is a secret and is not read from the file: set \(setting.environmentVariable) in the environment "
                    + "(systemd: EnvironmentFile=) and remove it from the file"
            )
        }
        do {
            _ = try provider.value(forKey: AbsoluteConfigKey(setting.configKey), type: setting.kind.configType)
        } catch {
            throw .invalidInput("'\(key)' in \(path) must be \(setting.kind.expected), e.g. \(setting.example)")
        }
    }

    /// Edit distance, for the suggestion on a misspelt key.
    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}

/// The keys the JSON snapshot read, collected from the parser's secrets question.
private final class KeysSeen: Sendable {
    let names = Mutex<[String]>([])
}
