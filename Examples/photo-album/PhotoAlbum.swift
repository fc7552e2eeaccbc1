import ArgumentParser
import AsyncHTTPClient
import ExampleSupport
import Foundation
import Hummingbird
import JOSE
import Logging
import NIOCore
import ServerSupport
import Synchronization

/// `photo-album`: the client of the documented flow. Sam opens it, is sent to Jot to sign in (authorization code with
/// PKCE, RFC 7636), comes back with a code, and sees her photos from `photo-service`; the album refreshes her access
/// token when it expires and revokes her refresh token when she signs out.
///
/// A public client (no secret): register it with
/// `jot clients add photo-album --public --grant authorization_code --grant refresh_token
///  --redirect-uri http://127.0.0.1:8083/callback --scopes openid,photos:read --audience photo-service`.
/// Its own sessions are server-side (an opaque `album_session` cookie; tokens never reach the browser).
@main
struct PhotoAlbum: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "photo-album",
        abstract: "A web client: sign in with Jot (authorization code + PKCE) and see your photos from photo-service."
    )

    /// Runs Swift concurrency on NIO's event loops (``ServerExecutor``) before any task starts, then the command —
    /// refusing a single-value option given twice instead of keeping the last value.
    @MainActor
    static func main() async {
        ServerExecutor.install()
        await mainRefusingRepeatedOptions()
    }

    @Option(help: "The issuer (its /.well-known/openid-configuration is read at start).") var issuer = "http://127.0.0.1:8080"
    @Option(name: .customLong("client-id"), help: "The album's client id at the issuer (a public client).") var clientID = "photo-album"
    @Option(name: .customLong("photos-url"), help: "photo-service's base URL.") var photosURL = "http://127.0.0.1:8082"
    @Option(help: "Port to listen on (0 picks one).") var port = 8083
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(name: .customLong("redirect-uri"), help: "The registered redirect URI (default http://HOST:PORT/callback).") var redirectURI: String?
    @Option(name: .customLong("log-level"), help: "Log level.") var logLevel = "info"

    func run() async throws {
        try ExampleLogging.bootstrap(level: logLevel)
        let logger = Logger(label: "photo-album")
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        do {
            let metadata = try await AlbumOAuth.discover(issuer: issuer, client: client)
            let oauth = AlbumOAuth(
                client: client,
                metadata: metadata,
                clientID: clientID,
                redirectURI: redirectURI ?? "http://\(host):\(port)/callback"
            )
            let app = Application(
                router: AlbumRoutes(oauth: oauth, photosURL: photosURL, logger: logger).router(),
                configuration: .init(address: .hostname(host, port: port), serverName: "photo-album"),
                onServerRunning: { channel in
                    logger.notice("photo-album listening", metadata: ["address": .string("http://\(host):\(channel.localAddress?.port ?? port)")])
                },
                logger: logger
            )
            try await app.runService()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
