import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Reads the certificate chain a server presents, to explain why it was refused.
///
/// The handshake is refused in the verification callback, as soon as the chain arrives: no application byte is ever
/// exchanged, so this cannot be used to talk to an untrusted server.
enum TLSProbe {
    /// The chain `host:port` presents (leaf first), or `[]` when none arrived within `timeout`.
    static func presentedChain(host: String, port: Int, configuration: TLSConfiguration, timeout: TimeAmount) async -> [NIOSSLCertificate] {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<[NIOSSLCertificate], Never>) in
            let box = ChainBox()
            let context: NIOSSLContext
            do {
                context = try NIOSSLContext(configuration: configuration)
            } catch {
                continuation.resume(returning: [])
                return
            }
            let serverHostname = IPAddressText.normalized(host) == nil ? host : nil
            let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = try NIOSSLClientHandler(context: context, serverHostname: serverHostname) {
                            (certificates: [NIOSSLCertificate], verdict: EventLoopPromise<NIOSSLVerificationResult>) in
                            box.chain.withLock { $0 = certificates }
                            verdict.succeed(NIOSSLVerificationResult.failed)
                        }
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
            bootstrap.connect(host: host, port: port).whenComplete { result in
                switch result {
                case .failure:
                    continuation.resume(returning: [])
                case .success(let channel):
                    let deadline = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
                    channel.closeFuture.whenComplete { _ in
                        deadline.cancel()
                        continuation.resume(returning: box.chain.withLock { $0 })
                    }
                }
            }
        }
    }

    private final class ChainBox: Sendable {
        let chain = Mutex<[NIOSSLCertificate]>([])
    }
}
