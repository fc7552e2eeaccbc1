extension JWSSigningKey {
    /// The protected header this key writes by default: `alg`, then `kid` when the key has one, then `typ`.
    public func defaultHeader(type: String? = "JWT") -> JSONObject {
        var header = JSONObject()
        header["alg"] = .string(algorithm.rawValue)
        if let keyID { header["kid"] = .string(keyID) }
        if let type { header["typ"] = .string(type) }
        return header
    }

    /// Signs `payload` as a compact JWS with the given protected header.
    ///
    /// The header's `alg` is set to the key's algorithm when absent and must equal it when present.
    public func sign(payload: some Collection<UInt8>, header: JSONObject) throws(JOSEError) -> String {
        var header = header
        if let alg = header["alg"] {
            guard alg.stringValue == algorithm.rawValue else {
                throw .incompatibleKey(
                    algorithm,
                    reason: "the header asks for alg \(alg.stringValue.map { UntrustedText.quoted($0) } ?? alg.typeName)"
                )
            }
        } else {
            header = JSONObject(uniqueMembers: [.init(name: "alg", value: .string(algorithm.rawValue))] + header.members)
        }
        let headerBytes = JSONWriter.bytes(header)
        let payloadBytes = Array(payload)
        let headerLength = Base64URL.encodedLength(headerBytes.count)
        let payloadLength = Base64URL.encodedLength(payloadBytes.count)
        let signatureLength = Base64URL.encodedLength(algorithm.fixedSignatureByteCount ?? 512)
        var output = [UInt8](repeating: 0, count: headerLength + 1 + payloadLength + 1 + signatureLength)
        let inputLength = headerLength + 1 + payloadLength
        output.withUnsafeMutableBufferPointer { buffer in
            headerBytes.withUnsafeBytes { _ = Base64URL.encode($0, into: buffer) }
            buffer[headerLength] = UInt8(ascii: ".")
            payloadBytes.withUnsafeBytes {
                _ = Base64URL.encode($0, into: UnsafeMutableBufferPointer(rebasing: buffer[(headerLength + 1)...]))
            }
        }
        let signature = try output.withUnsafeBytes { buffer in
            Result { () throws(JOSEError) -> [UInt8] in
                try self.signature(signingInput: UnsafeRawBufferPointer(rebasing: buffer[0..<inputLength]))
            }
        }.get()
        let encodedSignatureLength = Base64URL.encodedLength(signature.count)
        output.removeLast(output.count - (inputLength + 1 + encodedSignatureLength))
        output.withUnsafeMutableBufferPointer { buffer in
            buffer[inputLength] = UInt8(ascii: ".")
            signature.withUnsafeBytes {
                _ = Base64URL.encode($0, into: UnsafeMutableBufferPointer(rebasing: buffer[(inputLength + 1)...]))
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Signs claims as a JWT with this key's default header (`alg`, `kid`, `typ`) plus `additionalHeader`.
    public func sign(_ claims: JWTClaims, type: String? = "JWT", additionalHeader: JSONObject = [:]) throws(JOSEError) -> String {
        var header = defaultHeader(type: type)
        for member in additionalHeader { header[member.name] = member.value }
        return try sign(payload: claims.jsonBytes, header: header)
    }
}
