import ArgumentParser
import ServerSupport
import Testing

/// A command shaped like the example services: its own options plus shared option groups.
private struct Service: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "service", subcommands: [Child.self])

    struct Child: AsyncParsableCommand {
        @Option(name: [.short, .long], help: "One value.") var audience: String?
        @Option(help: "Several values.") var scope: [String] = []
        func run() async throws {}
    }

    @Option(help: "One value.") var issuer = "http://127.0.0.1:8080"
    @OptionGroup var limits: ServerLimitsOptions
    func run() async throws {}
}

@Suite("RepeatedOptions: a single-value option given twice is refused")
struct RepeatedOptionsTests {
    static func refusal(_ arguments: [String]) -> String? {
        do {
            try RepeatedOptions.refuse(in: arguments, of: Service.self)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test(
        "Refused, whatever the spelling, in the command's own options and in its option groups",
        arguments: [
            ["--issuer", "a", "--issuer", "b"],
            ["--issuer=a", "--issuer", "b"],
            ["--max-connections", "1", "--max-connections=2"],
            ["child", "--audience", "a", "-a", "b"],
        ]
    )
    func refused(arguments: [String]) {
        let message = Self.refusal(arguments)
        #expect(message?.contains("was given 2 times, but it takes a single value") == true, "\(message ?? "accepted")")
    }

    @Test(
        "Accepted: once each, list options repeated, values that look like options, anything after --",
        arguments: [
            ["--issuer", "a", "--max-connections", "1"],
            ["child", "--scope", "a", "--scope", "b", "--audience", "x"],
            ["child", "--audience", "--audience"],
            ["child", "--audience", "a", "--", "--audience", "b"],
        ]
    )
    func accepted(arguments: [String]) {
        #expect(Self.refusal(arguments) == nil)
    }
}
