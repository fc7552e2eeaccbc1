public import Crypto
public import Foundation
import SwiftASN1
public import X509

/// A throwaway certificate authority made at test time: certificates for a live TLS server (valid, expired, not yet
/// valid, for another name, self-signed), PEM text ready for NIOSSL, a server's files or a CA bundle.
public struct TestPKI: Sendable {
    /// A certificate and its private key, as PEM.
    public struct Issued: Sendable {
        public let certificatePEM: String
        public let keyPEM: String
        public let certificate: Certificate
    }

    public let caCertificate: Certificate
    public let caPEM: String
    private let caKey: P256.Signing.PrivateKey

    /// A new CA named `name`, valid from a day before `now` for ten years.
    public init(name: String = "Jot Test CA", now: Date = Date()) throws {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-86_400),
            notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
            issuer: subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: Certificate.PrivateKey(key)
        )
        self.caKey = key
        self.caCertificate = certificate
        self.caPEM = try certificate.serializeAsPEM().pemString
    }

    /// A server certificate signed by this CA; by default for `localhost` and `127.0.0.1`, valid from an hour ago
    /// for a year.
    public func issue(
        commonName: String = "jot test server",
        dnsNames: [String] = ["localhost"],
        ipAddresses: [[UInt8]] = [[127, 0, 0, 1]],
        notBefore: Date = Date().addingTimeInterval(-3600),
        notAfter: Date = Date().addingTimeInterval(365 * 86_400)
    ) throws -> Issued {
        try Self.make(
            commonName: commonName,
            dnsNames: dnsNames,
            ipAddresses: ipAddresses,
            notBefore: notBefore,
            notAfter: notAfter,
            issuer: (caCertificate.subject, caKey)
        )
    }

    /// A certificate that signs itself (no CA), for `localhost` and `127.0.0.1` by default.
    public static func selfSigned(
        commonName: String = "self-signed jot server",
        dnsNames: [String] = ["localhost"],
        ipAddresses: [[UInt8]] = [[127, 0, 0, 1]]
    ) throws -> Issued {
        try make(
            commonName: commonName,
            dnsNames: dnsNames,
            ipAddresses: ipAddresses,
            notBefore: Date().addingTimeInterval(-3600),
            notAfter: Date().addingTimeInterval(365 * 86_400),
            issuer: nil
        )
    }

    private static func make(
        commonName: String,
        dnsNames: [String],
        ipAddresses: [[UInt8]],
        notBefore: Date,
        notAfter: Date,
        issuer: (name: DistinguishedName, key: P256.Signing.PrivateKey)?
    ) throws -> Issued {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(commonName) }
        let names: [GeneralName] =
            dnsNames.map { .dnsName($0) } + ipAddresses.map { .ipAddress(ASN1OctetString(contentBytes: ArraySlice($0))) }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: issuer?.name ?? subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: Certificate.PrivateKey(issuer?.key ?? key)
        )
        return Issued(certificatePEM: try certificate.serializeAsPEM().pemString, keyPEM: key.pemRepresentation, certificate: certificate)
    }

    /// Writes `issued` as `<name>.crt` and `<name>.key` (mode 0600) in `directory`; returns both paths.
    @discardableResult
    public static func write(_ issued: Issued, to directory: String, name: String) throws -> (certificate: String, key: String) {
        let certificate = directory + "/\(name).crt"
        let key = directory + "/\(name).key"
        try issued.certificatePEM.write(toFile: certificate, atomically: true, encoding: .utf8)
        try issued.keyPEM.write(toFile: key, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
        return (certificate, key)
    }

    /// A new empty temporary directory.
    public static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "jot-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
