/// Why a token, key or JWK was refused by the JOSE layer (structure, keys, signatures).
///
/// Messages name the problem and, where one exists, the fix. They never contain key bytes, secrets or tokens.
public enum JOSEError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which part of a compact JWS.
    public enum Segment: String, Sendable, Hashable {
        case header, payload, signature
    }

    case tokenTooLarge(size: Int, limit: Int)
    case segmentCount(Int)
    case invalidBase64URL(Segment)
    case invalidJSON(Segment, JSONError)
    case notAJSONObject(Segment)
    case missingHeaderParameter(String)
    case invalidHeaderParameter(name: String, reason: String)
    case unsecuredAlgorithm
    case unsupportedAlgorithm(String)
    case algorithmNotAllowed(JWSAlgorithm, allowed: [JWSAlgorithm])
    case algorithmMismatch(header: JWSAlgorithm, keyID: String?, keyAlgorithm: JWSAlgorithm)
    case unknownCriticalHeader(String)
    case unencodedPayload
    case unknownKeyID(String)
    case keyIDRequired(candidates: Int)
    case noKey(for: JWSAlgorithm)
    case invalidSignatureLength(JWSAlgorithm, expected: Int, actual: Int)
    case invalidSignature(keyID: String?, algorithm: JWSAlgorithm)
    case hmacKeyTooShort(JWSAlgorithm, bytes: Int, minimum: Int)
    case rsaKeyTooSmall(bits: Int)
    case incompatibleKey(JWSAlgorithm, reason: String)
    case invalidPEM(reason: String)
    case invalidJWK(reason: String)
    case invalidJWKSet(reason: String)
    case keyOperationNotPermitted(String)
    case signingFailed(JWSAlgorithm)

    public var description: String {
        switch self {
        case .tokenTooLarge(let size, let limit):
            "token is \(size) bytes, over the limit of \(limit) bytes"
        case .segmentCount(let count):
            "malformed token: a compact JWS has 3 segments separated by '.', this one has \(count)"
        case .invalidBase64URL(let segment):
            "malformed token: the \(segment.rawValue) is not strict base64url (no padding, '+', '/', or whitespace allowed)"
        case .invalidJSON(let segment, let error):
            "malformed token: the \(segment.rawValue) is not valid JSON: \(error)"
        case .notAJSONObject(let segment):
            "malformed token: the \(segment.rawValue) must be a JSON object"
        case .missingHeaderParameter(let name):
            "header has no \(UntrustedText.quoted(name))"
        case .invalidHeaderParameter(let name, let reason):
            "header parameter \(UntrustedText.quoted(name)) \(reason)"
        case .unsecuredAlgorithm:
            "alg 'none' (an unsecured JWS) is never accepted"
        case .unsupportedAlgorithm(let name):
            "alg \(UntrustedText.quoted(name)) is not supported (supported: \(JWSAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .algorithmNotAllowed(let algorithm, let allowed):
            "alg \(algorithm) is not allowed here (allowed: \(allowed.map(\.rawValue).sorted().joined(separator: ", ")))"
        case .algorithmMismatch(let header, let keyID, let keyAlgorithm):
            "alg \(header) does not match key\(keyID.map { " \(UntrustedText.quoted($0))" } ?? "") (\(keyAlgorithm))"
        case .unknownCriticalHeader(let name):
            "header marks \(UntrustedText.quoted(name)) as critical (crit), and it is not understood"
        case .unencodedPayload:
            "header parameter 'b64' (RFC 7797 unencoded payload) is not supported"
        case .unknownKeyID(let keyID):
            "kid \(UntrustedText.quoted(keyID)) is not in the key set"
        case .keyIDRequired(let candidates):
            "token has no 'kid' and \(candidates) keys could verify it; add a kid to the token header"
        case .noKey(let algorithm):
            "no key for alg \(algorithm) in the key set"
        case .invalidSignatureLength(let algorithm, let expected, let actual):
            "signature is \(actual) bytes; \(algorithm) signatures are exactly \(expected) bytes\(algorithm.family == .ecdsa ? " (r‖s, not DER)" : "")"
        case .invalidSignature(let keyID, let algorithm):
            "signature does not verify with \(algorithm) key\(keyID.map { " \(UntrustedText.quoted($0))" } ?? "")"
        case .hmacKeyTooShort(let algorithm, let bytes, let minimum):
            "\(algorithm) secret is \(bytes) bytes; at least \(minimum) are required (RFC 7518 §3.2)"
        case .rsaKeyTooSmall(let bits):
            "RSA key is \(bits) bits; at least 2048 are required"
        case .incompatibleKey(let algorithm, let reason):
            "key cannot be used with \(algorithm): \(reason)"
        case .invalidPEM(let reason):
            "invalid PEM key: \(reason)"
        case .invalidJWK(let reason):
            "invalid JWK: \(reason)"
        case .invalidJWKSet(let reason):
            "invalid JWKS: \(reason)"
        case .keyOperationNotPermitted(let operation):
            "key_ops of this key does not permit \(UntrustedText.quoted(operation))"
        case .signingFailed(let algorithm):
            "\(algorithm) signing failed"
        }
    }
}
