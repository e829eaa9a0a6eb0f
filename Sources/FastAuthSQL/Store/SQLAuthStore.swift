public import FastAuth
public import SQLKit

/// FastAuth's ``AuthStore`` on SQLKit: users, sessions with their refresh-token families, and
/// rate-limit counters and lockouts, in tables prefixed `fastauth_` — and, as a
/// ``SigningKeyStore``, the managed signing keys every instance shares. Works on SQLite and
/// PostgreSQL; every state change that must not race is one atomic statement or one transaction,
/// correct under concurrent calls from many connections and processes.
///
/// ```swift
/// let store = SQLAuthStore(database: pool.database(logger: logger).sql())
/// try await store.createTables()   // safe on every start, from several processes at once
/// ```
///
/// For SQLite, open every connection with ``SQLAuthStore/prepareSQLiteConnection(_:)`` (WAL,
/// a busy timeout and foreign keys) and give the pool several connections.
///
/// Transactions run through `SQLDatabase.withSession`, which must keep one connection for the
/// whole closure. The pooled databases of SQLiteKit and PostgresKit do; a wrapper that does not
/// forward `withSession` (sql-kit 3.36's `logging(to:)` is one) would spread a transaction over
/// several connections, so do not hand the store such a wrapper.
public struct SQLAuthStore: AuthStore {
    /// Options for the store.
    public struct Configuration: Sendable {
        /// How many times an operation runs when the database reports a lock conflict
        /// (SQLITE_BUSY, or a PostgreSQL serialization failure or deadlock) before giving up.
        public var maxAttempts: Int

        /// Creates a configuration.
        public init(maxAttempts: Int = 6) {
            self.maxAttempts = max(1, maxAttempts)
        }
    }

    /// The database the store reads and writes.
    public let database: any SQLDatabase
    /// The store's options.
    public let configuration: Configuration

    /// Creates a store over `database`, whose dialect must be `sqlite` or `postgresql`.
    /// Serialises this process's write transactions on SQLite (`nil` on PostgreSQL).
    let writerGate: WriterGate?
    /// Groups this process's single-statement writes into shared commits on SQLite (`nil` on PostgreSQL).
    let batcher: WriteBatcher?

    public init(database: any SQLDatabase, configuration: Configuration = .init()) {
        self.database = database
        self.configuration = configuration
        self.writerGate = database.dialect.name == "sqlite" ? WriterGate() : nil
        self.batcher = database.dialect.name == "sqlite" ? WriteBatcher() : nil
    }
}
