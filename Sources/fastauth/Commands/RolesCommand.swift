import ArgumentParser
import FastAuth
import Foundation
import Logging

struct RolesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roles",
        abstract: "Manage roles and who holds them: list, create, delete, grant, revoke.",
        discussion: """
            Works on the same database as `serve`: --database-url, else FASTAUTH_DATABASE_URL, else \
            sqlite://fastauth.db. Make the first admin with `fastauth roles grant admin --email …`: \
            granting the admin role (FASTAUTH_ADMIN_ROLE, default admin) creates it when it does \
            not exist yet; any other role must be created first, so a typo cannot invent one. \
            Changes reach running servers within a second and end no session.
            """,
        subcommands: [ListRoles.self, CreateRole.self, DeleteRole.self, GrantRole.self, RevokeRole.self])

    struct ListRoles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List roles and their permissions.")
        @OptionGroup var options: StoreOptions

        func run() async throws {
            print(
                try await options.withStore { try await RolesCommand.list(store: $0, json: options.json) },
                terminator: "")
        }
    }

    struct CreateRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a role.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The role's name.") var name: String
        @Option(name: .customLong("permission"), help: "A permission the role carries (repeat for more).")
        var permissions: [String] = []

        func run() async throws {
            print(
                try await options.withStore {
                    try await RolesCommand.create(store: $0, name: name, permissions: permissions, json: options.json)
                }, terminator: "")
        }
    }

    struct DeleteRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete", abstract: "Delete a role and take it from everyone who holds it.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The role's name.") var name: String

        func run() async throws {
            print(
                try await options.withStore {
                    try await RolesCommand.delete(store: $0, name: name, json: options.json)
                }, terminator: "")
        }
    }

    struct GrantRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "grant", abstract: "Give a role to a user (the admin role is created if needed).")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The role's name.") var role: String
        @OptionGroup var user: UserSelection
        @Option(name: .customLong("admin-role"), help: "FASTAUTH_ADMIN_ROLE (default admin)") var adminRole: String?

        func run() async throws {
            let admin = adminRole ?? ServeSettings.adminRole(environment: ProcessInfo.processInfo.environment)
            print(
                try await options.withStore {
                    try await RolesCommand.grant(
                        store: $0, role: role, to: user.selector, adminRole: admin, json: options.json)
                }, terminator: "")
        }
    }

    struct RevokeRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Take a role from a user.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The role's name.") var role: String
        @OptionGroup var user: UserSelection

        func run() async throws {
            print(
                try await options.withStore {
                    try await RolesCommand.revoke(store: $0, role: role, from: user.selector, json: options.json)
                }, terminator: "")
        }
    }

    // MARK: What the commands do

    /// The role service the commands use; it logs only warnings, since the commands print what they did.
    static func service(_ store: any AuthStore, adminRole: String = RolesConfig().adminRole) -> RoleService {
        var logger = Logger(label: "fastauth.roles")
        logger.logLevel = .warning
        return RoleService(store: store, config: RolesConfig(adminRole: adminRole), logger: logger)
    }

    /// Every role with its permissions.
    static func list(store: any AuthStore, json: Bool) async throws -> String {
        let roles = try await service(store).roles()
        if json {
            let object: [String: JSONValue] = ["roles": .array(roles.map { CommandOutput.roleJSON($0) })]
            return CommandOutput.line(.object(object))
        }
        guard !roles.isEmpty else { return "No roles.\n" }
        var rows = [["ROLE", "PERMISSIONS", "CREATED"]]
        for role in roles {
            let permissions: String = role.permissions.isEmpty ? "-" : role.permissions.joined(separator: ",")
            rows.append([role.name, permissions, CommandOutput.date(role.createdAt)])
        }
        return CommandOutput.table(rows)
    }

    /// Creates a role.
    static func create(store: any AuthStore, name: String, permissions: [String], json: Bool) async throws -> String {
        let role = try await service(store).createRole(name, permissions: permissions)
        if json { return CommandOutput.line(CommandOutput.roleJSON(role)) }
        let carried = role.permissions.isEmpty ? "no permissions" : role.permissions.joined(separator: ", ")
        return "Created role \(role.name) (\(carried)).\n"
    }

    /// Deletes a role.
    static func delete(store: any AuthStore, name: String, json: Bool) async throws -> String {
        try await service(store).deleteRole(name)
        let object: [String: JSONValue] = ["deleted": .string(name)]
        return json ? CommandOutput.line(.object(object)) : "Deleted role \(name).\n"
    }

    /// Gives `role` to the user. The admin role is created on first use — this is how the
    /// first admin is made; any other role must exist.
    static func grant(
        store: any AuthStore, role: String, to selector: UserSelector, adminRole: String, json: Bool
    ) async throws -> String {
        let roles = service(store, adminRole: adminRole)
        let user = try await UserAdministration(store: store).find(selector)
        var created = false
        if role == adminRole {
            created = try await roles.ensureRole(role)
        } else if try await store.role(named: role) == nil {
            throw ValidationError("there is no role \(role); create it first with `fastauth roles create \(role)`")
        }
        let granted = try await roles.assign(role, to: user.id)
        if json {
            var object: [String: JSONValue] = ["user_id": .string(user.id.rawValue), "role_name": .string(role)]
            object["granted"] = .bool(granted)
            object["role_created"] = .bool(created)
            return CommandOutput.line(.object(object))
        }
        var text = created ? "Created role \(role).\n" : ""
        text +=
            granted
            ? "Granted \(role) to \(user.email) (\(user.id.rawValue)).\n" : "\(user.email) already holds \(role).\n"
        return text
    }

    /// Takes `role` from the user.
    static func revoke(
        store: any AuthStore, role: String, from selector: UserSelector, json: Bool
    ) async throws -> String {
        let user = try await UserAdministration(store: store).find(selector)
        let revoked = try await service(store).revoke(role, from: user.id)
        if json {
            var object: [String: JSONValue] = ["user_id": .string(user.id.rawValue), "role_name": .string(role)]
            object["revoked"] = .bool(revoked)
            return CommandOutput.line(.object(object))
        }
        return revoked ? "Revoked \(role) from \(user.email).\n" : "\(user.email) did not hold \(role).\n"
    }
}
