#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `stat` says about the certificate and key files (kept apart from Foundation, whose overlay hides `stat`'s
/// members under member-import visibility).
enum FileState {
    /// Identity of both files' contents as far as `stat` can tell (inode, size, mode, modification time).
    struct Signature: Equatable {
        var certificate: [Int]
        var key: [Int]
    }

    static func signature(certificatePath: String, keyPath: String) -> Signature {
        Signature(certificate: describe(certificatePath), key: describe(keyPath))
    }

    private static func describe(_ path: String) -> [Int] {
        var status = stat()
        guard stat(path, &status) == 0 else { return [-1] }
        #if canImport(Darwin)
        let modified = status.st_mtimespec
        #else
        let modified = status.st_mtim
        #endif
        return [Int(status.st_ino), Int(status.st_size), Int(status.st_mode), Int(modified.tv_sec), Int(modified.tv_nsec)]
    }

    /// The permission bits of `path`.
    static func mode(of path: String) throws(ServerTLSError) -> Int {
        var status = stat()
        guard stat(path, &status) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        return Int(status.st_mode) & 0o7777
    }

    /// An IPv4 or IPv6 address in its usual text form.
    static func ipAddressText(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard bytes.count == 16,
            bytes.withUnsafeBytes({ inet_ntop(AF_INET6, $0.baseAddress, &buffer, socklen_t(buffer.count)) }) != nil
        else { return bytes.map { String($0, radix: 16) }.joined(separator: ":") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
