import HTTPTypes
import Hummingbird
import JOSE
import Testing

@testable import HummingbirdJWT

@Suite("RFC 6750 challenges and Authorization parsing")
struct BearerChallengeTests {
    @Test("Values keep only RFC 6750's quotable characters and are cut short")
    func sanitize() {
        #expect(UntrustedText.errorDescription(#"a"b\c"#, limit: 100) == "abc")
        #expect(UntrustedText.errorDescription("line\r\nbreak\u{0}\u{7F}", limit: 100) == "linebreak")
        #expect(UntrustedText.errorDescription("  many   spaces  ", limit: 100) == "many spaces")
        #expect(UntrustedText.errorDescription("café ü", limit: 100) == "caf")
        #expect(UntrustedText.errorDescription(String(repeating: "x", count: 500), limit: 160).count == 160)
        #expect(UntrustedText.errorDescription("RFC 6749 §5.2 … done") == "RFC 6749 section 5.2 ... done")
        #expect(BearerChallenge.render([]) == "Bearer")
        // error_description is cut; a long scope list (the route's own) is not, so no scope name is split.
        let scopes = (0..<40).map { "scope\($0)" }.joined(separator: " ")
        let rendered = BearerChallenge.render([("error_description", String(repeating: "y", count: 500)), ("scope", scopes)])
        #expect(rendered == "Bearer error_description=\"\(String(repeating: "y", count: 160))\", scope=\"\(scopes)\"")
        #expect(BearerChallenge.render([("realm", #"r"x"#), ("error", "invalid_token")]) == #"Bearer realm="rx", error="invalid_token""#)
    }

    @Test("Error descriptions name the reason for logs; client-facing text is fixed")
    func errorDescriptions() {
        let error = JWTAuthenticationError(.unsupportedScheme("Ba\"sic"), realm: "r")
        #expect(error.description == "Authorization scheme 'Basic' is not supported; use Bearer")
        #expect(error.status == .unauthorized)
        #expect(error.errorCode == nil)
        #expect(error.challenge == #"Bearer realm="r""#)
        #expect(error.code == .unsupportedScheme)
        let scope = JWTAuthenticationError(.insufficientScope(required: ["a", "b"]), realm: nil)
        #expect(scope.code == .insufficientScope)
        // The underlying error travels for logs and does not take part in equality.
        struct Cause: Error {}
        let wrapped = JWTAuthenticationError(.invalidToken("invalid signature"), realm: "r", underlying: Cause())
        #expect(wrapped == JWTAuthenticationError(.invalidToken("invalid signature"), realm: "r"))
        #expect(wrapped.underlying is Cause)
        #expect(wrapped.code == .invalidToken)
        #expect(JWTAuthenticationError.Code.allCases.map(\.rawValue).contains("keys_unavailable"))
        #expect(scope.status == .forbidden)
        #expect(scope.challenge == #"Bearer error="insufficient_scope", scope="a b""#)
        #expect(scope.description == "token lacks a required scope (required: a b)")
    }

    @Test("Authorization header forms")
    func parse() {
        func fields(_ values: String...) -> HTTPFields {
            var fields = HTTPFields()
            for value in values { fields.append(HTTPField(name: .authorization, value: value)) }
            return fields
        }
        #expect(BearerCredentials.parse([:], allowBareToken: true) == .none)
        #expect(BearerCredentials.parse(fields(""), allowBareToken: true) == .none)
        #expect(BearerCredentials.parse(fields("Bearer a.b.c"), allowBareToken: true) == .token("a.b.c"))
        #expect(BearerCredentials.parse(fields("bearer a.b.c"), allowBareToken: false) == .token("a.b.c"))
        #expect(BearerCredentials.parse(fields("a.b.c"), allowBareToken: true) == .token("a.b.c"))
        #expect(BearerCredentials.parse(fields("a.b.c"), allowBareToken: false) == .otherScheme("a.b.c"))
        #expect(BearerCredentials.parse(fields("Negotiate"), allowBareToken: true) == .otherScheme("Negotiate"))
        #expect(BearerCredentials.parse(fields("Basic x y"), allowBareToken: true) == .otherScheme("Basic"))
        #expect(BearerCredentials.parse(fields("Bearer a.b.c d"), allowBareToken: true) == .malformed("extra data after the Bearer token"))
        #expect(BearerCredentials.parse(fields("Bearerx a.b.c"), allowBareToken: true) == .otherScheme("Bearerx"))
        #expect(BearerCredentials.parse(fields("Bearer\ta.b.c"), allowBareToken: true) == .malformed("tab in Authorization header"))
        #expect(BearerCredentials.parse(fields("BEARER a.b.c"), allowBareToken: true) == .token("a.b.c"))
        #expect(BearerCredentials.parse(fields("  bEaReR   a.b.c  "), allowBareToken: true) == .token("a.b.c"))
        #expect(BearerCredentials.parse(fields("   "), allowBareToken: true) == .none)
        #expect(BearerCredentials.parse(fields("Bearer"), allowBareToken: true) == .malformed("Bearer without a token"))
        #expect(BearerCredentials.parse(fields("Bearer   "), allowBareToken: true) == .malformed("Bearer without a token"))
        #expect(BearerCredentials.parse(fields("Bearer a.b.c  d"), allowBareToken: true) == .malformed("extra data after the Bearer token"))
        #expect(BearerCredentials.parse(fields("Bëarer a.b.c"), allowBareToken: true) == .otherScheme("Bëarer"))
        #expect(BearerCredentials.parse(fields("Bearer a.b.c\u{00A0}"), allowBareToken: true) == .token("a.b.c\u{00A0}"))
        // Raw values, as HTTPFields would not deliver them (it trims the ends): the parser's own rules.
        #expect(BearerCredentials.parse(value: "   ", allowBareToken: true) == .none)
        #expect(BearerCredentials.parse(value: "  Bearer   a.b.c   ", allowBareToken: true) == .token("a.b.c"))
        #expect(BearerCredentials.parse(value: "Bearer   ", allowBareToken: true) == .malformed("Bearer without a token"))
        #expect(BearerCredentials.parse(value: "  a.b.c  ", allowBareToken: true) == .token("a.b.c"))
        #expect(BearerCredentials.parse(value: "Bearer a.b.c\t", allowBareToken: true) == .malformed("tab in Authorization header"))
        #expect(BearerCredentials.parse(value: "Bearer a.b\u{0}.c", allowBareToken: true) == .token("a.b\u{0}.c"))
        #expect(BearerCredentials.parse(value: "BEARER\u{0}", allowBareToken: true) == .otherScheme("BEARER\u{0}"))
        #expect(BearerCredentials.parse(fields("Bearer a", "Bearer b"), allowBareToken: true) == .malformed("more than one Authorization header"))
    }
}
