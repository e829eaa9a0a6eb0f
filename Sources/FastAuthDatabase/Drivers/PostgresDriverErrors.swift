import FastAuthSQL
import PostgresKit

/// What PostgresNIO's errors mean to the store, read from `PSQLError`: the server's SQLSTATE
/// (`serverInfo?[.sqlState]`) when the server refused a statement, the client-side `code`
/// otherwise.
enum PostgresDriverErrors {
    /// The failure `error` describes, or `nil` when it is not a `PSQLError`. The summary is
    /// `PSQLError SQLSTATE 23505` or `PSQLError connectionError`, with a fixed hint for the
    /// failures an operator meets first.
    static func classify(_ error: any Error) -> DriverFailure? {
        guard let error = error as? PSQLError else { return nil }
        if let state = error.serverInfo?[.sqlState], isSQLState(state) {
            return DriverFailure(
                kind: kind(sqlState: state), summary: summary("PSQLError SQLSTATE \(state)", hint(sqlState: state)))
        }
        let hint = error.code == .connectionError ? "could not connect" : nil
        return DriverFailure(kind: .other, summary: summary("PSQLError \(error.code)", hint))
    }

    /// Five ASCII letters or digits, as every SQLSTATE is: nothing else from the server is shown.
    private static func isSQLState(_ state: String) -> Bool {
        state.count == 5 && state.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    private static func summary(_ summary: String, _ hint: String?) -> String {
        hint.map { "\(summary): \($0)" } ?? summary
    }

    private static func kind(sqlState state: String) -> DriverFailure.Kind {
        switch state {
        case "23505": .uniqueViolation
        case "23503": .foreignKeyViolation
        case "40001", "40P01", "55P03": .retryable
        default: .other
        }
    }

    /// Words for the failures an operator meets first; fixed strings, nothing from the driver.
    private static func hint(sqlState state: String) -> String? {
        switch state {
        case "28P01", "28000": "authentication failed"
        case "3D000": "the database does not exist"
        case "42P01": "a FastAuth table is missing; run createTables() or `fastauth migrate`"
        case "42501": "permission denied"
        case "53300": "too many connections"
        case "57P01", "57P02", "57P03": "the server is shutting down or starting up"
        default: nil
        }
    }
}
