import FastAuthSQL
import Foundation
import SQLKit
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// This process's writers of one SQLite database, queued: a ``WriterGate`` that lets one write
/// transaction in at a time, and a ``WriteBatcher`` that groups single-statement writes into
/// shared commits under the same gate.
///
/// One per database file per process: ``shared(forFile:)`` hands every pool and store that
/// opens the same file (by its canonical path) the same instance, for as long as one of them
/// keeps it. An in-memory database, which no other connection can open, gets one of its own.
final class SQLiteWriteSerialization: SQLWriteSerialization {
    let gate = WriterGate()
    let batcher = WriteBatcher()

    /// A serialisation no other database shares.
    init() {}

    func exclusively<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        try await gate.run(body)
    }

    func groupCommit<T: Sendable>(
        _ statement: @escaping @Sendable (any SQLDatabase) async throws -> T, through executor: any SQLWriteExecutor
    ) async throws -> T {
        try await batcher.write(statement, through: executor, gate: gate)
    }

    // MARK: One per file

    private struct Registered: Sendable {
        weak var serialization: SQLiteWriteSerialization?
    }

    /// The live serialisations, by canonical file path.
    private static let files = Mutex<[String: Registered]>([:])

    /// The serialisation of the SQLite file at `path`, shared by everything in this process that
    /// asks for the same file — under whatever relative path or symbolic link — while any of
    /// them keeps it.
    static func shared(forFile path: String) -> SQLiteWriteSerialization {
        let key = canonicalPath(path)
        return files.withLock { files in
            if let live = files[key]?.serialization { return live }
            files = files.filter { $0.value.serialization != nil }
            let serialization = SQLiteWriteSerialization()
            files[key] = Registered(serialization: serialization)
            return serialization
        }
    }

    /// `path` with symbolic links, `.` and `..` resolved: the file's one name. A path that does not
    /// resolve (the file could not be created) is made absolute instead.
    static func canonicalPath(_ path: String) -> String {
        if let resolved = realpath(path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
