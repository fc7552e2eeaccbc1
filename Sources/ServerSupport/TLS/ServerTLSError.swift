/// Why a certificate and key pair cannot be served. Each message names the file and the fix.
public enum ServerTLSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A file cannot be read (missing, not permitted …).
    case unreadable(path: String, reason: String)
    /// The key file can be read by its group or by others.
    case keyReadableByOthers(path: String, mode: Int)
    /// The certificate file holds no PEM certificate, or one that does not parse.
    case invalidCertificate(path: String, reason: String)
    /// The key file holds no usable unencrypted PEM private key.
    case invalidKey(path: String, reason: String)
    /// The key is not the certificate's.
    case mismatchedPair(certificate: String, key: String)
    /// The certificate has expired (`notAfter` in ISO 8601).
    case expired(path: String, notAfter: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read \(path): \(reason)"
        case .keyReadableByOthers(let path, let mode):
            "TLS key \(path) has mode \(String(mode & 0o777, radix: 8)): it must not be readable by group or others; "
                + "run `chmod 600 \(path)`"
        case .invalidCertificate(let path, let reason):
            "\(path) is not a PEM certificate chain (\(reason)): give the server certificate first, then its intermediates"
        case .invalidKey(let path, let reason):
            "\(path) is not an unencrypted PEM private key (\(reason))"
        case .mismatchedPair(let certificate, let key):
            "the key \(key) does not belong to the certificate \(certificate): give the key the certificate was issued for "
                + "(a renewal may have replaced only one of the two files)"
        case .expired(let path, let notAfter):
            "the certificate \(path) expired on \(notAfter): renew it"
        }
    }
}
