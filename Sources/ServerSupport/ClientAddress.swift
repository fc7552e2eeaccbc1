/// The address of the client whose connection the current task is serving, set by the server for the whole life
/// of each connection (so any request context type can read it). `nil` outside a connection (router tests).
///
/// This is the TCP peer: behind a proxy it is the proxy's address. Forwarded headers are not trusted.
public enum ClientAddress {
    @TaskLocal public static var current: String?
}
