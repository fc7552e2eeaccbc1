import JOSE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Why a TLS connection to a key server was refused, in words an operator can act on.
///
/// Read from the certificate chain the server presented (see ``JWKSFetchError/tls(url:failure:)``): the handshake
/// itself is always refused by the TLS library first; this only explains the refusal.
public enum TLSFailure: Sendable, Hashable, CustomStringConvertible {
    /// The server's certificate expired at `notAfter` (`now` is when this was seen).
    case expired(host: String, notAfter: Date, now: Date)
    /// The server's certificate is valid only from `notBefore`.
    case notYetValid(host: String, notBefore: Date, now: Date)
    /// The certificate names neither the host name nor the IP address connected to; `names` are the names it has.
    case nameMismatch(host: String, names: [String])
    /// The certificate signed itself, and is not among the trusted roots.
    case selfSigned(host: String, subject: String)
    /// The chain ends at an issuer that is not among the trusted roots.
    case untrustedIssuer(host: String, issuer: String)
    /// The server speaks only a TLS version below 1.2.
    case protocolVersion(host: String)
    /// Another handshake failure, with the TLS library's words.
    case handshake(host: String, reason: String)

    public var description: String {
        switch self {
        case .expired(let host, let notAfter, let now):
            "certificate for \(host) expired \(Self.span(notAfter.duration(to: now))) ago (not valid after "
                + "\(Self.timestamp(notAfter))): renew it on the server"
        case .notYetValid(let host, let notBefore, let now):
            "certificate for \(host) is not valid yet: valid from \(Self.timestamp(notBefore)), in "
                + "\(Self.span(now.duration(to: notBefore))); check the server's and this machine's clocks"
        case .nameMismatch(let host, let names):
            names.isEmpty
                ? "certificate names no DNS name or IP address (subjectAltName), so it is not for \(host)"
                : "certificate is for \(names.joined(separator: ", ")), not \(host): use a URL with a name it lists, "
                    + "or reissue it with \(host) in its subjectAltName"
        case .selfSigned(let host, let subject):
            "certificate for \(host) is self-signed (\(subject)) and not trusted: serve a certificate issued by a CA, "
                + "and add that CA with --jwks-ca-file (TrustRoots in code)"
        case .untrustedIssuer(let host, let issuer):
            "issuer not trusted: the certificate for \(host) is issued by \(issuer); add that CA's certificate with "
                + "--jwks-ca-file (TrustRoots in code), or have the server send its intermediate certificates"
        case .protocolVersion(let host):
            "\(host) offers only TLS below 1.2, which is refused: enable TLS 1.2 or 1.3 on the server"
        case .handshake(let host, let reason):
            "TLS handshake with \(host) failed: \(reason)"
        }
    }

    /// "3 days", "5 hours", "2 minutes", "40 seconds" (whole units, rounded down).
    static func span(_ duration: Duration) -> String {
        let seconds = max(0, duration.inSeconds)
        func count(_ value: Double, _ unit: String) -> String {
            let whole = Int(value.rounded(.down))
            return "\(whole) \(unit)\(whole == 1 ? "" : "s")"
        }
        if seconds >= 86_400 { return count(seconds / 86_400, "day") }
        if seconds >= 3600 { return count(seconds / 3600, "hour") }
        if seconds >= 60 { return count(seconds / 60, "minute") }
        return count(seconds, "second")
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
