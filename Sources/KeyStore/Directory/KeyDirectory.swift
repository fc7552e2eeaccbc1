#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The POSIX file operations of a key directory: an advisory lock, owner-only modes, checked reads and crash-safe writes
/// (write a temporary file, fsync, rename over the target, fsync the directory).
struct KeyDirectory: Sendable {
    enum LockMode {
        case shared, exclusive
    }

    enum Status {
        case missing
        case directory(mode: UInt32)
    }

    static let directoryMode: mode_t = 0o700
    static let fileMode: mode_t = 0o600
    private static let fileTypeMask: UInt32 = 0o170000
    private static let regularFileType: UInt32 = 0o100000
    private static let directoryType: UInt32 = 0o040000

    let path: String

    func path(of name: String) -> String {
        path.hasSuffix("/") ? path + name : path + "/" + name
    }

    // MARK: - Directory

    func status() throws(KeyStoreError) -> Status {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT { return .missing }
            throw .fileSystem(path: path, operation: "inspect the key directory", errno: code)
        }
        guard UInt32(info.st_mode) & Self.fileTypeMask == Self.directoryType else { throw .notADirectory(path: path) }
        return .directory(mode: UInt32(info.st_mode) & 0o7777)
    }

    /// Creates the directory with mode 0700 (the parent must exist). Returns whether it was created.
    func createIfMissing() throws(KeyStoreError) -> Bool {
        if mkdir(path, Self.directoryMode) == 0 {
            try restrictToOwner()
            return true
        }
        let code = errno
        guard code == EEXIST else { throw .fileSystem(path: path, operation: "create the key directory", errno: code) }
        return false
    }

    /// Sets the directory's mode to 0700.
    func restrictToOwner() throws(KeyStoreError) {
        guard chmod(path, Self.directoryMode) == 0 else {
            throw .fileSystem(path: path, operation: "set mode 0700 on", errno: errno)
        }
    }

    /// Refuses a directory that group or others can access.
    func checkOwnerOnly() throws(KeyStoreError) {
        switch try status() {
        case .missing: throw .notInitialized(directory: path)
        case .directory(let mode):
            guard mode & 0o077 == 0 else { throw .insecurePermissions(path: path, mode: mode, required: UInt32(Self.directoryMode)) }
        }
    }

    /// Makes the directory's entries durable (after renames and removals).
    func syncDirectory() throws(KeyStoreError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .fileSystem(path: path, operation: "open the key directory", errno: errno) }
        defer { _ = close(fd) }
        // A few file systems cannot fsync a directory (EINVAL); there is nothing more to make durable then.
        guard fsync(fd) == 0 || errno == EINVAL else { throw .fileSystem(path: path, operation: "fsync the key directory", errno: errno) }
    }

    func fileNames() throws(KeyStoreError) -> [String] {
        guard let handle = opendir(path) else { throw .fileSystem(path: path, operation: "list the key directory", errno: errno) }
        defer { _ = closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: pointer.pointee)) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Whether the directory has an entry `name` (without following a link).
    func contains(_ name: String) -> Bool {
        var info = stat()
        return lstat(path(of: name), &info) == 0
    }

    // MARK: - Lock

    /// Runs `body` holding `flock` on `.lock` in the directory, which serializes changes across threads and processes.
    ///
    /// A shared lock (for reading) is skipped when the lock file cannot be created in a read-only directory: the
    /// reader then relies on the atomic manifest replacement alone.
    func withLock<T>(_ mode: LockMode, _ body: () throws(KeyStoreError) -> T) throws(KeyStoreError) -> T {
        let lockPath = path(of: KeyFileName.lock)
        let flags = O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW  // flock needs no write access
        let fd = open(lockPath, flags, Self.fileMode)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw .notInitialized(directory: path) }
            if mode == .shared && (code == EACCES || code == EROFS) { return try body() }
            throw .fileSystem(path: lockPath, operation: "open the lock file", errno: code)
        }
        defer { _ = close(fd) }
        while flock(fd, mode == .exclusive ? LOCK_EX : LOCK_SH) != 0 {
            let code = errno
            guard code == EINTR else { throw .fileSystem(path: lockPath, operation: "lock", errno: code) }
        }
        defer { _ = flock(fd, LOCK_UN) }
        return try body()
    }

    // MARK: - Files

    /// Reads a file of this directory, or returns `nil` when it does not exist.
    ///
    /// Refuses symbolic links, non-regular files, files group or others can access, and files over `limit` bytes.
    func readFile(_ name: String, limit: Int) throws(KeyStoreError) -> [UInt8]? {
        let filePath = path(of: name)
        let fd = open(filePath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            if code == ELOOP { throw .notARegularFile(path: filePath) }
            throw .fileSystem(path: filePath, operation: "open", errno: code)
        }
        defer { _ = close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .fileSystem(path: filePath, operation: "inspect", errno: errno) }
        guard UInt32(info.st_mode) & Self.fileTypeMask == Self.regularFileType else { throw .notARegularFile(path: filePath) }
        let mode = UInt32(info.st_mode) & 0o7777
        guard mode & 0o077 == 0 else { throw .insecurePermissions(path: filePath, mode: mode, required: UInt32(Self.fileMode)) }
        guard Int(info.st_size) <= limit else { throw .fileTooLarge(path: filePath, bytes: Int(info.st_size), limit: limit) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw .fileSystem(path: filePath, operation: "read", errno: errno)
            }
            bytes.append(contentsOf: buffer[0..<count])
            guard bytes.count <= limit else { throw .fileTooLarge(path: filePath, bytes: bytes.count, limit: limit) }
        }
        return bytes
    }

    /// Replaces (or creates) a file atomically with mode 0600: a temporary file is written and fsynced, `written` runs,
    /// the file is renamed over `name`, `renamed` runs. The caller fsyncs the directory afterwards.
    ///
    /// If this throws before the rename, the target is untouched; a temporary file may remain (loading ignores it,
    /// the next change removes it).
    func replaceFile(
        _ name: String,
        with bytes: [UInt8],
        written: () throws(KeyStoreError) -> Void,
        renamed: () throws(KeyStoreError) -> Void
    ) throws(KeyStoreError) {
        let temporaryName = KeyFileName.temporaryPrefix + String(UInt64.random(in: .min ... .max), radix: 16) + "-" + name
        let temporaryPath = path(of: temporaryName)
        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, Self.fileMode)
        guard fd >= 0 else { throw .fileSystem(path: temporaryPath, operation: "create", errno: errno) }
        do throws(KeyStoreError) {
            defer { _ = close(fd) }
            guard fchmod(fd, Self.fileMode) == 0 else { throw .fileSystem(path: temporaryPath, operation: "set mode 0600 on", errno: errno) }
            var offset = 0
            while offset < bytes.count {
                let count = bytes.withUnsafeBytes { buffer in write(fd, buffer.baseAddress! + offset, buffer.count - offset) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw .fileSystem(path: temporaryPath, operation: "write", errno: errno)
                }
                offset += count
            }
            guard fsync(fd) == 0 else { throw .fileSystem(path: temporaryPath, operation: "fsync", errno: errno) }
        } catch {
            _ = unlink(temporaryPath)
            throw error
        }
        try written()
        guard rename(temporaryPath, path(of: name)) == 0 else {
            let code = errno
            _ = unlink(temporaryPath)
            throw .fileSystem(path: path(of: name), operation: "rename a temporary file to", errno: code)
        }
        try renamed()
    }

    /// Removes a file; a file that is already gone is fine.
    func removeFile(_ name: String) throws(KeyStoreError) {
        let filePath = path(of: name)
        guard unlink(filePath) == 0 || errno == ENOENT else { throw .fileSystem(path: filePath, operation: "remove", errno: errno) }
    }
}
