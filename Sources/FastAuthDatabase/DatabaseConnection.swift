@preconcurrency import AsyncKit
public import FastAuthSQL
public import Logging
import NIOCore
import NIOPosix
import PostgresKit
public import SQLKit
import SQLiteKit

/// An open, pooled database for `fastauth` and for applications, from a ``DatabaseURL``: hands out
/// `any SQLDatabase` with the ``SQLDriverSupport`` of its engine, and shuts down cleanly.
///
/// A FastAuth store over it is `SQLAuthStore(connection)`:
///
/// ```swift
/// let connection = try DatabaseConnection.open("sqlite://fastauth.db")
/// let store = SQLAuthStore(connection)
/// try await store.createTables()
/// // …
/// await connection.shutdown()
/// ```
///
/// - `sqlite://PATH`: a pool of ``sqliteFileConnections`` connections to the file, each in WAL
///   mode with a 5 s busy timeout and foreign keys on; SQLite's blocking calls run on a thread
///   pool of the same size, so a connection waiting for the write lock never starves the one
///   holding it. Its driver support queues this process's writes to the file — one writer gate
///   and group-commit batcher per file per process, shared by every connection and store that
///   opens the same file.
/// - `sqlite::memory:`: one connection, so every use sees the same in-memory database (with a
///   writer gate of its own).
/// - `postgres://…`: a PostgresKit pool on NIO's shared event loops.
public struct DatabaseConnection: Sendable {
    /// Connections in the pool of an SQLite file database.
    static let sqliteFileConnections = 8
    /// Connections per event loop in the pool of a PostgreSQL database.
    static let postgresConnectionsPerLoop = 4
    /// How long a query waits for a free pooled connection before failing. Generous: under a
    /// burst, waiting is better than refusing (the HTTP layer answers 503 when it does fail).
    static let requestTimeout: TimeAmount = .seconds(30)

    /// Where the database is.
    public let location: DatabaseURL
    /// The database; use it only until ``shutdown()``.
    public let database: any SQLDatabase
    /// What a store needs to know of the driver beneath ``database``: how its errors read and,
    /// for SQLite, how this process's writes to the file queue.
    public let driverSupport: SQLDriverSupport
    private let pool: Pool

    private enum Pool: Sendable {
        case sqlite(SQLiteConnectionPool, NIOThreadPool)
        case postgres(EventLoopGroupConnectionPool<PostgresConnectionSource>)
    }

    /// Opens the database at `url` (connections are made on first use).
    public static func open(
        _ url: String, logger: Logger = Logger(label: "fastauth.database")
    ) throws -> DatabaseConnection {
        try open(DatabaseURL(url), logger: logger)
    }

    /// Opens the database at `location` (connections are made on first use). `postgresSearchPath`
    /// sets PostgreSQL's `search_path` on every connection (tests use a schema of their own).
    public static func open(
        _ location: DatabaseURL, postgresSearchPath: [String]? = nil,
        logger: Logger = Logger(label: "fastauth.database")
    ) throws -> DatabaseConnection {
        switch location {
        case .sqliteFile(let path):
            OwnerOnlyFile.create(path)
            return openSQLite(
                .file(path: path), connections: sqliteFileConnections, driverSupport: .sqlite(file: path),
                location: location, logger: logger)
        case .sqliteMemory:
            return openSQLite(
                .memory, connections: 1, driverSupport: .sqliteInMemory(), location: location, logger: logger)
        case .postgres(let postgres):
            var configuration: SQLPostgresConfiguration
            do {
                configuration = try SQLPostgresConfiguration(url: postgres.url)
            } catch {
                // PostgresKit's error repeats the URL, password and all; say it in our words.
                throw DatabaseURLError(
                    "the PostgreSQL URL is not usable (check its sslmode); \(DatabaseURLError.forms)")
            }
            configuration.searchPath = postgresSearchPath
            let pool = EventLoopGroupConnectionPool(
                source: PostgresConnectionSource(sqlConfiguration: configuration),
                maxConnectionsPerEventLoop: postgresConnectionsPerLoop, requestTimeout: requestTimeout, logger: logger,
                on: MultiThreadedEventLoopGroup.singleton)
            return DatabaseConnection(
                location: location, database: pool.database(logger: logger).sql(queryLogLevel: nil),
                driverSupport: .postgres, pool: .postgres(pool))
        }
    }

    private static func openSQLite(
        _ storage: SQLiteConnection.Storage, connections: Int, driverSupport: SQLDriverSupport,
        location: DatabaseURL, logger: Logger
    ) -> DatabaseConnection {
        let threadPool = NIOThreadPool(numberOfThreads: connections)
        threadPool.start()
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let pool = SQLiteConnectionPool(
            storage: storage, threadPool: threadPool, eventLoop: eventLoop, maxConnections: connections, logger: logger)
        let database = SQLiteStoreDatabase(pool: pool, logger: logger, eventLoop: eventLoop)
        return DatabaseConnection(
            location: location, database: database, driverSupport: driverSupport, pool: .sqlite(pool, threadPool))
    }

    /// Closes every connection and stops the threads; call it once nothing uses ``database``.
    /// For SQLite the pool closes its connections (those in use when they come back, those being
    /// opened once they are) before the thread pool they run on stops.
    public func shutdown() async {
        switch pool {
        case .sqlite(let pool, let threadPool):
            await pool.shutdown()
            try? await threadPool.shutdownGracefully()
        case .postgres(let pool):
            try? await pool.shutdownAsync()
        }
    }
}

extension SQLAuthStore {
    /// A store over `connection`'s database, with the driver support of its engine: the way to
    /// make a store from a ``DatabaseConnection``.
    public init(_ connection: DatabaseConnection, configuration: Configuration = .init()) {
        self.init(database: connection.database, driver: connection.driverSupport, configuration: configuration)
    }
}
