import ArgumentParser
import FastAuth
import FastAuthDatabase
import FastAuthSQL
import Foundation
import Logging

/// The database options of the commands that work on accounts and roles: the same database as
/// `serve` (`--database-url`, else `FASTAUTH_DATABASE_URL`, else sqlite://fastauth.db).
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "FASTAUTH_DATABASE_URL (default sqlite://fastauth.db)")
    var databaseURL: String?

    @Flag(help: "Print JSON instead of text, for scripts.")
    var json = false

    /// Opens the database (creating or upgrading its tables), runs `body` on its store, closes it.
    /// A refusal (an unknown user or role) becomes a one-line error.
    func withStore<T>(_ body: (SQLAuthStore) async throws -> T) async throws -> T {
        let url = MigrateCommand.databaseURL(flag: databaseURL, environment: ProcessInfo.processInfo.environment)
        let connection = try DatabaseConnection.open(url, logger: Logger(label: "fastauth.database"))
        do {
            let store = SQLAuthStore(connection)
            try await store.createTables()
            let result = try await body(store)
            await connection.shutdown()
            return result
        } catch let error as AuthError {
            await connection.shutdown()
            throw ValidationError(error.message)
        } catch {
            await connection.shutdown()
            throw error
        }
    }
}

/// Names one account: `--email`, or `--id` (or the id as the argument).
struct UserSelection: ParsableArguments {
    @Argument(help: "The user's id.") var id: String?
    @Option(help: "The user's email address.") var email: String?
    @Option(name: .customLong("user-id"), help: "The user's id (instead of the argument).") var userID: String?

    func validate() throws {
        let given = [id, email, userID].compactMap { $0 }
        guard given.count == 1 else {
            throw ValidationError("name the user by one of: an id argument, --user-id or --email")
        }
    }

    var selector: UserSelector {
        if let email { return .email(email) }
        return .id(UserID(userID ?? id ?? ""))
    }
}

/// Printing for the account and role commands: aligned text for people, JSON for scripts.
enum CommandOutput {
    /// Left-aligned columns, two spaces apart, trailing spaces trimmed.
    static func table(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(
                separator: "  "
            )
            .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }

    static func date(_ value: Date?) -> String { value.map { $0.formatted(.iso8601) } ?? "-" }

    /// A user as JSON; with `grants`, their roles and permissions too.
    static func userJSON(_ user: UserAccount, grants: RoleGrants? = nil) -> JSONValue {
        var object: [String: JSONValue] = [:]
        object["id"] = .string(user.id.rawValue)
        object["email"] = .string(user.email)
        object["name"] = optional(user.name)
        object["image"] = optional(user.image)
        object["email_verified"] = .bool(user.emailVerified)
        object["is_active"] = .bool(user.isActive)
        object["created_at"] = .string(date(user.createdAt))
        object["updated_at"] = .string(date(user.updatedAt))
        if let grants {
            object["roles"] = strings(grants.roles)
            object["permissions"] = strings(grants.permissions)
        }
        return .object(object)
    }

    static func roleJSON(_ role: RoleRecord) -> JSONValue {
        var object: [String: JSONValue] = [:]
        object["name"] = .string(role.name)
        object["permissions"] = strings(role.permissions)
        return .object(object)
    }

    static func strings(_ values: [String]) -> JSONValue { .array(values.map { JSONValue.string($0) }) }

    static func optional(_ value: String?) -> JSONValue {
        guard let value else { return .null }
        return .string(value)
    }

    static func line(_ value: JSONValue) -> String { value.jsonString + "\n" }
}
