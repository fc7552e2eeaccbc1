public import NIOSSL

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The certificate authorities a verifier trusts when it fetches a JWKS or a discovery document over `https`.
///
/// ``system`` (the default) uses the operating system's roots. A PEM bundle *replaces* them: only the CAs in the
/// bundle are trusted, which is what an internal PKI wants (a public CA can then not vouch for the issuer). There is
/// deliberately no way to accept any certificate.
///
/// TLS 1.2 is the least version spoken, whatever the roots.
public struct TrustRoots: Sendable, Hashable, CustomStringConvertible {
    enum Storage: Sendable, Hashable {
        case system
        case certificates([NIOSSLCertificate], source: String)
    }

    let storage: Storage

    /// The operating system's trusted roots.
    public static let system = TrustRoots(storage: .system)

    /// Trusts exactly the certificates of a PEM bundle (one or more `-----BEGIN CERTIFICATE-----` blocks).
    ///
    /// - Parameters:
    ///   - pem: The bundle's text.
    ///   - source: Where it came from, for messages (a file name).
    /// - Throws: ``TrustRootsError/noCertificates(source:)`` or ``TrustRootsError/invalidPEM(source:reason:)``.
    public init(pemBundle pem: String, source: String = "PEM bundle") throws(TrustRootsError) {
        guard pem.contains("-----BEGIN CERTIFICATE-----") else { throw .noCertificates(source: source) }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
        } catch {
            throw .invalidPEM(source: source, reason: String(describing: error))
        }
        guard !certificates.isEmpty else { throw .noCertificates(source: source) }
        self.storage = .certificates(certificates, source: source)
    }

    /// Trusts exactly the certificates of the PEM bundle in the file at `path`.
    ///
    /// - Throws: ``TrustRootsError/unreadable(path:reason:)`` and the errors of ``init(pemBundle:source:)``.
    public init(pemFile path: String) throws(TrustRootsError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "not readable (permissions, or a directory)" : "no such file"
            throw .unreadable(path: path, reason: reason)
        }
        try self.init(pemBundle: String(decoding: data, as: UTF8.self), source: path)
    }

    init(storage: Storage) {
        self.storage = storage
    }

    /// How many certificates the bundle holds; `nil` for the system roots.
    public var certificateCount: Int? {
        if case .certificates(let certificates, _) = storage { return certificates.count }
        return nil
    }

    public var description: String {
        switch storage {
        case .system: "the system's trusted roots"
        case .certificates(let certificates, let source): "\(certificates.count) CA certificate\(certificates.count == 1 ? "" : "s") from \(source)"
        }
    }

    /// A client configuration trusting these roots, TLS 1.2 at least, with full verification (chain and name).
    public var clientTLSConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        if case .certificates(let certificates, _) = storage {
            configuration.trustRoots = .certificates(certificates)
        }
        return configuration
    }
}
