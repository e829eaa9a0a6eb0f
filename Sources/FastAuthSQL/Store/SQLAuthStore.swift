public import FastAuth
public import SQLKit

/// FastAuth's ``AuthStore`` on SQLKit: users, sessions with their refresh-token families, and
/// rate-limit counters and lockouts, in tables prefixed `fastauth_` — and, as a
/// ``SigningKeyStore``, the managed signing keys every instance shares. Works on SQLite and
/// PostgreSQL; every state change that must not race is one atomic statement or one transaction,
/// correct under concurrent calls from many connections and processes.
///
/// Make it from a FastAuthDatabase `DatabaseConnection`, which knows its engine's driver:
///
/// ```swift
/// let connection = try DatabaseConnection.open("sqlite://fastauth.db")  // or postgres://…
/// let store = SQLAuthStore(connection)
/// try await store.createTables()   // safe on every start, from several processes at once
/// ```
///
/// Over a pool of your own, pass the database and its engine's ``SQLDriverSupport``
/// (`SQLAuthStore(database: database, driver: .postgres)`, or `.sqlite(file:)` — one per file
/// per process, so every store over the file shares one writer; open each SQLite connection
/// with FastAuthDatabase's `SQLiteConnectionSetup.prepare(_:)` and give the pool several).
///
/// Transactions run through `SQLDatabase.withSession`, which must keep one connection for the
/// whole closure. The pooled databases of SQLiteKit, PostgresKit and FastAuthDatabase do; a
/// wrapper that does not forward `withSession` (sql-kit 3.36's `logging(to:)` is one) would
/// spread a transaction over several connections, so do not hand the store such a wrapper.
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
    /// What the store knows of the driver beneath `database`: its errors, and how writes queue.
    public let driver: SQLDriverSupport
    /// The store's options.
    public let configuration: Configuration

    /// Creates a store over `database`, whose dialect must be `sqlite` or `postgresql`, with
    /// `driver`, the support of the driver beneath it. A `DatabaseConnection` has both:
    /// `SQLAuthStore(connection)` is the same as
    /// `SQLAuthStore(database: connection.database, driver: connection.driverSupport)`.
    public init(database: any SQLDatabase, driver: SQLDriverSupport, configuration: Configuration = .init()) {
        self.database = database
        self.driver = driver
        self.configuration = configuration
    }
}
