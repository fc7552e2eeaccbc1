#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The https-or-loopback rule for URLs that keys (or the document naming them) are fetched from.
enum FetchURL {
    /// Checks that `url` is an absolute http(s) URL with a host, and `https` unless the host is a loopback
    /// address (`127.0.0.0/8`, `::1`, `localhost`) or `allowInsecureHTTP` is set.
    static func validate(_ url: String, allowInsecureHTTP: Bool) throws(JWKSFetchError) {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host, !host.isEmpty
        else { throw .invalidURL(url) }
        switch scheme {
        case "https": return
        case "http":
            if allowInsecureHTTP || isLoopback(host: host) { return }
            throw .insecureURL(url)
        default:
            throw .invalidURL(url)
        }
    }

    /// Whether `host` names the loopback interface: `localhost`, an IPv4 address in `127.0.0.0/8`, or `::1`.
    static func isLoopback(host: String) -> Bool {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "localhost." { return true }
        if host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        var values: [Int] = []
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy(\.isASCII), let value = Int(octet), value <= 255
            else { return false }
            values.append(value)
        }
        return values[0] == 127
    }
}
