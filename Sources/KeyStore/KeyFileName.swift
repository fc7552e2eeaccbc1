/// Names of the files in a key directory.
enum KeyFileName {
    static let manifest = "manifest.json"
    static let lock = ".lock"
    static let pemSuffix = ".pem"
    static let octSuffix = ".oct.json"
    /// Temporary files are `.tmp-<random>-<final name>`; loading ignores them and the next change removes them.
    static let temporaryPrefix = ".tmp-"
    static let maximumKeyIDLength = 128

    static func name(keyID: String, symmetric: Bool) -> String {
        keyID + (symmetric ? octSuffix : pemSuffix)
    }

    /// A `kid` usable as a file name: 1–128 base64url characters (so never `..`, `/` or a hidden file).
    static func isValidKeyID(_ keyID: String) -> Bool {
        guard !keyID.isEmpty, keyID.utf8.count <= maximumKeyIDLength else { return false }
        return keyID.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }

    /// The `kid` of a key file name (`<kid>.pem` or `<kid>.oct.json`), or `nil` for any other file.
    static func keyID(ofKeyFile name: String) -> String? {
        for suffix in [octSuffix, pemSuffix] where name.hasSuffix(suffix) {
            let keyID = String(name.dropLast(suffix.count))
            return isValidKeyID(keyID) ? keyID : nil
        }
        return nil
    }
}
