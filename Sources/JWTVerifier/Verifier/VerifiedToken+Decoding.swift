import JOSE

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension VerifiedToken {
    /// Decodes the verified claims into `type` (jwt-kit's habit: a `Codable` payload).
    ///
    /// The registered claims (`iss`, `aud`, `exp`, `nbf`, `iat`) were already checked by the ``Verifier``, and the
    /// claims were read by the strict reader (duplicate members refused) before this decodes them; dates decode from
    /// NumericDate seconds (`Date` properties for `exp`/`iat` work as they are).
    ///
    /// - Throws: ``VerifierError/claimsNotDecodable(type:reason:)`` when the claims do not fit `type`.
    public func claims<Claims: Decodable>(as type: Claims.Type) throws(VerifierError) -> Claims {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do {
            return try decoder.decode(type, from: Data(JSONWriter.bytes(jwt.claims.object)))
        } catch {
            throw .claimsNotDecodable(type: String(describing: type), reason: Self.describe(error))
        }
    }

    /// The path and kind of a decoding error, without the values (they came from the token).
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not decodable" }
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "the claims" : "'\(UntrustedText.escaped(path, limit: 100))'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = context.codingPath.isEmpty ? "" : " in \(path(context))"
            return "missing claim '\(UntrustedText.escaped(key.stringValue, limit: 100))'\(parent)"
        case .typeMismatch(let type, let context): return "\(path(context)) is not a \(type)"
        case .valueNotFound(let type, let context): return "\(path(context)) is null, expected a \(type)"
        case .dataCorrupted(let context): return "\(path(context)) is not valid"
        @unknown default: return "not decodable"
        }
    }
}
