import NIOCore
import NIOSSL
import SwiftASN1
package import X509

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

extension TLSFailure {
    /// Whether `error` comes from the TLS layer (a handshake or certificate refusal).
    static func isTLSError(_ error: any Error) -> Bool {
        error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError
    }

    /// Explains a refused TLS connection to `url`: a protocol-version refusal from the error itself; a certificate
    /// refusal by looking at the chain the server presents (a second handshake, aborted as soon as the chain
    /// arrives — nothing is ever sent over it), read with ``explainChain(_:host:now:)``.
    static func explain(_ error: any Error, url: String, trustRoots: TrustRoots, timeout: TimeAmount, now: Date) async -> TLSFailure {
        let parsed = URL(string: url)
        let host = parsed?.host ?? url
        let text = String(describing: error)
        if text.contains("UNSUPPORTED_PROTOCOL") || text.contains("PROTOCOL_VERSION") {
            return .protocolVersion(host: host)
        }
        let port = parsed?.port ?? 443
        let presented = await TLSProbe.presentedChain(
            host: Self.bare(host),
            port: port,
            configuration: trustRoots.clientTLSConfiguration,
            timeout: timeout
        )
        let chain = presented.compactMap { try? Certificate(derEncoded: $0.toDERBytes()) }
        return explainChain(chain, host: host, now: now) ?? .handshake(host: host, reason: text)
    }

    /// The first problem the chain shows for `host` at `now`: validity dates, then the name, then a self-signed
    /// certificate, then an issuer that is not trusted. Called only once the TLS library has refused the chain, so a
    /// chain without date or name problem is taken to be refused for its issuer. `nil` for an empty chain.
    package static func explainChain(_ chain: [Certificate], host: String, now: Date) -> TLSFailure? {
        guard let leaf = chain.first else { return nil }
        if now > leaf.notValidAfter { return .expired(host: host, notAfter: leaf.notValidAfter, now: now) }
        if now < leaf.notValidBefore { return .notYetValid(host: host, notBefore: leaf.notValidBefore, now: now) }
        let names: [GeneralName] = ((try? leaf.extensions.subjectAlternativeNames) ?? nil).map { Array($0) } ?? []
        if !matches(host: host, names: names) {
            return .nameMismatch(host: host, names: names.compactMap(describe))
        }
        let top = chain.last ?? leaf
        if chain.count == 1, leaf.issuer == leaf.subject {
            return .selfSigned(host: host, subject: leaf.subject.description)
        }
        return .untrustedIssuer(host: host, issuer: top.issuer.description)
    }

    /// Whether a certificate with these subjectAltNames is for `host`: an IP address must be listed as an IP
    /// address; a name matches a DNS name case-insensitively, `*.` matching exactly one leftmost label.
    static func matches(host: String, names: [GeneralName]) -> Bool {
        let bare = Self.bare(host)
        if let address = IPAddressText.normalized(bare) {
            return names.contains { name in
                if case .ipAddress(let listed) = name { return IPAddressText.text(Array(listed.bytes)) == address }
                return false
            }
        }
        let wanted = bare.lowercased().trimmingSuffix(".")
        return names.contains { name in
            guard case .dnsName(let listed) = name else { return false }
            let pattern = listed.lowercased().trimmingSuffix(".")
            if pattern == wanted { return true }
            guard pattern.hasPrefix("*."), let dot = wanted.firstIndex(of: ".") else { return false }
            return wanted[dot...] == pattern.dropFirst()
        }
    }

    static func describe(_ name: GeneralName) -> String? {
        switch name {
        case .dnsName(let value): return value
        case .ipAddress(let bytes): return IPAddressText.text(Array(bytes.bytes))
        default: return nil
        }
    }

    /// `host` without the brackets of an IPv6 literal.
    static func bare(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
