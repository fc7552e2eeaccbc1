/// A grant store that could not be read or written (the message names the store and the operation, never a value).
public struct GrantStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public let location: String
    public let operation: String
    public let detail: String

    public init(location: String, operation: String, detail: String) {
        self.location = location
        self.operation = operation
        self.detail = detail
    }

    public var description: String { "grant store in \(location): \(operation) failed: \(detail)" }
}
