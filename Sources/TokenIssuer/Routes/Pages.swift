import HTTPTypes
import Hummingbird
import Mustache

/// The server-rendered pages of the authorization flow (login, consent, error), from the mustache templates in
/// `Sources/TokenIssuer/Templates`, embedded at build time. No JavaScript; every value is HTML-escaped by mustache.
///
/// Every page answers with `Content-Security-Policy` (nothing but inline styles, forms posting only to the issuer and
/// the client's redirect URI, never framed), `X-Frame-Options: DENY`, `Cache-Control: no-store` and
/// `Referrer-Policy: no-referrer`.
struct Pages: Sendable {
    let library: MustacheLibrary

    init() {
        func template(_ bytes: [UInt8]) -> MustacheTemplate {
            // The templates are part of the build; a broken one is a programming error caught by the page tests.
            try! MustacheTemplate(string: String(decoding: bytes, as: UTF8.self))
        }
        library = MustacheLibrary(templates: [
            "page-head": template(PackageResources.page_head_mustache),
            "page-foot": template(PackageResources.page_foot_mustache),
            "login": template(PackageResources.login_mustache),
            "consent": template(PackageResources.consent_mustache),
            "error": template(PackageResources.error_mustache),
        ])
    }

    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!

    /// Renders `template` with `values`; `formTarget` is the origin a form may post or redirect to besides the issuer.
    func render(_ template: String, _ values: [String: Any], status: HTTPResponse.Status = .ok, formTarget: String? = nil) -> Response {
        let html = library.render(values, withTemplate: template) ?? "page \(template) is missing"
        let formAction = ["'self'", formTarget].compactMap { $0 }.joined(separator: " ")
        let headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .cacheControl: "no-store",
            Self.frameOptions: "DENY",
            Self.referrerPolicy: "no-referrer",
            Self.contentSecurityPolicy:
                "default-src 'none'; style-src 'unsafe-inline'; form-action \(formAction); frame-ancestors 'none'; base-uri 'none'",
        ]
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    func error(_ message: String, title: String = "This sign-in request cannot continue", status: HTTPResponse.Status = .badRequest) -> Response {
        render("error", ["title": title, "message": message], status: status)
    }
}
