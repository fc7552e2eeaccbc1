import Foundation
import NIOCore

/// What the file system says about the certificate and key files. Read through `FileManager` rather than `stat`'s C
/// struct, whose members member-import visibility attributes to whichever C module first parsed the header.
enum FileState {
    /// Identity of both files' contents as far as their attributes tell (inode, size, mode, modification time).
    struct Signature: Equatable {
        var certificate: [String]
        var key: [String]
    }

    static func signature(certificatePath: String, keyPath: String) -> Signature {
        Signature(certificate: describe(certificatePath), key: describe(keyPath))
    }

    private static func describe(_ path: String) -> [String] {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return ["missing"] }
        return [
            attributes[.systemFileNumber].map { "\($0)" } ?? "",
            attributes[.size].map { "\($0)" } ?? "",
            attributes[.posixPermissions].map { "\($0)" } ?? "",
            (attributes[.modificationDate] as? Date).map { "\($0.timeIntervalSince1970)" } ?? "",
        ]
    }

    /// The permission bits of `path`.
    static func mode(of path: String) throws(ServerTLSError) -> Int {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "not readable (permissions)" : "no such file"
            throw .unreadable(path: path, reason: reason)
        }
        let value = attributes[.posixPermissions]
        guard let mode = (value as? Int) ?? (value as? UInt16).map(Int.init) ?? (value as? NSNumber)?.intValue else {
            throw .unreadable(path: path, reason: "its permissions cannot be read")
        }
        return mode
    }

    /// An IPv4 or IPv6 address (4 or 16 bytes) in its usual text form.
    static func ipAddressText(_ bytes: [UInt8]) -> String {
        (try? SocketAddress(packedIPAddress: ByteBuffer(bytes: bytes), port: 0))?.ipAddress ?? bytes.map { String($0) }.joined(separator: ".")
    }
}
