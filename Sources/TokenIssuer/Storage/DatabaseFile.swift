#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Creating the user database file before SQLite opens it, so that it is never readable by others.
enum DatabaseFile {
    /// The file mode of a newly created database: owner read/write only.
    static let mode: mode_t = 0o600

    /// Creates an empty file at `path` with mode 0600 unless something already exists there.
    ///
    /// `O_CREAT | O_EXCL` makes creation atomic and refuses to follow a symbolic link; `fchmod` makes the mode exact
    /// whatever the process umask. An existing file is left as it is (its mode is the operator's choice).
    /// - Throws: ``UserStoreError/database(path:operation:detail:)`` when the file cannot be created.
    static func createIfMissing(path: String) throws(UserStoreError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, Self.mode)
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST { return }
            throw .database(path: path, operation: "create the file", detail: Self.message(for: code))
        }
        defer { _ = close(fd) }
        guard fchmod(fd, Self.mode) == 0 else {
            throw .database(path: path, operation: "set mode 0600", detail: Self.message(for: errno))
        }
    }

    /// The path to hand to SQLite: SQLiteNIO opens with `SQLITE_OPEN_URI`, so a relative path beginning with `file:`
    /// would be read as a URI (with `?mode=memory` and the like) instead of the file we just created.
    static func sqlitePath(for path: String) -> String {
        path.hasPrefix("file:") ? "./" + path : path
    }

    private static func message(for code: Int32) -> String {
        String(cString: strerror(code))
    }
}
