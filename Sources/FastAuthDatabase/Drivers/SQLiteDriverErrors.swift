import FastAuthSQL
import SQLiteKit

/// What SQLiteNIO's errors mean to the store, read from `SQLiteError.reason` — SQLite's result
/// code. SQLiteNIO opens every connection with extended result codes, so a constraint failure
/// says which constraint it was.
enum SQLiteDriverErrors {
    /// The failure `error` describes, or `nil` when it is not an `SQLiteError`. The summary is
    /// `SQLiteError` and the result code's name (`SQLiteError busy`), with a fixed hint for the
    /// failures an operator meets first.
    static func classify(_ error: any Error) -> DriverFailure? {
        guard let error = error as? SQLiteError else { return nil }
        let summary = "SQLiteError \(error.reason)"
        return DriverFailure(kind: kind(error.reason), summary: hint(error).map { "\(summary): \($0)" } ?? summary)
    }

    private static func kind(_ reason: SQLiteError.Reason) -> DriverFailure.Kind {
        switch reason {
        case .busy, .busyInRecovery, .busyInSnapshot, .busyTimeout, .locked, .lockedBySharedCache,
            .lockedVirtualTable:
            .retryable
        case .constraintUniqueFailed, .constraintPrimaryKeyFailed: .uniqueViolation
        case .constraintForeignKeyFailed: .foreignKeyViolation
        default: .other
        }
    }

    /// Words for the failures an operator meets first; fixed strings, nothing from the driver.
    private static func hint(_ error: SQLiteError) -> String? {
        switch error.reason {
        case .cantOpen, .cantOpenDirectory, .cantOpenInvalidPath, .cantOpenCygwinPath, .cantOpenUnfollowedSymlink:
            "the database file cannot be opened"
        case .readOnly, .readonlyInRecovery, .readonlyCantLock, .readonlyInRollback, .readonlyBackingMoved,
            .readonlyDirectory:
            "the database is read-only"
        // SQLite has no result code of its own for a missing table: SQLITE_ERROR with the
        // message "no such table: …" (only the fixed start is read; the message is never shown).
        case .error where error.message.hasPrefix("no such table"):
            "a FastAuth table is missing; run createTables() or `fastauth migrate`"
        default:
            nil
        }
    }
}
