import Foundation

/// Where a FastAuth database is, parsed from `FASTAUTH_DATABASE_URL` / `--database-url`:
/// `sqlite://PATH` (a file), `sqlite::memory:`, or `postgres://user:pass@host:port/db`
/// (also `postgresql://`). Parsing never echoes a password in an error or a description.
public enum DatabaseURL: Equatable, Sendable, CustomStringConvertible {
    /// An SQLite database in a file (relative paths are relative to the working directory).
    case sqliteFile(path: String)
    /// An SQLite database in memory, gone when the process ends.
    case sqliteMemory
    /// A PostgreSQL server. `url` is the original URL, handed to PostgresKit after validation.
    case postgres(PostgresLocation)

    /// The parts of a PostgreSQL URL, validated.
    public struct PostgresLocation: Equatable, Sendable {
        public var host: String
        public var port: Int
        public var username: String
        public var database: String
        /// The URL as given, password included: for the driver only, never for printing.
        var url: String
    }

    /// The default when neither the flag nor the environment variable is set.
    public static let defaultURL = "sqlite://fastauth.db"

    /// Parses `string`, throwing a ``DatabaseURLError`` that names the problem.
    public init(_ string: String) throws(DatabaseURLError) {
        let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed == "sqlite::memory:" || trimmed == "sqlite://:memory:" {
            self = .sqliteMemory
            return
        }
        guard let schemeEnd = trimmed.range(of: "://") else {
            throw DatabaseURLError("the database URL has no scheme; \(DatabaseURLError.forms)")
        }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        let rest = String(trimmed[schemeEnd.upperBound...])
        switch scheme {
        case "sqlite":
            guard !rest.isEmpty else { throw DatabaseURLError("the sqlite:// URL names no file; use sqlite://PATH") }
            guard !rest.contains("?"), !rest.contains("#") else {
                throw DatabaseURLError("the sqlite:// URL has a query or fragment; use sqlite://PATH")
            }
            self = .sqliteFile(path: rest)
        case "postgres", "postgresql":
            self = .postgres(try Self.postgres(trimmed))
        default:
            let shown = scheme.allSatisfy { $0.isLetter || $0.isNumber || "+-.".contains($0) } ? scheme : "?"
            throw DatabaseURLError("unsupported database URL scheme '\(shown)'; \(DatabaseURLError.forms)")
        }
    }

    private static func postgres(_ string: String) throws(DatabaseURLError) -> PostgresLocation {
        guard let components = URLComponents(string: string) else {
            throw DatabaseURLError(
                "the PostgreSQL URL is malformed (percent-encode special characters in the user name and password); "
                    + "use postgres://user:pass@host:port/db")
        }
        guard let host = components.host, !host.isEmpty else {
            throw DatabaseURLError("the PostgreSQL URL names no host; use postgres://user:pass@host:port/db")
        }
        guard let username = components.user, !username.isEmpty else {
            throw DatabaseURLError("the PostgreSQL URL names no user; use postgres://user:pass@host:port/db")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw DatabaseURLError("the PostgreSQL URL's port \(port) is out of range")
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.isEmpty, !path.contains("/") else {
            throw DatabaseURLError("the PostgreSQL URL names no database; use postgres://user:pass@host:port/db")
        }
        for item in components.queryItems ?? [] {
            guard ["sslmode", "tlsmode", "ssl", "tls"].contains(item.name.lowercased()) else {
                throw DatabaseURLError(
                    "the PostgreSQL URL has an unknown option '\(item.name)'; "
                        + "only sslmode=disable|prefer|require is read")
            }
            let modes = ["disable", "false", "prefer", "allow", "true", "require", "verify-ca", "verify-full"]
            guard let value = item.value, modes.contains(value) else {
                throw DatabaseURLError("the PostgreSQL URL's \(item.name) must be disable, prefer or require")
            }
        }
        return PostgresLocation(host: host, port: port, username: username, database: path, url: string)
    }

    /// A description safe to print: no password.
    public var description: String {
        switch self {
        case .sqliteFile(let path): "SQLite database \(path)"
        case .sqliteMemory: "in-memory SQLite database"
        case .postgres(let location):
            "PostgreSQL database \(location.database) at \(location.host):\(location.port) as \(location.username)"
        }
    }
}
