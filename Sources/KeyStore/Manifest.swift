import JOSE

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `manifest.json`: the list of keys with their states and timestamps. The single source of truth of a key directory;
/// replacing it (atomically) is the commit point of every change.
///
/// ```json
/// {
///   "format": "jot-keys",
///   "version": 1,
///   "keys": [
///     {"kid": "…", "alg": "ES256", "state": "current", "createdAt": "2026-01-31T12:00:00Z",
///      "publishedAt": "2026-01-31T12:00:00Z", "activatedAt": "2026-01-31T12:00:00Z"}
///   ]
/// }
/// ```
struct Manifest: Sendable, Hashable {
    static let formatName = "jot-keys"
    static let version = 1
    static let maximumBytes = 1 << 20

    private(set) var records: [KeyRecord]

    init(records: [KeyRecord]) {
        self.records = Self.sorted(records)
    }

    static let empty = Manifest(records: [])

    /// Reads and validates a manifest: structure, timestamps per state, unique kids, exactly one `current` and at
    /// most one `next` per algorithm that has keys.
    init(bytes: [UInt8], path: String) throws(KeyStoreError) {
        let value: JSONValue
        do {
            value = try JSONReader(maxDepth: 8, maxBytes: Self.maximumBytes).parse(bytes)
        } catch {
            throw .invalidManifest(path: path, reason: "not valid JSON: \(error)")
        }
        guard case .object(let document) = value else { throw .invalidManifest(path: path, reason: "the document must be a JSON object") }
        guard document["format"]?.stringValue == Self.formatName else {
            throw .invalidManifest(path: path, reason: "\"format\" must be \"\(Self.formatName)\"")
        }
        guard case .number(let versionNumber) = document["version"], let version = versionNumber.intValue else {
            throw .invalidManifest(path: path, reason: "\"version\" must be an integer")
        }
        guard version == Self.version else { throw .unsupportedManifestVersion(path: path, version: version) }
        guard case .array(let entries) = document["keys"] else { throw .invalidManifest(path: path, reason: "\"keys\" must be an array") }
        var records: [KeyRecord] = []
        for (index, entry) in entries.enumerated() {
            guard case .object(let object) = entry else { throw .invalidManifest(path: path, reason: "keys[\(index)] must be an object") }
            records.append(try Self.record(object, index: index, path: path))
        }
        try Self.checkInvariants(records)
        self.records = Self.sorted(records)
    }

    /// Pretty-printed JSON with a final newline.
    func encoded() -> [UInt8] {
        var document = JSONObject()
        document["format"] = .string(Self.formatName)
        document["version"] = .number(JSONNumber(Self.version))
        document["keys"] = .array(records.map { .object(Self.object($0)) })
        return Array((JSONWriter.prettyString(.object(document)) + "\n").utf8)
    }

    func record(keyID: String) -> KeyRecord? { records.first { $0.keyID == keyID } }

    func records(for algorithm: JWSAlgorithm) -> [KeyRecord] { records.filter { $0.algorithm == algorithm } }

    func record(for algorithm: JWSAlgorithm, state: KeyState) -> KeyRecord? {
        records.first { $0.algorithm == algorithm && $0.state == state }
    }

    /// Algorithms that have keys, in a stable order.
    var algorithms: [JWSAlgorithm] {
        JWSAlgorithm.allCases.filter { algorithm in records.contains { $0.algorithm == algorithm } }
    }

    mutating func replace(_ record: KeyRecord) {
        records = Self.sorted(records.map { $0.keyID == record.keyID ? record : $0 })
    }

    mutating func insert(_ record: KeyRecord) {
        records = Self.sorted(records + [record])
    }

    mutating func remove(keyID: String) {
        records.removeAll { $0.keyID == keyID }
    }

    // MARK: - Invariants

    static func checkInvariants(_ records: [KeyRecord]) throws(KeyStoreError) {
        var seen = Set<String>()
        for record in records where !seen.insert(record.keyID).inserted {
            throw .duplicateKeyID(record.keyID)
        }
        for algorithm in JWSAlgorithm.allCases {
            let keys = records.filter { $0.algorithm == algorithm }
            if keys.isEmpty { continue }
            let current = keys.filter { $0.state == .current }
            if current.isEmpty { throw .noCurrentKey(algorithm) }
            if current.count > 1 { throw .tooManyKeys(algorithm, state: .current, keyIDs: current.map(\.keyID)) }
            let next = keys.filter { $0.state == .next }
            if next.count > 1 { throw .tooManyKeys(algorithm, state: .next, keyIDs: next.map(\.keyID)) }
        }
    }

    // MARK: - Entries

    private static func sorted(_ records: [KeyRecord]) -> [KeyRecord] {
        let order = Dictionary(uniqueKeysWithValues: JWSAlgorithm.allCases.enumerated().map { ($1, $0) })
        return records.sorted { a, b in
            if a.algorithm != b.algorithm { return order[a.algorithm, default: 0] < order[b.algorithm, default: 0] }
            if a.state != b.state { return a.state.sortOrder < b.state.sortOrder }
            if a.createdAt != b.createdAt { return a.createdAt > b.createdAt }
            return a.keyID < b.keyID
        }
    }

    private static func object(_ record: KeyRecord) -> JSONObject {
        var object = JSONObject()
        object["kid"] = .string(record.keyID)
        object["alg"] = .string(record.algorithm.rawValue)
        object["state"] = .string(record.state.rawValue)
        object["createdAt"] = .string(Timestamp.format(record.createdAt))
        object["publishedAt"] = .string(Timestamp.format(record.publishedAt))
        if let activatedAt = record.activatedAt { object["activatedAt"] = .string(Timestamp.format(activatedAt)) }
        if let retiredAt = record.retiredAt { object["retiredAt"] = .string(Timestamp.format(retiredAt)) }
        return object
    }

    private static func record(_ object: JSONObject, index: Int, path: String) throws(KeyStoreError) -> KeyRecord {
        func string(_ name: String) throws(KeyStoreError) -> String? {
            guard let value = object[name] else { return nil }
            guard case .string(let text) = value else {
                throw .invalidManifest(path: path, reason: "keys[\(index)].\(name) must be a string, got \(value.typeName)")
            }
            return text
        }
        func required(_ name: String) throws(KeyStoreError) -> String {
            guard let text = try string(name) else { throw .invalidManifest(path: path, reason: "keys[\(index)] has no \"\(name)\"") }
            return text
        }
        func date(_ name: String) throws(KeyStoreError) -> Date? {
            guard let text = try string(name) else { return nil }
            guard let date = Timestamp.parse(text) else {
                throw .invalidManifest(path: path, reason: "keys[\(index)].\(name) '\(text)' is not a UTC time like 2026-01-31T12:00:00Z")
            }
            return date
        }
        let keyID = try required("kid")
        guard KeyFileName.isValidKeyID(keyID) else {
            throw .invalidManifest(path: path, reason: "keys[\(index)].kid must be 1–\(KeyFileName.maximumKeyIDLength) base64url characters")
        }
        let algorithmName = try required("alg")
        guard let algorithm = JWSAlgorithm(rawValue: algorithmName) else {
            throw .invalidManifest(path: path, reason: "keys[\(index)].alg '\(algorithmName)' is not a supported algorithm")
        }
        let stateName = try required("state")
        guard let state = KeyState(rawValue: stateName) else {
            throw .invalidManifest(path: path, reason: "keys[\(index)].state '\(stateName)' is not one of next, current, previous")
        }
        guard let createdAt = try date("createdAt") else { throw .invalidManifest(path: path, reason: "keys[\(index)] has no \"createdAt\"") }
        guard let publishedAt = try date("publishedAt") else {
            throw .invalidManifest(path: path, reason: "keys[\(index)] has no \"publishedAt\"")
        }
        let activatedAt = try date("activatedAt")
        let retiredAt = try date("retiredAt")
        switch state {
        case .next:
            guard activatedAt == nil, retiredAt == nil else {
                throw .invalidManifest(path: path, reason: "keys[\(index)] is next but has \"activatedAt\" or \"retiredAt\"")
            }
        case .current:
            guard activatedAt != nil, retiredAt == nil else {
                throw .invalidManifest(path: path, reason: "keys[\(index)] is current: it needs \"activatedAt\" and no \"retiredAt\"")
            }
        case .previous:
            guard retiredAt != nil else { throw .invalidManifest(path: path, reason: "keys[\(index)] is previous but has no \"retiredAt\"") }
        }
        return KeyRecord(
            keyID: keyID,
            algorithm: algorithm,
            state: state,
            createdAt: createdAt,
            publishedAt: publishedAt,
            activatedAt: activatedAt,
            retiredAt: retiredAt
        )
    }
}
