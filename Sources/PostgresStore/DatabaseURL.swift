import Foundation

/// A PostgreSQL connection URL: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`
/// (also `postgresql://`). User and password may be percent-encoded. The password never appears in ``description``.
public struct DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Hashable {
        case disable, prefer, require
    }

    public let username: String
    public let password: String?
    public let host: String
    public let port: Int
    public let database: String
    public let tlsMode: TLSMode

    /// Whether `text` names a PostgreSQL database rather than a file (`postgres://…` or `postgresql://…`).
    public static func isDatabaseURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// Parses a URL.
    /// - Throws: ``PostgresStoreError/invalidURL(_:)`` naming what is wrong (the password is never echoed).
    public init(_ text: String) throws(PostgresStoreError) {
        guard Self.isDatabaseURL(text), let components = URLComponents(string: text) else {
            throw .invalidURL("expected postgres://USER[:PASSWORD]@HOST:PORT/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalidURL("the URL has no host") }
        guard let user = components.user.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw .invalidURL("the URL has no user: postgres://USER@\(host)/DATABASE")
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.isEmpty, !path.contains("/"), let database = path.removingPercentEncoding else {
            throw .invalidURL("the URL names no database: postgres://\(user)@\(host)/DATABASE")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw .invalidURL("port \(port) is out of range 1–65535") }
        var tlsMode = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                switch item.value {
                case "disable": tlsMode = .disable
                case "prefer", "allow": tlsMode = .prefer
                case "require", "verify-ca", "verify-full": tlsMode = .require
                default: throw .invalidURL("sslmode must be disable, prefer or require")
                }
            default:
                throw .invalidURL("unknown parameter '\(item.name)' (only sslmode is understood)")
            }
        }
        self.username = user
        self.password = components.password.flatMap { $0.removingPercentEncoding }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
        self.database = database
        self.tlsMode = tlsMode
    }

    /// `USER@HOST:PORT/DATABASE`: no password.
    public var description: String { "\(username)@\(host):\(port)/\(database)" }
}
