#if canImport(Glibc)
import Glibc
#endif

/// Returns freed heap memory to the system (glibc keeps it in its arenas otherwise, so a server's RSS would stay at
/// its peak after a connection flood).
enum MemoryRelease {
    #if canImport(Glibc)
    private typealias MallocTrim = @convention(c) (Int) -> Int32
    /// `malloc_trim` is glibc's and not in the Glibc module's headers: looked up once (nil with another libc).
    private static let mallocTrim: MallocTrim? = dlsym(nil, "malloc_trim").map { unsafeBitCast($0, to: MallocTrim.self) }
    #endif

    static func trim() {
        #if canImport(Glibc)
        _ = mallocTrim?(0)
        #endif
    }
}
