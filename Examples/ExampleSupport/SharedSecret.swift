#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The HS256 shared secret of the examples, read from an environment variable (the issuer's `JWT_SECRET`).
public enum SharedSecret {
    /// The variable's UTF-8 bytes; refused when missing, empty or shorter than HS256's 32 bytes (RFC 7518 §3.2).
    public static func bytes(
        from name: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ExampleError) -> [UInt8] {
        let fix = "\(name)=$(openssl rand -base64 48), the same value as the issuer's"
        guard let text = environment[name], !text.isEmpty else {
            throw .invalidOption("\(name) is not set; export a secret of at least 32 bytes, e.g. \(fix)")
        }
        let bytes = Array(text.utf8)
        guard bytes.count >= 32 else {
            throw .invalidOption("\(name) is \(bytes.count) bytes; HS256 needs at least 32 (RFC 7518 §3.2): \(fix)")
        }
        return bytes
    }
}
