import ArgumentParser
import FastAuth

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Look after accounts: list, show, deactivate, activate, verify-email.",
        discussion: """
            Works on the same database as `serve`: --database-url, else FASTAUTH_DATABASE_URL, else \
            sqlite://fastauth.db. Name a user by id or by --email. Deactivating ends every session \
            of the user; their access tokens stop working within a second.
            """,
        subcommands: [ListUsers.self, ShowUser.self, DeactivateUser.self, ActivateUser.self, VerifyEmail.self])

    struct ListUsers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List users, oldest first, a page at a time.")
        @OptionGroup var options: StoreOptions
        @Option(help: "Users per page (1…1000).") var limit = 50
        @Option(help: "Users to skip (the previous page's next offset).") var offset = 0

        func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
            guard offset >= 0 else { throw ValidationError("--offset must not be negative") }
        }

        func run() async throws {
            print(
                try await options.withStore {
                    try await UsersCommand.list(store: $0, limit: limit, offset: offset, json: options.json)
                }, terminator: "")
        }
    }

    struct ShowUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show one user with their roles and permissions.")
        @OptionGroup var options: StoreOptions
        @OptionGroup var user: UserSelection

        func run() async throws {
            print(
                try await options.withStore {
                    try await UsersCommand.show(store: $0, user.selector, json: options.json)
                }, terminator: "")
        }
    }

    struct DeactivateUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "deactivate", abstract: "Deactivate a user: they cannot sign in, and their sessions end.")
        @OptionGroup var options: StoreOptions
        @OptionGroup var user: UserSelection

        func run() async throws {
            print(
                try await options.withStore {
                    try await UsersCommand.deactivate(store: $0, user.selector, json: options.json)
                }, terminator: "")
        }
    }

    struct ActivateUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "activate", abstract: "Activate a deactivated user again.")
        @OptionGroup var options: StoreOptions
        @OptionGroup var user: UserSelection

        func run() async throws {
            print(
                try await options.withStore {
                    try await UsersCommand.activate(store: $0, user.selector, json: options.json)
                }, terminator: "")
        }
    }

    struct VerifyEmail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-email", abstract: "Mark a user's email address verified.")
        @OptionGroup var options: StoreOptions
        @OptionGroup var user: UserSelection

        func run() async throws {
            print(
                try await options.withStore {
                    try await UsersCommand.verifyEmail(store: $0, user.selector, json: options.json)
                }, terminator: "")
        }
    }

    // MARK: What the commands do

    /// One page of users: a table, or `{"users": […], "limit", "offset", "next_offset"}` where
    /// `next_offset` is `null` on the last page.
    static func list(store: any AuthStore, limit: Int, offset: Int, json: Bool) async throws -> String {
        // One more than asked tells whether another page follows.
        let page = try await UserAdministration(store: store).list(limit: limit + 1, offset: offset)
        let users = Array(page.prefix(limit))
        let next = page.count > limit ? offset + limit : nil
        if json {
            var object: [String: JSONValue] = [:]
            object["users"] = .array(users.map { CommandOutput.userJSON($0) })
            object["limit"] = .int(Int64(limit))
            object["offset"] = .int(Int64(offset))
            object["next_offset"] = .null
            if let next { object["next_offset"] = .int(Int64(next)) }
            return CommandOutput.line(.object(object))
        }
        guard !users.isEmpty else { return offset == 0 ? "No users.\n" : "No users past offset \(offset).\n" }
        var rows: [[String]] = [["ID", "EMAIL", "NAME", "ACTIVE", "VERIFIED", "CREATED"]]
        for user in users {
            let name: String = user.name ?? "-"
            let created: String = CommandOutput.date(user.createdAt)
            rows.append([user.id.rawValue, user.email, name, yes(user.isActive), yes(user.emailVerified), created])
        }
        var text = CommandOutput.table(rows)
        if let next { text += "More users follow: --offset \(next)\n" }
        return text
    }

    /// One user with their roles and permissions.
    static func show(store: any AuthStore, _ selector: UserSelector, json: Bool) async throws -> String {
        let user = try await UserAdministration(store: store).find(selector)
        return describe(user, grants: try await store.grants(of: user.id), json: json)
    }

    /// Deactivates a user and ends their sessions.
    static func deactivate(store: any AuthStore, _ selector: UserSelector, json: Bool) async throws -> String {
        let (user, ended) = try await UserAdministration(store: store).deactivate(selector)
        if json {
            let object: [String: JSONValue] = [
                "user": CommandOutput.userJSON(user), "ended_sessions": .int(Int64(ended)),
            ]
            return CommandOutput.line(.object(object))
        }
        return "Deactivated \(user.email) (\(user.id.rawValue)); ended \(ended) session(s).\n"
    }

    /// Activates a user.
    static func activate(store: any AuthStore, _ selector: UserSelector, json: Bool) async throws -> String {
        let user = try await UserAdministration(store: store).activate(selector)
        return json
            ? CommandOutput.line(CommandOutput.userJSON(user)) : "Activated \(user.email) (\(user.id.rawValue)).\n"
    }

    /// Marks a user's email verified.
    static func verifyEmail(store: any AuthStore, _ selector: UserSelector, json: Bool) async throws -> String {
        let user = try await UserAdministration(store: store).verifyEmail(selector)
        return json
            ? CommandOutput.line(CommandOutput.userJSON(user))
            : "Marked the email of \(user.email) (\(user.id.rawValue)) verified.\n"
    }

    static func describe(_ user: UserAccount, grants: RoleGrants, json: Bool) -> String {
        if json { return CommandOutput.line(CommandOutput.userJSON(user, grants: grants)) }
        var rows: [[String]] = []
        rows.append(["id", user.id.rawValue])
        rows.append(["email", user.email])
        rows.append(["name", user.name ?? "-"])
        rows.append(["image", user.image ?? "-"])
        rows.append(["active", yes(user.isActive)])
        rows.append(["email verified", yes(user.emailVerified)])
        rows.append(["created", CommandOutput.date(user.createdAt)])
        rows.append(["updated", CommandOutput.date(user.updatedAt)])
        rows.append(["roles", listed(grants.roles)])
        rows.append(["permissions", listed(grants.permissions)])
        return CommandOutput.table(rows)
    }

    private static func yes(_ flag: Bool) -> String { flag ? "yes" : "no" }

    private static func listed(_ values: [String]) -> String { values.isEmpty ? "-" : values.joined(separator: ", ") }
}
