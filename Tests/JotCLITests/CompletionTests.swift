import ArgumentParser
import Testing

@testable import JotCLI

@Suite("jot --generate-completion-script")
struct CompletionTests {
    @Test("bash, zsh and fish scripts generate and name the subcommands", arguments: ["bash", "zsh", "fish"])
    func generates(shell: String) throws {
        let script = Jot.completionScript(for: try #require(CompletionShell(rawValue: shell)))
        for command in ["serve", "keys", "users", "clients", "token", "config"] {
            #expect(script.contains(command), "\(shell): \(command)")
        }
        #expect(script.contains("rotate"))
    }
}
