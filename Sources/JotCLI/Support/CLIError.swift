/// A failure the CLI reports on stderr (exit status 1), phrased as the problem and the fix.
public enum CLIError: Error, CustomStringConvertible, Equatable {
    case invalidToken(String)
    case missingEnvironment(String)
    case unreadableFile(path: String, reason: String)
    case fileExists(String)
    case invalidInput(String)
    case keyProblem(String)

    public var description: String {
        switch self {
        case .invalidToken(let reason): "invalid token: \(reason)"
        case .missingEnvironment(let name): "environment variable \(name) is not set (or empty); export it with the secret"
        case .unreadableFile(let path, let reason): "cannot read \(path): \(reason)"
        case .fileExists(let path): "\(path) already exists; choose another --out path or remove it first"
        case .invalidInput(let reason): reason
        case .keyProblem(let reason): reason
        }
    }
}
