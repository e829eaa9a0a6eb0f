import ArgumentParser
import FastAuth
import FastAuthSQL
import Foundation
import Testing

@testable import fastauth

/// `fastauth users …` and `fastauth roles …`: the functions the commands run, on SQLite and
/// (when `FASTAUTH_TEST_POSTGRES_URL` is set) PostgreSQL.
@Suite("fastauth users and roles commands")
struct UserRoleCLITests {
    static let engines: [Bool] =
        ProcessInfo.processInfo.environment["FASTAUTH_TEST_POSTGRES_URL"] == nil ? [false] : [false, true]

    private func user(_ store: SQLAuthStore, _ email: String, second: Int = 0) async throws -> UserAccount {
        let account = UserAccount(
            id: .generate(), email: email, name: "User \(second)",
            createdAt: Date(timeIntervalSince1970: 1_767_225_600 + Double(second)))
        return try await store.createUser(StoredUser(account: account, passwordHash: "$scrypt$x"))
    }

    @Test(
        "roles grant admin --email makes the first admin, creating the role once; other roles must exist",
        arguments: engines)
    func firstAdmin(postgres: Bool) async throws {
        try await withTestDatabase(postgres: postgres) { store in
            let ada = try await user(store, "ada@example.com")
            let first = try await RolesCommand.grant(
                store: store, role: "admin", to: .email("Ada@Example.com"), adminRole: "admin", json: false)
            #expect(first == "Created role admin.\nGranted admin to ada@example.com (\(ada.id.rawValue)).\n")
            let again = try await RolesCommand.grant(
                store: store, role: "admin", to: .id(ada.id), adminRole: "admin", json: true)
            #expect(
                try JSONValue(parsing: Array(again.utf8))
                    == [
                        "user_id": .string(ada.id.rawValue), "role_name": "admin", "granted": false,
                        "role_created": false,
                    ])
            #expect(try await store.grants(of: ada.id).roles == ["admin"])
            // A configured admin role is created the same way; any other role is not.
            _ = try await RolesCommand.grant(
                store: store, role: "superuser", to: .id(ada.id), adminRole: "superuser", json: false)
            #expect(try await store.grants(of: ada.id).roles == ["admin", "superuser"])
            await #expect(throws: ValidationError.self) {
                try await RolesCommand.grant(
                    store: store, role: "editr", to: .id(ada.id), adminRole: "admin", json: false)
            }
            #expect(try await store.role(named: "editr") == nil)
            await #expect(throws: AuthError.self) {
                try await RolesCommand.grant(
                    store: store, role: "admin", to: .email("nobody@example.com"), adminRole: "admin", json: false)
            }
        }
    }

    @Test("roles create, list, revoke and delete", arguments: engines)
    func roles(postgres: Bool) async throws {
        try await withTestDatabase(postgres: postgres) { store in
            let bob = try await user(store, "bob@example.com")
            #expect(try await RolesCommand.list(store: store, json: false) == "No roles.\n")
            let created = try await RolesCommand.create(
                store: store, name: "editor", permissions: ["posts:write", "posts:read"], json: false)
            #expect(created == "Created role editor (posts:read, posts:write).\n")
            await #expect(throws: AuthError.self) {
                try await RolesCommand.create(store: store, name: "editor", permissions: [], json: false)
            }
            await #expect(throws: AuthError.self) {
                try await RolesCommand.create(store: store, name: "two words", permissions: [], json: false)
            }
            let listed = try await RolesCommand.list(store: store, json: true)
            #expect(
                try JSONValue(parsing: Array(listed.utf8))
                    == ["roles": [["name": "editor", "permissions": ["posts:read", "posts:write"]]]])
            #expect(try await RolesCommand.list(store: store, json: false).contains("editor  posts:read,posts:write"))
            _ = try await RolesCommand.grant(
                store: store, role: "editor", to: .email("bob@example.com"), adminRole: "admin", json: false)
            let shown = try await UsersCommand.show(store: store, .email("bob@example.com"), json: true)
            #expect(try JSONValue(parsing: Array(shown.utf8))["roles"] == ["editor"])
            #expect(try JSONValue(parsing: Array(shown.utf8))["permissions"] == ["posts:read", "posts:write"])
            #expect(
                try await RolesCommand.revoke(store: store, role: "editor", from: .id(bob.id), json: false)
                    == "Revoked editor from bob@example.com.\n")
            #expect(
                try await RolesCommand.revoke(store: store, role: "editor", from: .id(bob.id), json: false)
                    == "bob@example.com did not hold editor.\n")
            #expect(
                try await RolesCommand.delete(store: store, name: "editor", json: false) == "Deleted role editor.\n")
            await #expect(throws: AuthError.self) {
                try await RolesCommand.delete(store: store, name: "editor", json: false)
            }
            #expect(try await store.roles().isEmpty)
        }
    }

    @Test("users list pages with --limit/--offset and says where the next page starts", arguments: engines)
    func list(postgres: Bool) async throws {
        try await withTestDatabase(postgres: postgres) { store in
            #expect(try await UsersCommand.list(store: store, limit: 2, offset: 0, json: false) == "No users.\n")
            var users: [UserAccount] = []
            for (index, email) in ["c@example.com", "a@example.com", "b@example.com"].enumerated() {
                users.append(try await user(store, email, second: index))
            }
            let first = try JSONValue(
                parsing: Array(try await UsersCommand.list(store: store, limit: 2, offset: 0, json: true).utf8))
            #expect(
                first["users"]?.arrayValue?.compactMap { $0["email"]?.stringValue } == [
                    "c@example.com", "a@example.com",
                ])
            #expect(first["next_offset"] == 2)
            #expect(first["users"]?.arrayValue?.first?["id"]?.stringValue == users[0].id.rawValue)
            #expect(first["users"]?.arrayValue?.first?["is_active"] == true)
            let last = try JSONValue(
                parsing: Array(try await UsersCommand.list(store: store, limit: 2, offset: 2, json: true).utf8))
            #expect(last["users"]?.arrayValue?.count == 1)
            #expect(last["next_offset"] == .null)
            let text = try await UsersCommand.list(store: store, limit: 2, offset: 0, json: false)
            #expect(text.hasPrefix("ID "))
            #expect(text.contains("c@example.com") && !text.contains("b@example.com"))
            #expect(text.hasSuffix("More users follow: --offset 2\n"))
        }
    }

    @Test("users deactivate ends every session; activate and verify-email change the flags", arguments: engines)
    func lifecycle(postgres: Bool) async throws {
        try await withTestDatabase(postgres: postgres) { store in
            let bob = try await user(store, "bob@example.com")
            let now = Date()
            for _ in 0..<2 {
                try await store.createSession(
                    SessionRecord(
                        id: .generate(), userID: bob.id, createdAt: now, expiresAt: now.addingTimeInterval(3600),
                        currentTokenID: .generate()))
            }
            let deactivated = try await UsersCommand.deactivate(store: store, .email("bob@example.com"), json: false)
            #expect(deactivated == "Deactivated bob@example.com (\(bob.id.rawValue)); ended 2 session(s).\n")
            #expect(try await store.activeSessions(userID: bob.id, now: Date()).isEmpty)
            #expect(try await store.user(id: bob.id)?.isActive == false)
            let shown = try await UsersCommand.show(store: store, .id(bob.id), json: false)
            #expect(shown.contains("active          no"))
            let activated = try JSONValue(
                parsing: Array(try await UsersCommand.activate(store: store, .id(bob.id), json: true).utf8))
            #expect(activated["is_active"] == true)
            #expect(activated["email_verified"] == false)
            let verified = try JSONValue(
                parsing: Array(try await UsersCommand.verifyEmail(store: store, .id(bob.id), json: true).utf8))
            #expect(verified["email_verified"] == true)
            #expect(try await store.user(id: bob.id)?.emailVerified == true)
            await #expect(throws: AuthError.self) {
                try await UsersCommand.deactivate(store: store, .email("nobody@example.com"), json: false)
            }
            await #expect(throws: AuthError.self) {
                try await UsersCommand.show(store: store, .id(UserID("nobody")), json: false)
            }
        }
    }

    @Test("the commands parse: one way to name a user, a page size within bounds, and they are registered")
    func parsing() throws {
        #expect(throws: (any Error).self) { try UsersCommand.ShowUser.parse([]) }
        #expect(throws: (any Error).self) { try UsersCommand.ShowUser.parse(["abc", "--email", "a@example.com"]) }
        #expect(try UsersCommand.ShowUser.parse(["--email", "a@example.com"]).user.selector == .email("a@example.com"))
        #expect(try UsersCommand.DeactivateUser.parse(["abc"]).user.selector == .id(UserID("abc")))
        #expect(throws: (any Error).self) { try UsersCommand.ListUsers.parse(["--limit", "0"]) }
        #expect(throws: (any Error).self) { try UsersCommand.ListUsers.parse(["--offset", "-1"]) }
        #expect(try UsersCommand.ListUsers.parse(["--limit", "10", "--offset", "20", "--json"]).options.json)
        let grant = try RolesCommand.GrantRole.parse([
            "admin", "--email", "ada@example.com", "--database-url", "sqlite://x.db",
        ])
        #expect(grant.role == "admin" && grant.user.selector == .email("ada@example.com"))
        #expect(grant.options.databaseURL == "sqlite://x.db")
        #expect(
            try RolesCommand.CreateRole.parse(["editor", "--permission", "a", "--permission", "b"]).permissions == [
                "a", "b",
            ])
        let names = FastAuthCommand.configuration.subcommands.map { $0.configuration.commandName }
        #expect(names.contains("users") && names.contains("roles"))
        #expect(ServeSettings.adminRole(environment: [:]) == "admin")
        #expect(ServeSettings.adminRole(environment: ["FASTAUTH_ADMIN_ROLE": " ops "]) == "ops")
    }
}
