import AsyncHTTPClient
import JOSE
import NIOCore
import NIOHTTP1
import NIOSSL

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One bounded GET of a small JSON document: a deadline over the whole exchange (headers and body), a size
/// limit, and no redirects. Shared by ``HTTPJWKSSource`` and ``OIDCDiscovery``.
struct HTTPDocumentFetcher: Sendable {
    struct Response: Sendable {
        /// 200, or 304 to a conditional request.
        let status: Int
        let body: [UInt8]
        let etag: String?
        let directives: CacheDirectives
    }

    let url: String
    let client: HTTPClient
    let timeout: Duration
    let maxBytes: Int
    let accept: String
    let trustRoots: TrustRoots
    let tlsConfiguration: TLSConfiguration

    init(url: String, client: HTTPClient, timeout: Duration, maxBytes: Int, trustRoots: TrustRoots, accept: String) {
        self.url = url
        self.client = client
        self.timeout = timeout
        self.maxBytes = maxBytes
        self.accept = accept
        self.trustRoots = trustRoots
        self.tlsConfiguration = trustRoots.clientTLSConfiguration
    }

    /// Fetches the document.
    ///
    /// AsyncHTTPClient's `timeout:` ends when the response head arrives, so the body is raced against the same
    /// deadline here: a server that sends headers and then trickles the body is cut off too.
    func get(ifNoneMatch etag: String?) async throws -> Response {
        do {
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await self.perform(ifNoneMatch: etag) }
                group.addTask {
                    // A little after the client's own deadline: a client that retries refused TLS handshakes until
                    // then answers with the handshake's error, which is then explained, rather than a bare timeout.
                    try await Task.sleep(for: self.timeout + .milliseconds(250))
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else {
                    throw JWKSFetchError.timeout(url: url, seconds: timeout.inSeconds)
                }
                return response
            }
        } catch let error as JWKSFetchError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch let error where ConnectionProblem.diagnose(error) != nil {
            throw JWKSFetchError.unreachable(url: url, address: address, problem: ConnectionProblem.diagnose(error) ?? .refused)
        } catch let error as HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout {
                throw JWKSFetchError.timeout(url: url, seconds: timeout.inSeconds)
            }
            throw JWKSFetchError.transport(url: url, reason: error.description)
        } catch let error where TLSFailure.isTLSError(error) {
            let failure = await TLSFailure.explain(error, url: url, trustRoots: trustRoots, timeout: TimeAmount(timeout), now: Date())
            throw JWKSFetchError.tls(url: url, failure: failure)
        } catch is NIOTooManyBytesError {
            throw JWKSFetchError.bodyTooLarge(url: url, limit: maxBytes)
        } catch {
            throw JWKSFetchError.transport(url: url, reason: String(describing: error))
        }
    }

    /// `host:port` of the URL, for messages about the connection.
    private var address: String {
        guard let parsed = URL(string: url), let host = parsed.host else { return url }
        let port = parsed.port ?? (parsed.scheme?.lowercased() == "https" ? 443 : 80)
        return host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private func perform(ifNoneMatch etag: String?) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.tlsConfiguration = tlsConfiguration
        request.headers.add(name: "Accept", value: accept)
        request.headers.add(name: "User-Agent", value: "jot-jwt-verifier")
        if let etag { request.headers.add(name: "If-None-Match", value: etag) }
        let response = try await client.execute(request, timeout: TimeAmount(timeout))
        // A client configured to follow redirects has already followed them: refuse the answer all the same.
        if response.history.count > 1, let first = response.history.first {
            throw JWKSFetchError.redirect(
                url: url,
                status: Int(first.responseHead.status.code),
                location: first.responseHead.headers.first(name: "Location")
            )
        }
        let status = Int(response.status.code)
        switch status {
        case 200:
            let body = try await response.body.collect(upTo: maxBytes)
            return Response(
                status: 200,
                body: Array(body.readableBytesView),
                etag: response.headers.first(name: "ETag"),
                directives: CacheDirectives(cacheControl: response.headers["Cache-Control"], age: response.headers.first(name: "Age"))
            )
        case 304 where etag != nil:
            return Response(
                status: 304,
                body: [],
                etag: response.headers.first(name: "ETag") ?? etag,
                directives: CacheDirectives(cacheControl: response.headers["Cache-Control"], age: response.headers.first(name: "Age"))
            )
        case 304:
            // Not Modified to a request that asked nothing conditional: a broken server or proxy, not a redirect.
            throw JWKSFetchError.httpStatus(url: url, status: status)
        case 300..<400:
            throw JWKSFetchError.redirect(url: url, status: status, location: response.headers.first(name: "Location"))
        default:
            throw JWKSFetchError.httpStatus(url: url, status: status)
        }
    }
}
