import AsyncHTTPClient
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why no connection to a key server could be made, in words (see ``JWKSFetchError/unreachable(url:address:problem:)``).
public enum ConnectionProblem: Sendable, Hashable, CustomStringConvertible {
    /// Nothing listens on the port (the server is down, or the port is wrong): reported at once.
    case refused
    /// The connection attempt got no answer within the connect timeout (a firewall dropping packets, a wrong address).
    case timedOut
    /// No route to the host or its network.
    case unreachable
    /// The host name does not resolve.
    case unresolvedName

    public var description: String {
        switch self {
        case .refused: "connection refused"
        case .timedOut: "no answer to the connection attempt"
        case .unreachable: "host unreachable"
        case .unresolvedName: "host name not found"
        }
    }

    /// What to check, for messages.
    var hint: String {
        switch self {
        case .refused: "is the issuer running, and on this port?"
        case .timedOut, .unreachable: "is the address right, and is the issuer reachable from here?"
        case .unresolvedName: "check the host name"
        }
    }

    /// The problem behind an AsyncHTTPClient or SwiftNIO connection error, or `nil` for any other error.
    static func diagnose(_ error: any Error) -> ConnectionProblem? {
        if let error = error as? HTTPClientError, error == .connectTimeout { return .timedOut }
        if let error = error as? ChannelError, case .connectTimeout = error { return .timedOut }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return .refused
            case ETIMEDOUT: return .timedOut
            case EHOSTUNREACH, ENETUNREACH: return .unreachable
            default: return nil
            }
        }
        if let error = error as? NIOConnectionError {
            // Every address tried failed: report the first one's reason; none tried means the name did not resolve.
            guard let first = error.connectionErrors.first else { return .unresolvedName }
            return diagnose(first.error) ?? .refused
        }
        return nil
    }
}
