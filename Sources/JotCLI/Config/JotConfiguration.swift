package import Configuration
import Foundation
package import ServerSupport
import Synchronization

/// The settings of one `jot` invocation, read through swift-configuration from four layers — flags, then the
/// environment, then the configuration file, then the defaults — with the layer each value came from.
///
/// The file is JSON (`jot.json`): one object whose keys are the long flags' names (``Setting``). It is found by
/// `--config FILE`, else `JOT_CONFIG`, else `jot.json` in the current directory if there is one. A key the file must
/// not have (a typo, a secret) and a value of the wrong type are refused when the file is loaded, naming the key.
package struct JotConfiguration: Sendable {
    /// Where a value came from.
    package enum Source: Sendable, Hashable, CustomStringConvertible {
        case flag(String)
        case environment(String)
        case file(String)
        case `default`

        package var description: String {
            switch self {
            case .flag(let flag): "flag \(flag)"
            case .environment(let name): "environment \(name)"
            case .file(let path): "file \(path)"
            case .default: "default"
            }
        }
    }

    /// The configuration file in use, if any.
    package let file: String?
    private let reader: ConfigReader
    private let environment: [String: String]
    private let accesses: AccessRecorder
    /// Layer of each provider, by provider name.
    private let layers: [String: Layer]

    private enum Layer { case flags, environment, file, defaults }

    /// Loads the file (if any) and prepares the layers.
    ///
    /// - Parameters:
    ///   - flags: The values given on the command line (only the flags the user typed).
    ///   - configFile: `--config`, if given.
    ///   - environment: The process environment; an empty variable counts as unset.
    /// - Throws: ``CLIError/invalidInput(_:)`` for a missing `--config` file, a file that is not a JSON object, an
    ///   unknown key, or a value of the wrong type.
    package static func load(
        flags: [Setting: ConfigContent] = [:],
        configFile: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(CLIError) -> JotConfiguration {
        let environment = environment.filter { !$0.value.isEmpty }
        let location = ConfigFileLocation(flag: configFile, environment: environment)
        let file = try await location.load()
        return JotConfiguration(flags: flags, environment: environment, file: file)
    }

    private init(flags: [Setting: ConfigContent], environment: [String: String], file: (path: String, provider: any ConfigProvider)?) {
        let flagProvider = InMemoryProvider(
            name: "flags",
            values: Dictionary(
                uniqueKeysWithValues: flags.map { setting, content in
                    (AbsoluteConfigKey(setting.configKey), ConfigValue(content, isSecret: setting.isSecret))
                }
            )
        )
        let environmentProvider = KeyMappingProvider(
            upstream: EnvironmentVariablesProvider(
                environmentVariables: environment,
                secretsSpecifier: .specific(Set(Setting.all.filter(\.isSecret).map(\.environmentVariable)))
            ),
            keyMapper: { key in
                // Each setting keeps its own variable name (JOT_KEYS, LOG_LEVEL, JWT_SECRET): a contract with users.
                AbsoluteConfigKey([key.components.count == 1 ? Setting.named(key.components[0])?.environmentVariable ?? "" : ""])
            }
        )
        let defaultsProvider = InMemoryProvider(
            name: "defaults",
            values: Dictionary(
                uniqueKeysWithValues: Setting.all.compactMap { setting in
                    setting.defaultValue.map { (AbsoluteConfigKey(setting.configKey), ConfigValue($0, isSecret: setting.isSecret)) }
                }
            )
        )
        var providers: [any ConfigProvider] = [flagProvider, environmentProvider]
        var layers: [String: Layer] = [flagProvider.providerName: .flags, environmentProvider.providerName: .environment]
        if let file {
            providers.append(file.provider)
            layers[file.provider.providerName] = .file
        }
        providers.append(defaultsProvider)
        layers[defaultsProvider.providerName] = .defaults
        let accesses = AccessRecorder()
        self.file = file?.path
        self.environment = environment
        self.layers = layers
        self.accesses = accesses
        self.reader = ConfigReader(providers: providers, accessReporter: accesses)
    }

    // MARK: Reading

    /// A string setting, or `nil` when no layer sets it and it has no default.
    package func string(_ setting: Setting) throws(CLIError) -> String? {
        guard case .string(let text)? = try read(setting) else { return nil }
        return text
    }

    /// A string setting that has a default.
    package func requiredString(_ setting: Setting) throws(CLIError) -> String { try required(string(setting), setting) }

    /// A whole-number setting (each has a default).
    package func int(_ setting: Setting) throws(CLIError) -> Int {
        guard case .int(let number)? = try read(setting) else { return try required(nil, setting) }
        return number
    }

    /// A list setting (a repeatable flag, a comma-separated variable, a JSON array of strings; each has a default).
    package func list(_ setting: Setting) throws(CLIError) -> [String] {
        guard case .stringArray(let values)? = try read(setting) else { return try required(nil, setting) }
        // "a, b," in a variable: the empty pieces are separators, not values (a flag's '' is refused later instead).
        guard case .environment = source(of: setting) else { return values }
        return values.filter { !$0.isEmpty }
    }

    /// A duration setting (`90s`, `15m`, `12h`, `30d`), or `nil` when it is off.
    package func duration(_ setting: Setting) throws(CLIError) -> Duration? {
        guard let text = try string(setting) else { return nil }
        do {
            return try DurationText.parse(text)
        } catch {
            throw .invalidInput("\(origin(of: setting)): \(error)")
        }
    }

    /// A duration setting that has a default.
    package func requiredDuration(_ setting: Setting) throws(CLIError) -> Duration { try required(duration(setting), setting) }

    /// The default layer answers for every setting with a default: `nil` here is a setting declared without one.
    private func required<T>(_ value: T?, _ setting: Setting) throws(CLIError) -> T {
        guard let value else { throw .invalidInput("\(setting.key) has no value and no default: set \(setting.environmentVariable)") }
        return value
    }

    /// The layer a setting's value comes from (`.default` also when it has none).
    package func source(of setting: Setting) -> Source {
        // The source is what swift-configuration reports for a read: read it now, whatever happened before.
        _ = try? lookup(setting)
        return switch accesses.outcome(of: setting, layers: layers) {
        case .value(.flags), .failure(.flags): .flag(setting.flag ?? "--\(setting.key)")
        case .value(.environment), .failure(.environment): .environment(setting.environmentVariable)
        case .value(.file), .failure(.file): .file(file ?? "")
        case .value(.defaults), .failure(.defaults), .missing, .none: .default
        }
    }

    /// The environment ServerSupport's options (HTTPS, network limits) read: the process's, plus the file's values
    /// under their variables' names where the environment has none. Their flags still win: the options read those
    /// first.
    package func serverEnvironment() throws(CLIError) -> [String: String] {
        var result = environment
        for setting in Setting.serverEdge where result[setting.environmentVariable] == nil {
            guard case .file = source(of: setting), let value = try read(setting) else { continue }
            switch value {
            case .int(let number): result[setting.environmentVariable] = String(number)
            case .string(let text): result[setting.environmentVariable] = text
            default: continue
            }
        }
        return result
    }

    /// Runs a check of ServerSupport's options against ``serverEnvironment()``; a refusal of a value the file set
    /// says so (ServerSupport names the variable).
    package func checkedServerEdge<T>(_ body: ([String: String]) throws(OperatorInput.Refusal) -> T) throws(CLIError) -> T {
        let environment = try serverEnvironment()
        do {
            return try body(environment)
        } catch {
            let fromFile = Setting.serverEdge.filter { setting in
                guard case .file(let path) = source(of: setting) else { return false }
                return error.description.contains(setting.environmentVariable) && !path.isEmpty
            }
            let note = fromFile.map { "\($0.environmentVariable) is '\($0.key)' in \(file ?? "")" }.joined(separator: "; ")
            throw .invalidInput(error.description + (note.isEmpty ? "" : " (\(note))"))
        }
    }

    /// The setting and where it came from, for messages: `--port`, `JOT_PORT`, `'port' in /etc/jot/jot.json`.
    package func origin(of setting: Setting) -> String {
        switch source(of: setting) {
        case .flag(let flag): flag
        case .environment(let name): name
        case .file(let path): "'\(setting.key)' in \(path)"
        case .default: "--\(setting.key)"
        }
    }

    /// The value through the reader's typed accessor (swift-configuration converts and reports the access).
    private func lookup(_ setting: Setting) throws -> ConfigContent {
        let key = setting.configKey
        return switch setting.kind {
        case .int: .int(try reader.requiredInt(forKey: key, isSecret: setting.isSecret))
        case .list: .stringArray(try reader.requiredStringArray(forKey: key, isSecret: setting.isSecret))
        case .string, .duration: .string(try reader.requiredString(forKey: key, isSecret: setting.isSecret))
        }
    }

    /// The value, `nil` when no layer has one.
    private func read(_ setting: Setting) throws(CLIError) -> ConfigContent? {
        do {
            return try lookup(setting)
        } catch {
            // The file's types are checked when it is loaded and flags are typed by the parser: a value that does not
            // convert comes from the environment.
            guard case .failure = accesses.outcome(of: setting, layers: layers) else { return nil }
            let text = environment[setting.environmentVariable].map { setting.isSecret ? "" : "=\(OperatorInput.printable($0))" } ?? ""
            throw .invalidInput("\(setting.environmentVariable)\(text) is not \(setting.kind.expected)")
        }
    }
}

/// The last access to each key, as swift-configuration reports it: which provider answered, failed, or none.
private final class AccessRecorder: AccessReporter, Sendable {
    enum Outcome<Layer> {
        case value(Layer)
        case failure(Layer)
        case missing
    }

    private let events = Mutex<[String: AccessEvent]>([:])

    func report(_ event: AccessEvent) {
        events.withLock { $0[event.metadata.key.description] = event }
    }

    func outcome<Layer>(of setting: Setting, layers: [String: Layer]) -> Outcome<Layer>? {
        guard let event = events.withLock({ $0[AbsoluteConfigKey(setting.configKey).description] }) else { return nil }
        // Providers are asked in order; the last one asked answered, failed, or was the last of all.
        guard let last = event.providerResults.last, let layer = layers[last.providerName] else { return .missing }
        switch last.result {
        case .failure: return .failure(layer)
        case .success(let lookup): return lookup.value == nil ? .missing : .value(layer)
        }
    }
}
