public import SQLKit

extension SQLAuthStore {
    /// The settings every SQLite connection of a FastAuth store needs, in the order they must run:
    /// wait up to 5 s for another writer instead of failing at once, write-ahead logging so
    /// readers never block the writer (a file database keeps WAL mode once set), and foreign keys.
    public static let sqliteConnectionPragmas = [
        "PRAGMA busy_timeout = 5000",
        "PRAGMA journal_mode = WAL",
        "PRAGMA foreign_keys = ON",
    ]

    /// Applies ``sqliteConnectionPragmas`` to one SQLite connection; call it whenever a pool
    /// opens a connection.
    public static func prepareSQLiteConnection(_ connection: any SQLDatabase) async throws {
        for pragma in sqliteConnectionPragmas {
            try await connection.raw(SQLQueryString(pragma)).run()
        }
    }
}
