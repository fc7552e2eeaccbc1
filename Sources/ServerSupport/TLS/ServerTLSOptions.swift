public import ArgumentParser

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The HTTPS flags (and environment variables) shared by `jot serve` and the example services.
public struct ServerTLSOptions: ParsableArguments {
    @Option(
        name: .customLong("tls-certificate"),
        help: ArgumentHelp(
            "Serve HTTPS with this PEM certificate (then its intermediates); reloaded when it changes or on SIGHUP (env TLS_CERTIFICATE).",
            valueName: "file"
        )
    )
    public var certificate: String?

    @Option(
        name: .customLong("tls-key"),
        help: ArgumentHelp("The certificate's PEM private key, mode 0600 (env TLS_KEY).", valueName: "file")
    )
    public var key: String?

    public init() {}

    /// Whether HTTPS is asked for (a certificate by flag or environment), without loading anything.
    public func isRequested(environment: [String: String]? = nil) -> Bool {
        let environment = environment ?? ProcessInfo.processInfo.environment
        return certificate != nil || !(environment["TLS_CERTIFICATE"] ?? "").isEmpty
    }

    /// The pair to serve, loaded and checked, or `nil` for plain HTTP.
    ///
    /// - Throws: ``OperatorInput/Refusal`` when only one of the two is given, or the pair cannot be served.
    public func resolve(environment: [String: String]? = nil) throws(OperatorInput.Refusal) -> ServerTLS? {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let certificate = certificate ?? environment["TLS_CERTIFICATE"].flatMap { $0.isEmpty ? nil : $0 }
        let key = key ?? environment["TLS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        switch (certificate, key) {
        case (nil, nil):
            return nil
        case (.some, nil):
            throw OperatorInput.Refusal("--tls-certificate needs --tls-key (or TLS_KEY): the private key of the certificate")
        case (nil, .some):
            throw OperatorInput.Refusal("--tls-key needs --tls-certificate (or TLS_CERTIFICATE): the certificate of the key")
        case (let certificate?, let key?):
            do {
                return try ServerTLS(certificatePath: certificate, keyPath: key)
            } catch {
                throw OperatorInput.Refusal(error.description)
            }
        }
    }
}
