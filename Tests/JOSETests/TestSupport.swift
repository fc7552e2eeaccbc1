import Foundation
import JOSE
import Testing

/// The fixed instant every test validates at; nothing reads the wall clock.
let testNow = Date(timeIntervalSince1970: 1_700_000_000)

/// A JSON test vector from `Tests/JOSETests/Vectors`, read with the strict reader.
struct Vector {
    let name: String
    let members: JSONObject

    init(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        self.name = name
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors"),
            "vector \(name).json is not in the test bundle",
            sourceLocation: sourceLocation
        )
        let value = try JSONReader().parse(Array(try Data(contentsOf: url)))
        self.members = try #require(value.objectValue, "vector \(name).json is not a JSON object", sourceLocation: sourceLocation)
    }

    func string(_ member: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(members[member]?.stringValue, "\(name): '\(member)' is not a string", sourceLocation: sourceLocation)
    }

    func object(_ member: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONObject {
        try #require(members[member]?.objectValue, "\(name): '\(member)' is not an object", sourceLocation: sourceLocation)
    }

    func number(_ member: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
        try #require(members[member]?.doubleValue, "\(name): '\(member)' is not a number", sourceLocation: sourceLocation)
    }

    func bool(_ member: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
        // #require on a Bool? is ambiguous (condition or unwrap): compare explicitly.
        let value = members[member]?.boolValue
        try #require(value != nil, "\(name): '\(member)' is not a boolean", sourceLocation: sourceLocation)
        return value == true
    }

    func algorithm(sourceLocation: SourceLocation = #_sourceLocation) throws -> JWSAlgorithm {
        let name = try string("algorithm", sourceLocation: sourceLocation)
        return try #require(JWSAlgorithm(rawValue: name), "\(self.name): unknown algorithm \(name)", sourceLocation: sourceLocation)
    }
}

/// Builds compact tokens byte by byte, so a test can make a token that differs from a valid one in exactly one respect.
enum TokenForge {
    static func segment(_ text: String) -> String { Base64URL.encode(Array(text.utf8)) }
    static func segment(_ bytes: [UInt8]) -> String { Base64URL.encode(bytes) }

    /// A token over the given segments, signed by `key` (a correct signature over exactly these segments).
    static func signed(headerSegment: String, payloadSegment: String, key: JWSSigningKey) throws -> String {
        let input = headerSegment + "." + payloadSegment
        let signature = try key.signature(for: Array(input.utf8))
        return input + "." + Base64URL.encode(signature)
    }

    /// A token whose header and payload are exactly the given JSON texts, correctly signed by `key`.
    static func signed(header: String, payload: String, key: JWSSigningKey) throws -> String {
        try signed(headerSegment: segment(header), payloadSegment: segment(payload), key: key)
    }

    /// The three segments of a compact token.
    static func segments(_ token: String) -> [String] { token.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
}

/// Keys generated once per test process (RSA generation is slow in debug builds).
enum TestKeys {
    private static let generated: Result<[JWSAlgorithm: JWSSigningKey], JOSEError> = Result { () throws(JOSEError) in
        var keys: [JWSAlgorithm: JWSSigningKey] = [:]
        for algorithm in JWSAlgorithm.allCases {
            keys[algorithm] = try JWSSigningKey.generate(algorithm, keyID: algorithm.isSymmetric ? "hmac-\(algorithm)" : nil)
        }
        return keys
    }

    /// A second, unrelated key per algorithm (one RSA key shared by the RSA algorithms through PEM).
    private static let others: Result<[JWSAlgorithm: JWSSigningKey], JOSEError> = Result { () throws(JOSEError) in
        var keys: [JWSAlgorithm: JWSSigningKey] = [:]
        let rsa = try JWSSigningKey.generate(.RS256)
        for algorithm in JWSAlgorithm.allCases {
            switch algorithm.family {
            case .rsaPKCS1, .rsaPSS:
                keys[algorithm] = try JWSSigningKey(pemRepresentation: rsa.pkcs8PEMRepresentation ?? "", algorithm: algorithm, keyID: "other")
            default:
                keys[algorithm] = try JWSSigningKey.generate(algorithm, keyID: "other")
            }
        }
        return keys
    }

    static func signing(_ algorithm: JWSAlgorithm) throws -> JWSSigningKey {
        try #require(try generated.get()[algorithm])
    }

    static func other(_ algorithm: JWSAlgorithm) throws -> JWSSigningKey {
        try #require(try others.get()[algorithm])
    }
}

/// Runs `body` and expects it to throw exactly `expected`, whose message must mention every one of `words`.
@discardableResult
func expectError<E: Error & Equatable & CustomStringConvertible, R>(
    _ expected: E,
    mentioning words: [String] = [],
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> R
) -> E? {
    guard let error = thrownError(E.self, sourceLocation: sourceLocation, body) else { return nil }
    #expect(error == expected, sourceLocation: sourceLocation)
    for word in words {
        #expect(error.description.contains(word), "message \"\(error.description)\" does not mention \"\(word)\"", sourceLocation: sourceLocation)
    }
    return error
}

/// Runs `body` and returns the error of type `E` it throws; records an issue if it returns or throws another type.
func thrownError<E: Error, R>(_ type: E.Type, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> R) -> E? {
    do {
        let result = try body()
        Issue.record("expected \(E.self) to be thrown, got \(result)", sourceLocation: sourceLocation)
        return nil
    } catch let error as E {
        return error
    } catch {
        Issue.record("expected \(E.self), got \(Swift.type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

extension Array where Element == UInt8 {
    /// Bytes from a hex string; `nil` when it is not an even number of hex digits.
    init?(hex: String) {
        guard hex.utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self = bytes
    }
}
