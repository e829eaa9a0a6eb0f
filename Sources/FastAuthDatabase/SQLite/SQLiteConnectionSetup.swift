public import SQLKit

/// The settings every SQLite connection of a FastAuth store needs. ``DatabaseConnection``'s pool
/// applies them to each connection it opens; a pool of your own must call ``prepare(_:)``
/// whenever it opens one.
public enum SQLiteConnectionSetup {
    /// The settings, in the order they must run: wait up to 5 s for another writer instead of
    /// failing at once, write-ahead logging so readers never block the writer (a file database
    /// keeps WAL mode once set), and foreign keys.
    public static let pragmas = [
        "PRAGMA busy_timeout = 5000",
        "PRAGMA journal_mode = WAL",
        "PRAGMA foreign_keys = ON",
    ]

    /// Applies ``pragmas`` to one SQLite connection.
    ///
    /// Switching a file to WAL needs a moment of exclusive access, and SQLite may answer
    /// "database is locked" without waiting when several connections open at once; the switch
    /// is made only when the file is not in WAL mode yet, and retried a few times.
    public static func prepare(_ connection: any SQLDatabase) async throws {
        try await connection.raw(SQLQueryString(pragmas[0])).run()
        let mode = try await connection.raw("PRAGMA journal_mode").first()?.decode(
            column: "journal_mode", as: String.self)
        if let mode, !["wal", "memory"].contains(mode.lowercased()) {
            for attempt in 1...10 {
                do {
                    try await connection.raw(SQLQueryString(pragmas[1])).run()
                    break
                } catch  where attempt < 10 {
                    try await Task.sleep(for: .milliseconds(10 * attempt))
                }
            }
        }
        try await connection.raw(SQLQueryString(pragmas[2])).run()
    }
}
