@preconcurrency import AsyncKit
import FastAuthSQL
import Logging
import NIOCore
import NIOPosix
import SQLiteKit

/// Opens SQLite connections for a FastAuth store: each one gets
/// ``SQLAuthStore/sqliteConnectionPragmas`` (busy timeout, WAL, foreign keys) before use.
struct SQLiteStoreConnectionSource: ConnectionPoolSource, Sendable {
    let storage: SQLiteConnection.Storage
    let threadPool: NIOThreadPool

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        SQLiteConnection.open(storage: storage, threadPool: threadPool, logger: logger, on: eventLoop).flatMap {
            connection in
            eventLoop.makeFutureWithTask {
                try await SQLAuthStore.prepareSQLiteConnection(connection.sql(queryLogLevel: nil))
                return connection
            }.flatMapError { error in
                connection.close().flatMapThrowing { throw error }
            }
        }
    }
}
