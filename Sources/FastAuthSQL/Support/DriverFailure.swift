/// What a driver error means to ``SQLAuthStore``: its kind, and a summary safe to show.
///
/// FastAuthSQL depends on SQLKit only, so it cannot read a driver's error type; the
/// ``SQLDriverSupport`` of the database's engine does, and hands the store a `DriverFailure`.
/// The summary ends up in ``StoreError`` messages and logs: it must name the error type and its
/// code (`SQLiteError busy`, `PSQLError SQLSTATE 23505`), optionally followed by fixed words for
/// an operator (`: a FastAuth table is missing; …`) — never the driver's message or query, which
/// can carry bound values (password hashes, token ids).
public struct DriverFailure: Sendable, Equatable {
    /// What the store does about the failure.
    public enum Kind: Sendable, Equatable {
        /// Another connection holds the lock (SQLITE_BUSY / SQLITE_LOCKED) or PostgreSQL gave up a
        /// transaction to resolve a conflict (40001 serialization failure, 40P01 deadlock): retry.
        case retryable
        /// A UNIQUE or PRIMARY KEY constraint refused the row (SQLite 2067, 1555 / PostgreSQL 23505).
        case uniqueViolation
        /// A FOREIGN KEY constraint refused the row (SQLite 787 / PostgreSQL 23503).
        case foreignKeyViolation
        /// Anything else: connection trouble, syntax, permissions, corruption.
        case other
    }

    /// What the store does about the failure.
    public var kind: Kind
    /// A short description safe to show: the error type and its code, and perhaps a fixed hint.
    public var summary: String

    /// A failure of `kind`, described by `summary` (see the type's rules for what it may contain).
    public init(kind: Kind, summary: String) {
        self.kind = kind
        self.summary = summary
    }

    /// The failure for an error no classifier recognised: ``Kind/other``, summarised by the
    /// error's type name alone.
    static func unrecognised(_ error: any Error) -> DriverFailure {
        DriverFailure(kind: .other, summary: String(describing: type(of: error)))
    }
}
