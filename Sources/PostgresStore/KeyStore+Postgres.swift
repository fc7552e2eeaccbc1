public import KeyStore

extension KeyStore {
    /// A key store in `database` (schema migrated). Private keys are only ever written sealed: changes and loads need
    /// `sealer`; listing the keys does not.
    public init(postgres database: JotDatabase, sealer: KeySealer?, rsaKeySize: Int = 2048) {
        self.init(storage: PostgresKeyStorage(database: database, sealer: sealer), rsaKeySize: rsaKeySize)
    }
}
