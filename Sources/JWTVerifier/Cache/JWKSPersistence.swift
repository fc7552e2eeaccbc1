import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where a ``JWKSCache`` keeps its last good key set across restarts (node-jwks-rsa #108 asks for the same).
///
/// Each good fetch is saved — the document as fetched, its fetch time, its freshness (TTL), its ETag — to one file per
/// JWKS URL in ``directory``, written to a temporary file and renamed over the old one, so a crash leaves the old file
/// or the new one, never half of either. At start, when the source cannot be reached and the cache holds nothing, the
/// cache loads the file and answers from it **only within the stale window that set would have had anyway**
/// (fetch time + TTL + ``JWKSCache/Configuration/staleWindow``), never beyond it; the first good fetch replaces it.
///
/// The files hold public keys only (a JWKS). A file that does not parse, names another URL, or claims a fetch time in
/// the future is ignored (and logged). Saving and loading are small synchronous file operations done by the cache's
/// fetch task, never on a request's path.
public struct JWKSPersistence: Sendable {
    /// A saved key set. Intervals and times are seconds, as in the files deployed services have already written;
    /// ``JWKSCache`` converts them to and from `Duration`s and `Date`s.
    struct Record: Codable, Sendable, Equatable {
        /// The JWKS URL (the source's name) the document came from.
        var url: String
        /// The JWKS document, as fetched.
        var document: String
        var etag: String?
        /// The server's `max-age`, in seconds, when it gave one.
        var maxAge: Double?
        /// When it was fetched (or last confirmed by a 304), UNIX seconds.
        var fetchedAt: Double
        /// The freshness the cache granted, in seconds.
        var ttl: Double
    }

    /// The directory of the saved sets (created on first save, mode 0700).
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The file for `url`: a hash of the URL, so any URL maps to one safe file name.
    func path(for url: String) -> String {
        let hex = Array("0123456789abcdef")
        let digest = String(SHA256.hash(data: Array(url.utf8)).prefix(16).flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0xF)]] })
        return (directory.hasSuffix("/") ? directory : directory + "/") + "jwks-\(digest).json"
    }

    /// Saves `record` atomically (temporary file, then rename).
    func save(_ record: Record) throws {
        let manager = FileManager.default
        if !manager.fileExists(atPath: directory) {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(record)
        // `.atomic`: written to a temporary file in the same directory, then renamed over the old one.
        try data.write(to: URL(fileURLWithPath: path(for: record.url)), options: .atomic)
    }

    /// The record saved for `url`, or `nil` when there is none.
    ///
    /// - Throws: when a file exists and cannot be read or does not hold a record for `url`.
    func load(url: String) throws -> Record? {
        let target = path(for: url)
        guard FileManager.default.fileExists(atPath: target) else { return nil }
        let data = try Data(contentsOf: URL(fileURLWithPath: target))
        let record = try JSONDecoder().decode(Record.self, from: data)
        guard record.url == url else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return record
    }
}
