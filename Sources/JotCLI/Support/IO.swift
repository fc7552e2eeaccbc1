import Foundation
package import JOSE

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Small I/O helpers for the CLI: files, environment, standard input, and secret files created mode 0600.
package enum IO {
    package static func readText(_ path: String, limit: Int = 1 << 20) throws(CLIError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableFile(path: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        guard data.count <= limit else { throw .unreadableFile(path: path, reason: "larger than \(limit) bytes") }
        guard let text = String(data: data, encoding: .utf8) else { throw .unreadableFile(path: path, reason: "not UTF-8 text") }
        return text
    }

    package static func readStandardInput(limit: Int = 1 << 20) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= limit {
            let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A secret from the environment, as its UTF-8 bytes.
    package static func secret(
        fromEnvironment name: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(CLIError) -> [UInt8] {
        guard let value = environment[name], !value.isEmpty else { throw .missingEnvironment(name) }
        return Array(value.utf8)
    }

    /// Writes `contents` to a new file with mode 0600 (refusing to overwrite), flushed to disk.
    package static func writeSecretFile(_ path: String, contents: String) throws(CLIError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw .fileExists(path) }
            throw .unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { throw .unreadableFile(path: path, reason: String(cString: strerror(errno))) }
            written += count
        }
        fsync(fd)
    }

    /// Reads a token argument: `-` means standard input. Surrounding whitespace is trimmed.
    package static func token(_ argument: String) -> String {
        let raw = argument == "-" ? readStandardInput(limit: 1 << 16) : argument
        return trimmed(raw)
    }

    /// Parses a JSON object given on the command line (or `@file` to read it from a file).
    package static func jsonObject(_ argument: String, option: String) throws(CLIError) -> JSONObject {
        let text = argument.hasPrefix("@") ? try readText(String(argument.dropFirst())) : argument
        let value: JSONValue
        do {
            value = try JSONReader(maxDepth: 32, maxBytes: 1 << 20).parse(text)
        } catch {
            throw .invalidInput("\(option) is not valid JSON: \(error)")
        }
        guard case .object(let object) = value else { throw .invalidInput("\(option) must be a JSON object") }
        return object
    }

    /// Writes a line to standard error (`terminator: ""` for a prompt).
    package static func printError(_ message: String, terminator: String = "\n") {
        FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + terminator).utf8))
    }

    package static func trimmed(_ text: String) -> String {
        var scalars = Substring(text)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
