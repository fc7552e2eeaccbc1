import ArgumentParser
import Foundation
import Testing
import TokenIssuer

@testable import JotCLI

/// `Examples/systemd`: the unit's `ExecStart=` is a command line the real `jot serve` parser accepts, and the example
/// `jot.json` it reads holds only known settings of the right types.
@Suite("Examples/systemd")
struct SystemdUnitTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Examples/systemd")
        .standardizedFileURL.path

    @Test("ExecStart parses as jot serve and names /etc/jot/jot.json with --config")
    func execStart() throws {
        let unit = try String(contentsOfFile: "\(Self.directory)/jot.service", encoding: .utf8)
        let line = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        let words = line.dropFirst("ExecStart=".count).split(separator: " ").map(String.init)
        #expect(words.first == "/usr/local/bin/jot")
        #expect(words.dropFirst().first == "serve")
        let serve = try ServeCommand.parse(Array(words.dropFirst(2)))
        #expect(serve.store.configFile.config == "/etc/jot/jot.json")
        for directive in [
            "User=jot", "ProtectSystem=strict", "ReadWritePaths=/var/lib/jot", "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectHome=yes",
            "CapabilityBoundingSet=\n", "RestrictAddressFamilies=", "SystemCallFilter=@system-service", "EnvironmentFile=",
        ] {
            #expect(unit.contains(directive), "\(directive)")
        }
    }

    @Test(
        "systemd-analyze verify accepts the unit (ExecStart pointed at an existing binary)",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"))
    )
    func systemdAnalyze() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jot-unit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let unit = try String(contentsOfFile: "\(Self.directory)/jot.service", encoding: .utf8)
        try unit.replacingOccurrences(of: "/usr/local/bin/jot", with: "/bin/true").write(
            toFile: "\(directory)/jot.service",
            atomically: true,
            encoding: .utf8
        )
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        process.arguments = ["verify", "\(directory)/jot.service"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(!text.contains("jot.service"), "\(text)")
    }

    @Test("the example jot.json loads: known keys, right types, the state under /var/lib/jot")
    func exampleConfiguration() async throws {
        let settings = try await ServeCommand.parse(["--config", "\(Self.directory)/jot.json"]).settings(environment: [:])
        #expect(try settings.keysDirectory() == "/var/lib/jot/Keys")
        #expect(try settings.databasePath() == "/var/lib/jot/jot-users.sqlite")
        let serve = try ServeCommand.parse(["--config", "\(Self.directory)/jot.json"])
        #expect(try serve.resolvedConfiguration(settings).issuer == "https://auth.example.com")
    }
}
