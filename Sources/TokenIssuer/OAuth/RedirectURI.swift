#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Redirect URIs (RFC 6749 §3.1.2, RFC 9700 §4.1.3, RFC 8252 §7): registered exactly and compared exactly — except the
/// port of an `http` loopback redirect URI, which a native app picks at run time (RFC 8252 §7.3).
///
/// Registrable: `https` URIs; `http` only on a loopback IP literal (`127.0.0.1`, `[::1]`); private-use schemes with a
/// dot (`com.example.app:/callback`, RFC 8252 §7.1). Never a fragment, never userinfo.
public enum RedirectURI {
    /// Why a URI cannot be registered, or `nil`.
    public static func registrationProblem(_ uri: String) -> String? {
        guard uri.utf8.count <= 2048 else { return "longer than 2048 bytes" }
        guard uri.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            return "contains spaces, control or non-ASCII characters (percent-encode them)"
        }
        guard let components = URLComponents(string: uri), let scheme = components.scheme?.lowercased() else {
            return "not an absolute URI"
        }
        if components.fragment != nil { return "has a fragment (RFC 6749 §3.1.2)" }
        if components.user != nil || components.password != nil { return "has userinfo" }
        switch scheme {
        case "https":
            guard let host = components.host, !host.isEmpty else { return "has no host" }
            return nil
        case "http":
            guard isLoopback(components.host) else {
                return "uses http on a host other than 127.0.0.1 or [::1]; use https (RFC 9700 §2.6), or a loopback IP for native apps"
            }
            return nil
        default:
            return scheme.contains(".") ? nil : "scheme '\(scheme)' is neither https, loopback http, nor a private-use scheme like com.example.app"
        }
    }

    /// Whether `presented` matches one of `registered`: byte for byte, or for a registered loopback `http` URI the same
    /// URI with any port.
    public static func matches(_ presented: String, registered: [String]) -> Bool {
        if registered.contains(presented) { return true }
        guard presented.utf8.count <= 2048, presented.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }),
            let candidate = URLComponents(string: presented), candidate.scheme == "http", isLoopback(candidate.host),
            candidate.user == nil, candidate.password == nil, candidate.fragment == nil
        else { return false }
        return registered.contains { uri in
            guard let expected = URLComponents(string: uri), expected.scheme == "http", isLoopback(expected.host) else { return false }
            return expected.host == candidate.host && expected.percentEncodedPath == candidate.percentEncodedPath
                && expected.percentEncodedQuery == candidate.percentEncodedQuery
        }
    }

    static func isLoopback(_ host: String?) -> Bool {
        host == "127.0.0.1" || host == "[::1]" || host == "::1"
    }
}
