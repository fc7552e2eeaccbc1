package import JOSE

/// The contents of key files: PKCS#8 PEM for asymmetric keys, a private `oct` JWK for shared secrets.
package enum KeyFile {
    /// Largest key file read (an RSA 4096 PKCS#8 PEM is about 3.3 KB).
    static let maximumBytes = 64 * 1024

    /// The file contents of a key. Secret material: written only with mode 0600.
    package static func encode(_ key: JWSSigningKey) -> [UInt8] {
        if let pem = key.pkcs8PEMRepresentation {
            return Array((pem.hasSuffix("\n") ? pem : pem + "\n").utf8)
        }
        var jwk = JSONObject()
        jwk["kty"] = "oct"
        jwk["alg"] = .string(key.algorithm.rawValue)
        jwk["kid"] = key.keyID.map(JSONValue.string)
        jwk["k"] = .string(Base64URL.encode(key.hmacSecretBytes ?? []))
        return JSONWriter.bytes(jwk) + Array("\n".utf8)
    }

    /// Reads a key file for `record`, checking that it holds a key of the record's algorithm and, for asymmetric keys,
    /// that its RFC 7638 thumbprint is the record's `kid`.
    package static func decode(_ bytes: [UInt8], record: KeyRecord, path: String) throws(KeyStoreError) -> JWSSigningKey {
        if record.algorithm.isSymmetric {
            return try decodeSecret(bytes, record: record, path: path)
        }
        let key: JWSSigningKey
        do {
            key = try JWSSigningKey(pemRepresentation: String(decoding: bytes, as: UTF8.self), algorithm: record.algorithm, keyID: record.keyID)
        } catch {
            throw .invalidKeyFile(keyID: record.keyID, path: path, reason: error.description)
        }
        guard let thumbprint = key.verificationKey.publicJWK?.thumbprint() else {
            throw .invalidKeyFile(keyID: record.keyID, path: path, reason: "not an asymmetric key")
        }
        guard thumbprint == record.keyID else { throw .keyIDMismatch(keyID: record.keyID, path: path, thumbprint: thumbprint) }
        return key
    }

    private static func decodeSecret(_ bytes: [UInt8], record: KeyRecord, path: String) throws(KeyStoreError) -> JWSSigningKey {
        let jwk: JWK
        do {
            jwk = try JWK(json: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw .invalidKeyFile(keyID: record.keyID, path: path, reason: error.description)
        }
        guard jwk.keyType == "oct" else {
            throw .invalidKeyFile(keyID: record.keyID, path: path, reason: "expected an oct JWK, found kty '\(jwk.keyType ?? "none")'")
        }
        guard jwk.members["alg"]?.stringValue == record.algorithm.rawValue else {
            throw .invalidKeyFile(keyID: record.keyID, path: path, reason: "the JWK's alg is not \(record.algorithm)")
        }
        guard jwk.keyID == record.keyID else {
            throw .invalidKeyFile(keyID: record.keyID, path: path, reason: "the JWK's kid is not '\(record.keyID)'")
        }
        do {
            return try jwk.signingKey()
        } catch .hmacKeyTooShort(_, let count, let minimum) {
            throw .secretTooShort(keyID: record.keyID, path: path, bytes: count, minimum: minimum)
        } catch {
            throw .invalidKeyFile(keyID: record.keyID, path: path, reason: error.description)
        }
    }
}

extension KeyFile {
    static let sealedFormatName = "jot-sealed-key"

    /// The file contents of `key`: plain (``encode(_:)``) without a sealer; with one, a JSON envelope
    /// `{"format":"jot-sealed-key","kid","alg","sealedBy","sealed"}` whose `sealed` is the base64url AES-GCM box.
    static func encode(_ key: JWSSigningKey, record: KeyRecord, sealer: KeySealer?) throws(KeyStoreError) -> [UInt8] {
        let plain = encode(key)
        guard let sealer else { return plain }
        let sealed = try sealer.seal(plain, keyID: record.keyID, algorithm: record.algorithm)
        let envelope: JSONObject = [
            "format": .string(sealedFormatName),
            "kid": .string(record.keyID),
            "alg": .string(record.algorithm.rawValue),
            "sealedBy": .string(sealer.identifier),
            "sealed": .string(Base64URL.encode(sealed)),
        ]
        return JSONWriter.bytes(envelope) + Array("\n".utf8)
    }

    /// Reads the file of `record`: plain when `sealedBy` is `nil`, otherwise a sealed envelope opened with `sealer`.
    static func decode(
        _ bytes: [UInt8],
        record: KeyRecord,
        path: String,
        sealedBy: String?,
        sealer: KeySealer?
    ) throws(KeyStoreError) -> JWSSigningKey {
        guard let sealedBy else { return try decode(bytes, record: record, path: path) }
        let document: JSONValue
        do {
            document = try JSONReader(maxDepth: 2, maxBytes: maximumBytes).parse(bytes)
        } catch {
            throw .invalidKeyFile(keyID: record.keyID, path: path, reason: "not a sealed key: \(error)")
        }
        guard case .object(let envelope) = document, envelope["format"]?.stringValue == sealedFormatName,
            let sealedText = envelope["sealed"]?.stringValue, let sealed = Base64URL.decode(sealedText),
            let fileSealedBy = envelope["sealedBy"]?.stringValue
        else {
            throw .invalidKeyFile(keyID: record.keyID, path: path, reason: "not a \(sealedFormatName) envelope")
        }
        guard envelope["kid"]?.stringValue == record.keyID, envelope["alg"]?.stringValue == record.algorithm.rawValue else {
            throw .invalidKeyFile(keyID: record.keyID, path: path, reason: "the envelope is for another kid or algorithm")
        }
        guard let sealer else { throw .keyEncryptionKeyRequired(location: path, sealedBy: sealedBy) }
        let plain = try sealer.open(sealed, keyID: record.keyID, algorithm: record.algorithm, sealedBy: fileSealedBy, location: path)
        return try decode(plain, record: record, path: path)
    }
}
