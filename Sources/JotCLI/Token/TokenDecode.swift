public import ArgumentParser
import Foundation
import JOSE

/// `jot token decode TOKEN`: prints header and claims WITHOUT verifying anything.
public struct TokenDecode: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Print a JWT's header and claims without verifying it (says so on stderr)."
    )

    @Argument(help: "The compact JWT, or - to read it from standard input.")
    public var token: String

    public init() {}

    public func run() async throws {
        IO.printError("warning: NOT VERIFIED: the signature and claims of this token were not checked\n")
        print(try output())
    }

    package func output() throws(CLIError) -> String {
        let token = IO.token(self.token)
        guard token.utf8.count <= 1 << 16 else { throw .invalidToken("token is over 64 KiB") }
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3 else {
            throw .invalidToken("a compact JWS has 3 segments separated by '.', this one has \(segments.count)")
        }
        func decode(_ segment: Substring, _ name: String) throws(CLIError) -> JSONValue {
            guard let bytes = Base64URL.decode(segment) else { throw .invalidToken("the \(name) is not strict base64url") }
            if let value = try? JSONReader().parse(bytes) { return value }
            if name == "header" { throw .invalidToken("the header is not a valid JSON object") }
            return .string(String(decoding: bytes, as: UTF8.self))
        }
        let header = try decode(segments[0], "header")
        let payload = try decode(segments[1], "payload")
        var document: JSONObject = ["header": header]
        document[payload.objectValue != nil ? "claims" : "payload"] = payload
        document["verified"] = false
        return JSONWriter.prettyString(.object(document))
    }
}
