import AsyncHTTPClient
import Foundation
import Hummingbird
import JOSE
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// The album's pages: `/` (sign-in link, or your photos), `/login` (off to Jot), `/callback` (back from Jot),
/// `POST /logout`. Sessions live in memory, keyed by an opaque `album_session` cookie; tokens never reach the browser.
final class AlbumRoutes: Sendable {
    struct Pending: Sendable {
        let verifier: String
        let created: Date
    }

    let oauth: AlbumOAuth
    let photosURL: String
    let logger: Logger
    private let sessions = Mutex<[String: AlbumOAuth.Tokens]>([:])
    private let pending = Mutex<[String: Pending]>([:])

    init(oauth: AlbumOAuth, photosURL: String, logger: Logger) {
        self.oauth = oauth
        self.photosURL = photosURL
        self.logger = logger
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { request, _ in try await self.home(request) }
        router.get("/login") { _, _ in self.login() }
        router.get("/callback") { request, _ in try await self.callback(request) }
        router.post("/logout") { request, _ in await self.logout(request) }
        router.get("/healthz") { _, _ in "ok" }
        return router
    }

    func home(_ request: Request) async throws -> Response {
        guard let id = request.cookies["album_session"]?.value, var tokens = sessions.withLock({ $0[id] }) else {
            let error =
                request.uri.queryParameters.get("error").map {
                    "<p class=\"error\" role=\"alert\" id=\"error\">Sign-in failed: \(Self.escape($0))</p>"
                } ?? ""
            return Self.page("Photo album", "\(error)<p><a id=\"sign-in\" href=\"/login\">Sign in with Jot</a> to see your photos.</p>")
        }
        if tokens.expiresAt < Date(), let refreshToken = tokens.refreshToken {
            do {
                tokens = try await oauth.refresh(refreshToken)
                sessions.withLock { $0[id] = tokens }
                logger.info("access token refreshed", metadata: ["user": .string(tokens.username)])
            } catch {
                sessions.withLock { $0[id] = nil }
                return Self.redirect("/?error=" + AlbumOAuth.encode("your sign-in expired; sign in again"))
            }
        }
        var photosRequest = HTTPClientRequest(url: photosURL + "/photos")
        photosRequest.headers.add(name: "Authorization", value: "Bearer " + tokens.accessToken)
        let photos = (try? await AlbumOAuth.json(oauth.client, photosRequest))?["photos"]?.arrayValue ?? []
        let items = photos.compactMap { $0.objectValue?["title"]?.stringValue }.map { "<li class=\"photo\">\(Self.escape($0))</li>" }
        return Self.page(
            "Photo album",
            """
            <p id="greeting">Signed in as <strong>\(Self.escape(tokens.username))</strong>.</p>
            <h2>Your photos</h2>
            <ul id="photos">\(items.joined())</ul>
            <form method="post" action="/logout"><button type="submit" id="sign-out">Sign out</button></form>
            """
        )
    }

    func login() -> Response {
        let state = AlbumOAuth.randomValue()
        let (verifier, challenge) = AlbumOAuth.pkce()
        pending.withLock { pending in
            pending = pending.filter { $0.value.created > Date().addingTimeInterval(-600) }
            pending[state] = Pending(verifier: verifier, created: Date())
        }
        return Self.redirect(oauth.authorizationURL(state: state, challenge: challenge))
    }

    func callback(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        guard let state = query.get("state"), let login = pending.withLock({ $0.removeValue(forKey: state) }) else {
            return Self.redirect("/?error=" + AlbumOAuth.encode("unknown or expired sign-in attempt"))
        }
        if let error = query.get("error") {
            return Self.redirect("/?error=" + AlbumOAuth.encode(error))
        }
        guard let code = query.get("code") else { return Self.redirect("/?error=no_code") }
        let tokens: AlbumOAuth.Tokens
        do {
            tokens = try await oauth.exchange(code: code, verifier: login.verifier)
        } catch {
            return Self.redirect("/?error=" + AlbumOAuth.encode("\(error)"))
        }
        let id = AlbumOAuth.randomValue()
        sessions.withLock { $0[id] = tokens }
        logger.info("signed in", metadata: ["user": .string(tokens.username)])
        var response = Self.redirect("/")
        response.setCookie(Cookie(name: "album_session", value: id, path: "/", httpOnly: true, sameSite: .lax))
        return response
    }

    func logout(_ request: Request) async -> Response {
        if let id = request.cookies["album_session"]?.value, let tokens = sessions.withLock({ $0.removeValue(forKey: id) }),
            let refreshToken = tokens.refreshToken
        {
            await oauth.revoke(refreshToken)
        }
        var response = Self.redirect("/")
        response.setCookie(Cookie(name: "album_session", value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .lax))
        return response
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static func page(_ title: String, _ body: String) -> Response {
        let html = """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title></head>
            <body><h1>\(escape(title))</h1>\(body)</body></html>
            """
        return Response(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html))
        )
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
