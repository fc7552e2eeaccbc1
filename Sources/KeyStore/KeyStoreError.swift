public import JOSE

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a key directory could not be read or changed, or why a lifecycle step was refused.
///
/// Each description names the problem and the fix. None contains key material; `kid`s, algorithms and paths only.
public enum KeyStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The directory does not exist or has no `manifest.json`.
    case notInitialized(directory: String)
    /// The key directory path exists but is not a directory.
    case notADirectory(path: String)
    /// A system call failed (`operation` says what was being done, `errno` the C error code).
    case fileSystem(path: String, operation: String, errno: Int32)
    /// The directory or a file is accessible to group or others. `required` is `0o700` or `0o600`.
    case insecurePermissions(path: String, mode: UInt32, required: UInt32)
    /// A key file or the manifest is a symbolic link, a device or a directory.
    case notARegularFile(path: String)
    case fileTooLarge(path: String, bytes: Int, limit: Int)
    /// `manifest.json` is not a manifest this version understands.
    case invalidManifest(path: String, reason: String)
    case unsupportedManifestVersion(path: String, version: Int)
    /// Two manifest entries share a `kid`.
    case duplicateKeyID(String)
    /// An algorithm has keys but none is `current`.
    case noCurrentKey(JWSAlgorithm)
    /// An algorithm has more than one key in a state that allows only one (`current`, `next`).
    case tooManyKeys(JWSAlgorithm, state: KeyState, keyIDs: [String])
    /// The manifest lists a key whose file does not exist.
    case missingKeyFile(keyID: String, path: String)
    /// A key file cannot be read as a key of the manifest's algorithm.
    case invalidKeyFile(keyID: String, path: String, reason: String)
    /// An asymmetric key's file holds a key whose RFC 7638 thumbprint is not its `kid`.
    case keyIDMismatch(keyID: String, path: String, thumbprint: String)
    /// An `oct` secret is shorter than its algorithm's hash output (32 bytes for HS256).
    case secretTooShort(keyID: String, path: String, bytes: Int, minimum: Int)
    /// `initialize` was given no algorithm.
    case noAlgorithms
    /// The key set has no keys of this algorithm.
    case noKeys(JWSAlgorithm, available: [JWSAlgorithm])
    /// There is no `next` key to promote.
    case noNextKey(JWSAlgorithm)
    /// The `next` key has been published for less than the JWKS max-age: verifiers with a cached JWKS may not know it.
    case rotationTooEarly(keyID: String, algorithm: JWSAlgorithm, publishedSeconds: Int, jwksMaxAgeSeconds: Int, secondsLeft: Int)
    /// No `previous` key can be removed yet; each one with the time it becomes removable.
    case pruneTooEarly([PendingRemoval])
    /// No key has this `kid`.
    case unknownKeyID(String, known: [String])
    case keyGenerationFailed(JWSAlgorithm, reason: String)
    /// The change would publish more keys than a verifier accepts in one JWKS (`JWKSet.maximumKeyCount`).
    case tooManyPublishedKeys(count: Int, limit: Int)
    /// A database store has no key set yet.
    case databaseNotInitialized(location: String)
    /// The database could not be reached or answered with an error.
    case database(location: String, operation: String, detail: String)
    /// The database's schema was written by a newer Jot; it is never modified by an older one.
    case schemaTooNew(location: String, version: Int, known: Int)
    /// The key-encryption key file is missing, unreadable or not 32 bytes.
    case invalidKeyEncryptionKey(path: String, reason: String)
    /// The keys are sealed and no key-encryption key was given.
    case keyEncryptionKeyRequired(location: String, sealedBy: String)
    /// The store keeps private keys only sealed (PostgreSQL) and no key-encryption key was given.
    case sealingRequired(location: String)
    /// A key was sealed under another key-encryption key than the one given.
    case keyEncryptionKeyMismatch(keyID: String, location: String, sealedBy: String, given: String)
    /// A sealed key does not open with the right key-encryption key: it was altered.
    case cannotOpenSealedKey(keyID: String, location: String, reason: String)
    case keySealingFailed(keyID: String, reason: String)

    public var description: String {
        switch self {
        case .notInitialized(let directory):
            "no key set in '\(directory)' (no \(KeyFileName.manifest)): create one with `jot keys init`, "
                + "or point --keys / JOT_KEYS at the key directory"
        case .notADirectory(let path):
            "'\(path)' is not a directory: point --keys / JOT_KEYS at a key directory"
        case .fileSystem(let path, let operation, let code):
            "cannot \(operation) '\(path)': \(String(cString: strerror(code))) (errno \(code)); "
                + "check that the path exists and that this user owns the key directory"
        case .insecurePermissions(let path, let mode, let required):
            "'\(path)' has mode \(Self.octal(mode)); group and others must have no access to keys: run `chmod \(Self.octal(required)) '\(path)'`"
        case .notARegularFile(let path):
            "'\(path)' is not a regular file (a symbolic link, directory or device): key files must be plain files; "
                + "restore it, or remove its key with `jot keys revoke KID`"
        case .fileTooLarge(let path, let bytes, let limit):
            "'\(path)' is \(bytes) bytes, over the limit of \(limit) bytes: it is not a file Jot wrote; restore it from a backup"
        case .invalidManifest(let path, let reason):
            "manifest '\(path)' is invalid: \(reason); restore it from a backup, or move the directory away and run "
                + "`jot keys init` (tokens signed with the old keys will then fail)"
        case .unsupportedManifestVersion(let path, let version):
            "manifest '\(path)' has format version \(version), which this version of Jot does not understand: use the Jot release that wrote it"
        case .duplicateKeyID(let keyID):
            "the manifest lists kid '\(keyID)' twice: remove the duplicate entry from \(KeyFileName.manifest)"
        case .noCurrentKey(let algorithm):
            "the manifest has \(algorithm) keys but none is current, so nothing can sign \(algorithm): "
                + "mark exactly one \(algorithm) key \"current\" in \(KeyFileName.manifest), or revoke the \(algorithm) keys and run `jot keys init --alg \(algorithm)`"
        case .tooManyKeys(let algorithm, let state, let keyIDs):
            "the manifest has \(keyIDs.count) \(state) \(algorithm) keys (\(keyIDs.map { "'\($0)'" }.joined(separator: ", "))); "
                + "at most one may be \(state): revoke the extra ones with `jot keys revoke KID`"
        case .missingKeyFile(let keyID, let path):
            "the manifest lists key '\(keyID)' but its file '\(path)' is missing: restore the file, or remove the key with `jot keys revoke \(keyID)`"
        case .invalidKeyFile(let keyID, let path, let reason):
            "key file '\(path)' of key '\(keyID)' cannot be read: \(reason); restore the file, or remove the key with `jot keys revoke \(keyID)`"
        case .keyIDMismatch(let keyID, let path, let thumbprint):
            "key file '\(path)' holds a key whose thumbprint is '\(thumbprint)', not its kid '\(keyID)': the file was replaced; "
                + "restore it, or remove the key with `jot keys revoke \(keyID)`"
        case .secretTooShort(let keyID, let path, let bytes, let minimum):
            "shared secret '\(keyID)' in '\(path)' is \(bytes) bytes; at least \(minimum) are required: "
                + "remove it with `jot keys revoke \(keyID)` (a new one of the right size is created)"
        case .noAlgorithms:
            "no algorithm given: pass at least one algorithm, e.g. --alg ES256"
        case .noKeys(let algorithm, let available):
            "the key set has no \(algorithm) keys"
                + (available.isEmpty ? "" : " (it has \(available.map(\.rawValue).joined(separator: ", ")))")
                + ": create them with `jot keys init --alg \(algorithm)`"
        case .noNextKey(let algorithm):
            "there is no next \(algorithm) key to promote: create one with `jot keys init --alg \(algorithm)`, "
                + "then rotate once it has been published for the JWKS max-age"
        case .rotationTooEarly(let keyID, _, let published, let maxAge, let left):
            "next key '\(keyID)' has been published for \(published) s; verifiers may cache the JWKS for \(maxAge) s: "
                + "rotate again in \(left) s or pass --force"
        case .pruneTooEarly(let pending):
            "no previous key can be removed yet, tokens they signed may still be accepted: "
                + pending.map(\.description).joined(separator: "; ")
                + "; prune again then, or remove a compromised key at once with `jot keys revoke KID`"
        case .unknownKeyID(let keyID, let known):
            "no key '\(keyID)' in the key set"
                + (known.isEmpty ? " (it is empty)" : " (keys: \(known.joined(separator: ", ")))")
                + ": check the kid with `jot keys list`"
        case .keyGenerationFailed(let algorithm, let reason):
            "could not generate a \(algorithm) key: \(reason)"
        case .tooManyPublishedKeys(let count, let limit):
            "rotating would publish \(count) keys, and verifiers refuse a JWKS of more than \(limit): "
                + "prune previous keys first: jot keys prune (or remove unused ones with `jot keys revoke KID`)"
        case .databaseNotInitialized(let location):
            "no key set in \(location): create one with `jot keys init --database URL` (or start `jot serve` on it)"
        case .database(let location, let operation, let detail) where detail.hasPrefix("unavailable"):
            "cannot \(operation) in \(location): \(detail); check that PostgreSQL runs at that address and that --database / "
                + "JOT_DATABASE names it (a running issuer keeps its keys and retries on its own)"
        case .database(let location, let operation, let detail):
            "cannot \(operation) in \(location): \(detail)"
        case .schemaTooNew(let location, let version, let known):
            "\(location) has schema version \(version), newer than this jot understands (up to \(known)): "
                + "it was upgraded by a newer release; run that release (the database is left untouched)"
        case .invalidKeyEncryptionKey(let path, let reason):
            "key-encryption key '\(path)' cannot be used: \(reason)"
        case .keyEncryptionKeyRequired(let location, let sealedBy):
            "the keys in \(location) are sealed under key-encryption key \(sealedBy): "
                + "give that key with --key-encryption-key-file FILE (env JOT_KEY_ENCRYPTION_KEY_FILE)"
        case .sealingRequired(let location):
            "\(location) keeps private keys only sealed: give a key-encryption key with --key-encryption-key-file FILE "
                + "(env JOT_KEY_ENCRYPTION_KEY_FILE); create one with `jot keys generate-kek --out FILE`"
        case .keyEncryptionKeyMismatch(let keyID, let location, let sealedBy, let given):
            "cannot open key '\(keyID)' in \(location): it is sealed under key-encryption key \(sealedBy), "
                + "but the key given is \(given): give the key-encryption key it was sealed with"
        case .cannotOpenSealedKey(let keyID, let location, let reason):
            "cannot open sealed key '\(keyID)' in \(location): \(reason); restore it from a backup, or remove it with `jot keys revoke \(keyID)`"
        case .keySealingFailed(let keyID, let reason):
            "could not seal key '\(keyID)': \(reason)"
        }
    }

    private static func octal(_ mode: UInt32) -> String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }
}
