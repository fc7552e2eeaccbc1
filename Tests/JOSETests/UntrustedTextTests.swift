import JOSE
import Testing

/// Attacker-chosen text (kid, alg, typ, iss, aud, crit names) reaches error messages, which reach logs: it must come
/// out escaped and bounded, never as raw control characters or kilobytes of junk.
@Suite("Untrusted text in error messages")
struct UntrustedTextTests {
    static let secret: [UInt8] = (0..<32).map { UInt8($0) }

    static func token(header: String, payload: String = #"{"sub":"alice","exp":1700000600}"#) throws -> String {
        try TokenForge.signed(header: header, payload: payload, key: JWSSigningKey(hmacSecret: secret, algorithm: .HS256))
    }

    /// No control, bidi or separator characters, and at most `limit` bytes.
    /// No control, bidi, invisible or separator characters, at most `limit` bytes, and (when given) the escaped
    /// form of the hostile text is there: the message cites the value, safely.
    static func expectSafe(
        _ message: String,
        limit: Int = 400,
        citing escaped: String? = #"\u{1B}]0;pwned\u{7}"#,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let unsafe = message.unicodeScalars.filter {
            $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || (0x200B...0x200F).contains($0.value)
                || (0x2028...0x202E).contains($0.value) || (0x2060...0x2069).contains($0.value) || $0.value == 0xFEFF
                || $0.value == 0x061C || (0xE0000...0xE007F).contains($0.value)
        }
        if let escaped {
            #expect(message.contains(escaped), "message does not cite the value: \(message.debugDescription)", sourceLocation: sourceLocation)
        }
        #expect(unsafe.isEmpty, "message has raw control characters: \(message.debugDescription)", sourceLocation: sourceLocation)
        #expect(message.utf8.count <= limit, "message is \(message.utf8.count) bytes", sourceLocation: sourceLocation)
    }

    @Test("quoting escapes controls, quotes, backslashes and bidi overrides, and cuts long text")
    func quoting() {
        #expect(UntrustedText.quoted("k1") == "'k1'")
        #expect(UntrustedText.quoted("a\nb\r\u{1B}[31m") == #"'a\u{A}b\u{D}\u{1B}[31m'"#)
        #expect(UntrustedText.quoted("it's \\ here") == #"'it\'s \\ here'"#)
        #expect(UntrustedText.quoted("\u{202E}gnp.exe\u{2028}\u{85}") == #"'\u{202E}gnp.exe\u{2028}\u{85}'"#)
        #expect(UntrustedText.quoted("é漢字🦔") == "'é漢字🦔'")
        #expect(UntrustedText.quoted("k1\u{200B}\u{2060}\u{061C}\u{E0041}") == #"'k1\u{200B}\u{2060}\u{61C}\u{E0041}'"#)
        // Invisible by property, not by list: soft hyphen, Hangul filler, variation selector, no-break space, private use.
        #expect(UntrustedText.quoted("a\u{AD}b\u{3164}c\u{FE0F}d\u{A0}e\u{E000}") == #"'a\u{AD}b\u{3164}c\u{FE0F}d\u{A0}e\u{E000}'"#)
        let long = String(repeating: "x", count: 1000)
        #expect(UntrustedText.quoted(long) == "'" + String(repeating: "x", count: 64) + "…(936 more bytes)'")
        #expect(UntrustedText.quoted(String(repeating: "🦔", count: 70), limit: 3) == "'🦔🦔🦔…(268 more bytes)'")
    }

    @Test("an unknown kid with a newline and 5000 bytes is quoted, escaped and cut")
    func hostileKeyID() throws {
        let kid = "evil\n2026-11-26 INFO forged login ok" + String(repeating: "A", count: 5000)
        let token = try TokenForge.signed(
            header: #"{"alg":"HS256","kid":"# + JSONWriter.string(.string(kid)) + "}",
            payload: #"{"sub":"alice","exp":1700000600}"#,
            key: JWSSigningKey(hmacSecret: Self.secret, algorithm: .HS256, keyID: "hs")
        )
        let keySet = JWSKeySet([try JWSSigningKey(hmacSecret: Self.secret, algorithm: .HS256, keyID: "hs").verificationKey])
        let error = expectError(JOSEError.unknownKeyID(kid), mentioning: [#"kid 'evil\u{A}2026-11-26"#, "more bytes)"]) {
            try keySet.verify(token, policy: ValidationPolicy(), now: testNow)
        }
        if let error { Self.expectSafe(error.description, citing: #"kid 'evil\u{A}2026-11-26 INFO"#) }
    }

    @Test("alg, crit, typ, iss and aud values are escaped in their errors")
    func hostileHeaderAndClaims() throws {
        let key = try JWSSigningKey(hmacSecret: Self.secret, algorithm: .HS256)
        let verifier = key.verificationKey
        let junk = "\u{1B}]0;pwned\u{7}\r\n" + String(repeating: "\u{202E}", count: 300)

        let badAlg = TokenForge.segment(#"{"alg":"# + JSONWriter.string(.string("X" + junk)) + "}") + ".e30.c2ln"
        if let error = thrownError(JOSEError.self, { try CompactJWS(badAlg) }) { Self.expectSafe(error.description) }

        let crit = try Self.token(header: #"{"alg":"HS256","crit":["# + JSONWriter.string(.string(junk)) + "]}")
        if let error = thrownError(JOSEError.self, { try verifier.verify(crit, policy: ValidationPolicy(), now: testNow) }) {
            Self.expectSafe(error.description)
        }

        let typ = try Self.token(header: #"{"alg":"HS256","typ":"# + JSONWriter.string(.string(junk)) + "}")
        let typError = thrownError(TokenValidationError.self) {
            try verifier.verify(typ, policy: ValidationPolicy(expectedType: "at+jwt"), now: testNow)
        }
        if let typError { Self.expectSafe(typError.description) }

        let iss = try Self.token(header: #"{"alg":"HS256"}"#, payload: #"{"exp":1700000600,"iss":"# + JSONWriter.string(.string(junk)) + "}")
        let issError = thrownError(TokenValidationError.self) {
            try verifier.verify(iss, policy: ValidationPolicy(issuers: ["https://issuer.example"]), now: testNow)
        }
        if let issError { Self.expectSafe(issError.description) }

        let audiences = JSONValue.array((0..<20).map { .string("\($0)\u{1B}]0;x\u{7}\r\n\u{202E}") })
        let aud = try Self.token(header: #"{"alg":"HS256"}"#, payload: #"{"exp":1700000600,"aud":"# + JSONWriter.string(audiences) + "}")
        let audError = thrownError(TokenValidationError.self) {
            try verifier.verify(aud, policy: ValidationPolicy(audiences: ["api"]), now: testNow)
        }
        if let audError {
            Self.expectSafe(audError.description, limit: 600, citing: #"'0\u{1B}]0;x\u{7}\u{D}\u{A}\u{202E}'"#)
            #expect(audError.description.contains("and 12 more"))
        }
    }
}
