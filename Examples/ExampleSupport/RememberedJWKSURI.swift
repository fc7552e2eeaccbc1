import JOSE

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `jwks_uri` discovery last found for an issuer, kept beside the saved key sets (`--jwks-cache-dir`), so that a
/// service restarted while the issuer is down still knows which saved set is its own.
struct RememberedJWKSURI {
    let directory: String

    private var path: String { (directory.hasSuffix("/") ? directory : directory + "/") + "discovery.json" }

    /// The remembered `jwks_uri` of `issuer`, if any.
    func jwksURI(issuer: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONReader(maxBytes: 64 * 1024).parse(Array(data)).objectValue
        else { return nil }
        return object[issuer]?.stringValue
    }

    /// Remembers `jwksURI` for `issuer` (written whole, atomically).
    func remember(_ jwksURI: String, issuer: String) throws {
        var object: JSONObject = [:]
        if let data = FileManager.default.contents(atPath: path), let existing = try? JSONReader().parse(Array(data)).objectValue {
            object = existing
        }
        guard object[issuer]?.stringValue != jwksURI else { return }
        object[issuer] = .string(jwksURI)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(JSONWriter.bytes(object)).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
