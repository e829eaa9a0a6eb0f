public import FastAuthSQL

extension SQLDriverSupport {
    /// SQLite through SQLiteNIO, for the database file at `path`: SQLiteNIO's errors read by their
    /// result code, and the process-wide write serialisation of that file — the same for every
    /// store and pool in this process that names the file, under whatever path.
    public static func sqlite(file path: String) -> SQLDriverSupport {
        SQLDriverSupport(
            classifyError: SQLiteDriverErrors.classify,
            writeSerialization: SQLiteWriteSerialization.shared(forFile: path))
    }

    /// SQLite through SQLiteNIO, for an in-memory database: a write serialisation of its own, so
    /// make it once per database and give every store over that database the same value.
    public static func sqliteInMemory() -> SQLDriverSupport {
        SQLDriverSupport(classifyError: SQLiteDriverErrors.classify, writeSerialization: SQLiteWriteSerialization())
    }

    /// PostgreSQL through PostgresNIO: its errors read by their SQLSTATE or client code; no write
    /// serialisation (PostgreSQL takes concurrent writers itself).
    public static let postgres = SQLDriverSupport(classifyError: PostgresDriverErrors.classify)
}
