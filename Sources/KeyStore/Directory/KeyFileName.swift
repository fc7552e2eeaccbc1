import JOSE

/// Names of the files in a key directory.
enum KeyFileName {
    static let manifest = "manifest.json"
    static let lock = ".lock"
    static let pemSuffix = ".pem"
    static let octSuffix = ".oct.json"
    static let sealedSuffix = ".sealed"
    /// Temporary files are `.tmp-<random>-<final name>`; loading ignores them and the next change removes them.
    static let temporaryPrefix = ".tmp-"
    static let maximumKeyIDLength = 128

    static func name(keyID: String, symmetric: Bool) -> String {
        keyID + (symmetric ? octSuffix : pemSuffix)
    }

    /// The file of `record` in a directory whose keys are sealed by the key-encryption key `sealedBy`
    /// (`<kid>.<kek>.sealed`), or stored plain (`nil`: `<kid>.pem`, `<kid>.oct.json`).
    static func name(of record: KeyRecord, sealedBy: String?) -> String {
        guard let sealedBy else { return name(keyID: record.keyID, symmetric: record.algorithm.isSymmetric) }
        return record.keyID + "." + sealedBy + sealedSuffix
    }

    /// Whether `name` is a key file's name (plain or sealed), referenced or not.
    static func isKeyFile(_ name: String) -> Bool {
        if name.hasPrefix(temporaryPrefix) || name.hasPrefix(".") { return false }
        return name.hasSuffix(pemSuffix) || name.hasSuffix(octSuffix) || name.hasSuffix(sealedSuffix)
    }

    /// A `kid` usable as a file name: 1–128 base64url characters (so never `..`, `/` or a hidden file).
    static func isValidKeyID(_ keyID: String) -> Bool {
        guard !keyID.isEmpty, keyID.utf8.count <= maximumKeyIDLength else { return false }
        return keyID.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }
}
