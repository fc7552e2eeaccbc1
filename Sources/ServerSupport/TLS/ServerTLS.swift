public import Logging
import NIOCore
import NIOSSL
import SwiftASN1
import Synchronization
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The certificate and key a server presents, reloadable while it runs.
///
/// Every new connection is handed the pair loaded last (through NIOSSL's per-handshake context callback), so a
/// renewed certificate is served without a restart and open connections keep theirs. A pair that cannot be served —
/// unreadable, a key readable by group or others, a key that is not the certificate's (a renewal half written),
/// an expired certificate — never replaces the one in memory; ``reload(force:)`` reports why, and ``problem``
/// keeps the reason for health endpoints until a good pair is loaded.
///
/// TLS 1.2 and 1.3 only; HTTP/1.1 is announced by ALPN.
public final class ServerTLS: Sendable {
    /// One loaded pair.
    struct Pair: Sendable {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        /// The leaf certificate's subject (`CN=…`).
        let subject: String
        /// The leaf's DNS names and IP addresses.
        let names: [String]
        let notValidAfter: Date
    }

    /// What ``reload(force:)`` did.
    public enum ReloadOutcome: Sendable, Equatable {
        /// The files did not change since the last attempt (not forced).
        case unchanged
        /// A new pair is served.
        case reloaded
        /// The files changed (or a reload was forced) and the new pair cannot be served; the previous one stays.
        case failed(ServerTLSError)
    }

    private struct State {
        var pair: Pair
        /// The files' state at the last attempt, good or bad, so a broken pair is reported once, not every poll.
        var lastSeen: FileState.Signature
        var problem: ServerTLSError?
    }

    public let certificatePath: String
    public let keyPath: String
    private let state: Mutex<State>

    /// Loads the pair.
    ///
    /// - Throws: ``ServerTLSError``: the server must not start without a pair it can serve.
    public convenience init(certificatePath: String, keyPath: String) throws(ServerTLSError) {
        try self.init(certificatePath: certificatePath, keyPath: keyPath, now: Date())
    }

    init(certificatePath: String, keyPath: String, now: Date) throws(ServerTLSError) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        let signature = FileState.signature(certificatePath: certificatePath, keyPath: keyPath)
        let pair = try Self.load(certificatePath: certificatePath, keyPath: keyPath, now: now)
        self.state = Mutex(State(pair: pair, lastSeen: signature, problem: nil))
    }

    /// The pair served to new connections.
    var current: Pair { state.withLock { $0.pair } }

    /// The subject (`CN=…`) of the certificate served to new connections.
    public var subject: String { current.subject }

    /// The DNS names and IP addresses of the certificate served to new connections.
    public var names: [String] { current.names }

    /// Why the last reload failed, while the previous pair is still served; `nil` once a good pair is loaded.
    public var problem: ServerTLSError? { state.withLock { $0.problem } }

    /// Loads the files again if they changed since the last attempt (or always, with `force`: SIGHUP).
    public func reload(force: Bool = false) -> ReloadOutcome {
        reload(force: force, now: Date())
    }

    func reload(force: Bool, now: Date) -> ReloadOutcome {
        let signature = FileState.signature(certificatePath: certificatePath, keyPath: keyPath)
        let due = state.withLock { state -> Bool in
            guard force || state.lastSeen != signature else { return false }
            state.lastSeen = signature
            return true
        }
        guard due else { return .unchanged }
        do {
            let pair = try Self.load(certificatePath: certificatePath, keyPath: keyPath, now: now)
            state.withLock {
                $0.pair = pair
                $0.problem = nil
            }
            return .reloaded
        } catch {
            state.withLock { $0.problem = error }
            return .failed(error)
        }
    }

    /// The server configuration: TLS 1.2 at least, HTTP/1.1 by ALPN, and the current pair for every handshake.
    var configuration: TLSConfiguration {
        let pair = current
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: pair.chain.map { .certificate($0) },
            privateKey: .privateKey(pair.key)
        )
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        configuration.sslContextCallback = { [self] _, promise in
            let pair = current
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = pair.chain.map { .certificate($0) }
            override.privateKey = .privateKey(pair.key)
            promise.succeed(override)
        }
        return configuration
    }

    /// Log metadata describing the pair in use.
    public var metadata: Logger.Metadata {
        let pair = current
        return [
            "tls.certificate": .string(certificatePath),
            "tls.subject": .string(pair.subject),
            "tls.names": .string(pair.names.joined(separator: ",")),
            "tls.not_after": .string(pair.notValidAfter.formatted(.iso8601)),
        ]
    }

    // MARK: Loading

    /// Reads and checks a pair: the key's mode, both files' PEM, the key belongs to the leaf, the leaf has not expired.
    static func load(certificatePath: String, keyPath: String, now: Date) throws(ServerTLSError) -> Pair {
        let mode = try FileState.mode(of: keyPath)
        guard mode & 0o077 == 0 else { throw .keyReadableByOthers(path: keyPath, mode: mode) }
        let certificateText = try read(certificatePath)
        let keyText = try read(keyPath)

        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(certificateText.utf8))
        } catch {
            throw .invalidCertificate(path: certificatePath, reason: String(describing: error))
        }
        guard !chain.isEmpty else { throw .invalidCertificate(path: certificatePath, reason: "no BEGIN CERTIFICATE block") }
        let leaf: Certificate
        do {
            leaf = try Certificate(pemEncoded: certificateText)
        } catch {
            throw .invalidCertificate(path: certificatePath, reason: String(describing: error))
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: Array(keyText.utf8), format: .pem)
        } catch {
            throw .invalidKey(path: keyPath, reason: String(describing: error))
        }
        // The pair must match: swift-certificates reads the key where it can; BoringSSL checks it in any case.
        if let parsed = try? Certificate.PrivateKey(pemEncoded: keyText), parsed.publicKey != leaf.publicKey {
            throw .mismatchedPair(certificate: certificatePath, key: keyPath)
        }
        do {
            _ = try NIOSSLContext(
                configuration: TLSConfiguration.makeServerConfiguration(
                    certificateChain: chain.map { .certificate($0) },
                    privateKey: .privateKey(key)
                )
            )
        } catch {
            throw .mismatchedPair(certificate: certificatePath, key: keyPath)
        }
        guard now <= leaf.notValidAfter else { throw .expired(path: certificatePath, notAfter: leaf.notValidAfter.formatted(.iso8601)) }
        let names: [String] =
            ((try? leaf.extensions.subjectAlternativeNames) ?? nil).map { names in
                names.compactMap { name -> String? in
                    switch name {
                    case .dnsName(let value): return value
                    case .ipAddress(let bytes): return FileState.ipAddressText(Array(bytes.bytes))
                    default: return nil
                    }
                }
            } ?? []
        return Pair(chain: chain, key: key, subject: leaf.subject.description, names: names, notValidAfter: leaf.notValidAfter)
    }

    private static func read(_ path: String) throws(ServerTLSError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "not readable (permissions, or a directory)" : "no such file"
            throw .unreadable(path: path, reason: reason)
        }
        return String(decoding: data, as: UTF8.self)
    }
}
