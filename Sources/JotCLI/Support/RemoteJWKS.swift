import AsyncHTTPClient
import JWTVerifier
import NIOCore

/// Fetches a JWKS for `jot token verify --jwks-url`, with the verifier library's rules: https (plain http only to a
/// loopback host unless allowed), no redirects, a size limit and timeouts; https verified against `trustRoots`, a refused
/// certificate reported with its reason.
enum RemoteJWKS {
    /// The system's roots, or the bundle of `--jwks-ca-file`.
    static func trustRoots(caFile: String?) throws(CLIError) -> TrustRoots {
        guard let caFile else { return .system }
        do {
            return try TrustRoots(pemFile: caFile)
        } catch {
            throw .invalidInput("--jwks-ca-file: \(error)")
        }
    }

    static func fetch(_ url: String, allowInsecureHTTP: Bool, trustRoots: TrustRoots = .system) async throws -> [UInt8] {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .seconds(10))
        )
        configuration.httpVersion = .http1Only
        // A refused certificate is reported at once, not retried until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let result: Result<[UInt8], CLIError>
        do {
            let source = try HTTPJWKSSource(url: url, client: client, options: .init(allowInsecureHTTP: allowInsecureHTTP, trustRoots: trustRoots))
            switch try await source.fetch(ifNoneMatch: nil) {
            case .document(let bytes, _, _):
                result = .success(bytes)
            case .notModified:
                result = .failure(.keyProblem("\(url) answered 304 Not Modified to a request without If-None-Match"))
            }
        } catch JWKSFetchError.insecureURL(let url) {
            // The library's message names its option; here the fix is a flag.
            result = .failure(
                .keyProblem("\(url) is not https: keys are fetched over https (or http on loopback); pass --allow-insecure-http for a test network")
            )
        } catch {
            result = .failure(.keyProblem("cannot fetch the JWKS: \(error)"))
        }
        try? await client.shutdown()
        return try result.get()
    }
}
