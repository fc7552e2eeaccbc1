package import JOSE

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
///
/// Optional members: `"policy"` (the stored ``StoredRotationPolicy``) and `"sealedBy"` (the identifier of the
/// key-encryption key that sealed every key; absent when the keys are plain PEM files). Readers of the first version
/// ignore both.
///
/// The in-memory value is the model of a stored key set for every storage; only the directory reads and writes it as JSON.
package struct Manifest: Sendable, Hashable {
    static let formatName = "jot-keys"
    static let version = 1
    static let maximumBytes = 1 << 20

    package private(set) var records: [KeyRecord]
    /// The rotation policy recorded with the keys; `nil` in a key set written before policies were stored.
    package var policy: StoredRotationPolicy?
    /// The identifier of the key-encryption key every key is sealed with; `nil` when keys are stored unsealed.
    package var sealedBy: String?

    package init(records: [KeyRecord], policy: StoredRotationPolicy? = nil, sealedBy: String? = nil) {
        self.records = Self.sorted(records)
        self.policy = policy
        self.sealedBy = sealedBy
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
        self.policy = try document["policy"].map { value throws(KeyStoreError) in try Self.policy(value, path: path) }
        switch document["sealedBy"] {
        case nil: self.sealedBy = nil
        case .string(let identifier)? where KeyFileName.isValidKeyID(identifier): self.sealedBy = identifier
        default: throw .invalidManifest(path: path, reason: "\"sealedBy\" must be a key-encryption key identifier")
        }
    }

    /// Pretty-printed JSON with a final newline.
    func encoded() -> [UInt8] {
        var document = JSONObject()
        document["format"] = .string(Self.formatName)
        document["version"] = .number(JSONNumber(Self.version))
        document["keys"] = .array(records.map { .object(Self.object($0)) })
        if let policy { document["policy"] = .object(Self.object(policy)) }
        if let sealedBy { document["sealedBy"] = .string(sealedBy) }
        return Array((JSONWriter.prettyString(.object(document)) + "\n").utf8)
    }

    package func record(keyID: String) -> KeyRecord? { records.first { $0.keyID == keyID } }

    package func records(for algorithm: JWSAlgorithm) -> [KeyRecord] { records.filter { $0.algorithm == algorithm } }

    package func record(for algorithm: JWSAlgorithm, state: KeyState) -> KeyRecord? {
        records.first { $0.algorithm == algorithm && $0.state == state }
    }

    /// Algorithms that have keys, in a stable order.
    package var algorithms: [JWSAlgorithm] {
        JWSAlgorithm.allCases.filter { algorithm in records.contains { $0.algorithm == algorithm } }
    }

    package mutating func replace(_ record: KeyRecord) {
        records = Self.sorted(records.map { $0.keyID == record.keyID ? record : $0 })
    }

    package mutating func insert(_ record: KeyRecord) {
        records = Self.sorted(records + [record])
    }

    package mutating func remove(keyID: String) {
        records.removeAll { $0.keyID == keyID }
    }

    /// The stored policy as compact JSON (the manifest's `"policy"` member), for storages that keep it elsewhere.
    package static func encode(policy: StoredRotationPolicy) -> String {
        JSONWriter.string(.object(object(policy)))
    }

    /// Reads what ``encode(policy:)`` wrote.
    package static func decode(policy text: String, location: String) throws(KeyStoreError) -> StoredRotationPolicy {
        let value: JSONValue
        do {
            value = try JSONReader(maxDepth: 4, maxBytes: 64 * 1024).parse(Array(text.utf8))
        } catch {
            throw .invalidManifest(path: location, reason: "the stored policy is not valid JSON: \(error)")
        }
        return try policy(value, path: location)
    }

    // MARK: - Invariants

    package static func checkInvariants(_ records: [KeyRecord]) throws(KeyStoreError) {
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

    private static func object(_ policy: StoredRotationPolicy) -> JSONObject {
        func values(_ policy: RotationPolicy) -> JSONObject {
            [
                "jwksMaxAge": .number(JSONNumber(policy.jwksMaxAge.wholeSeconds())),
                "maxTokenLifetime": .number(JSONNumber(policy.maxTokenLifetime.wholeSeconds())),
                "leeway": .number(JSONNumber(policy.leeway.wholeSeconds())),
            ]
        }
        var object = values(policy.current)
        if !policy.superseded.isEmpty {
            object["superseded"] = .array(
                policy.superseded.map { old in
                    var entry = values(old.policy)
                    entry["until"] = .string(Timestamp.format(old.until))
                    return .object(entry)
                }
            )
        }
        return object
    }

    private static func policy(_ value: JSONValue, path: String) throws(KeyStoreError) -> StoredRotationPolicy {
        func values(_ value: JSONValue, at name: String) throws(KeyStoreError) -> (RotationPolicy, JSONObject) {
            guard case .object(let object) = value else { throw .invalidManifest(path: path, reason: "\(name) must be an object") }
            func seconds(_ member: String) throws(KeyStoreError) -> Duration {
                guard case .number(let number)? = object[member], let seconds = number.intValue, seconds >= 0 else {
                    throw .invalidManifest(path: path, reason: "\(name).\(member) must be a whole number of seconds")
                }
                return .seconds(seconds)
            }
            let policy = RotationPolicy(
                jwksMaxAge: try seconds("jwksMaxAge"),
                maxTokenLifetime: try seconds("maxTokenLifetime"),
                leeway: try seconds("leeway")
            )
            return (policy, object)
        }
        let (current, object) = try values(value, at: "policy")
        var superseded: [StoredRotationPolicy.Superseded] = []
        if let list = object["superseded"] {
            guard case .array(let entries) = list else { throw .invalidManifest(path: path, reason: "policy.superseded must be an array") }
            for (index, entry) in entries.enumerated() {
                let name = "policy.superseded[\(index)]"
                let (old, fields) = try values(entry, at: name)
                guard case .string(let text)? = fields["until"], let until = Timestamp.parse(text) else {
                    throw .invalidManifest(path: path, reason: "\(name).until must be a UTC time like 2026-01-31T12:00:00Z")
                }
                superseded.append(.init(policy: old, until: until))
            }
        }
        return StoredRotationPolicy(current: current, superseded: superseded)
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
