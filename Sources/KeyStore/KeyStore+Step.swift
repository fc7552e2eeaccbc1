extension KeyStore {
    /// The points between the durable actions of a change, in order. A fault injected at a step stops the change
    /// there exactly as a crash would (nothing is cleaned up), which is how the tests prove that every interrupted
    /// change leaves either the old or the new key set.
    package enum Step: Sendable, Hashable, CustomStringConvertible {
        /// The exclusive lock is held; nothing is read or written yet.
        case locked
        /// A new key's temporary file is written and fsynced, not yet renamed.
        case keyFileWritten(keyID: String)
        /// A new key's file is in place (not referenced by the manifest yet).
        case keyFileRenamed(keyID: String)
        /// The directory is fsynced after the new key files.
        case keyFilesSynced
        /// The new manifest's temporary file is written and fsynced, not yet renamed.
        case manifestWritten
        /// The new manifest replaced the old one: the commit point.
        case manifestRenamed
        /// The directory is fsynced after the manifest rename.
        case manifestSynced
        /// A key file no longer referenced by the manifest was removed.
        case keyFileRemoved(keyID: String)
        /// The directory is fsynced after the removals.
        case removalsSynced

        package var description: String {
            switch self {
            case .locked: "locked"
            case .keyFileWritten(let keyID): "key file '\(keyID)' written"
            case .keyFileRenamed(let keyID): "key file '\(keyID)' renamed"
            case .keyFilesSynced: "key files synced"
            case .manifestWritten: "manifest written"
            case .manifestRenamed: "manifest renamed"
            case .manifestSynced: "manifest synced"
            case .keyFileRemoved(let keyID): "key file '\(keyID)' removed"
            case .removalsSynced: "removals synced"
            }
        }
    }

    /// Called at each ``Step`` of a change; throwing stops the change there, as a crash would.
    package typealias FaultInjection = @Sendable (Step) throws(KeyStoreError) -> Void
}
