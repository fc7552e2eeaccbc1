import NIOCore

/// IP address literals, compared in NIO's normalized text form (no C structs: member-import visibility attributes
/// their members to whichever C module first parsed the header).
enum IPAddressText {
    /// The normalized text of an IP address literal (`::1`, `127.0.0.1`); `nil` for a name.
    static func normalized(_ text: String) -> String? {
        (try? SocketAddress(ipAddress: text, port: 0))?.ipAddress
    }

    /// An IPv4 or IPv6 address (4 or 16 bytes) in its usual text form.
    static func text(_ bytes: [UInt8]) -> String {
        (try? SocketAddress(packedIPAddress: ByteBuffer(bytes: bytes), port: 0))?.ipAddress ?? bytes.map { String($0) }.joined(separator: ".")
    }
}
