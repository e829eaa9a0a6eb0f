import FastAuthSQL

@testable import FastAuthDatabase

extension SQLAuthStore {
    /// The SQLite write serialisation the store's driver support hands it (`nil` on PostgreSQL).
    var sqliteWrites: SQLiteWriteSerialization? { driver.writeSerialization as? SQLiteWriteSerialization }

    /// The group-commit batcher of the store's SQLite database (`nil` on PostgreSQL).
    var batcher: WriteBatcher? { sqliteWrites?.batcher }
}
