import FastAuth
import Foundation
import Testing

/// The store contract for roles, permissions and assignments, and for the account operations
/// the `fastauth users` commands use.
extension StoreContract {
    static let roles: [Case] = [
        Case(name: "a created role reads back with its permissions, sorted and without repeats") { store async throws in
            #expect(
                try await store.createRole(
                    "editor", permissions: ["posts:write", "posts:read", "posts:write"], now: Samples.t0))
            let role = try #require(try await store.role(named: "editor"))
            #expect(
                role == RoleRecord(name: "editor", permissions: ["posts:read", "posts:write"], createdAt: Samples.t0))
            #expect(try await store.createRole("viewer", permissions: [], now: Samples.at(5)))
            #expect(try await store.role(named: "viewer")?.permissions == [])
            #expect(try await store.roles().map(\.name) == ["editor", "viewer"])
            #expect(try await store.role(named: "Editor") == nil)
        },
        Case(name: "creating an existing role returns false and changes nothing") { store async throws in
            #expect(try await store.createRole("editor", permissions: ["a"], now: Samples.t0))
            #expect(try await !store.createRole("editor", permissions: ["b"], now: Samples.at(9)))
            #expect(
                try await store.role(named: "editor")
                    == RoleRecord(name: "editor", permissions: ["a"], createdAt: Samples.t0))
        },
        Case(name: "permissions are added and removed idempotently; unknown roles answer false") { store async throws in
            _ = try await store.createRole("editor", permissions: ["a"], now: Samples.t0)
            #expect(try await store.addPermissions(["b", "a", "c"], toRole: "editor"))
            #expect(try await store.addPermissions(["b"], toRole: "editor"))
            #expect(try await store.role(named: "editor")?.permissions == ["a", "b", "c"])
            #expect(try await store.removePermissions(["a", "zzz"], fromRole: "editor"))
            #expect(try await store.role(named: "editor")?.permissions == ["b", "c"])
            #expect(try await !store.addPermissions(["x"], toRole: "nobody"))
            #expect(try await !store.removePermissions(["x"], fromRole: "nobody"))
            #expect(try await store.role(named: "nobody") == nil)
        },
        Case(name: "grants are idempotent and give the union of the roles' permissions") { store async throws in
            let user = try await store.createUser(Samples.user())
            let other = try await store.createUser(Samples.user())
            _ = try await store.createRole("editor", permissions: ["posts:read", "posts:write"], now: Samples.t0)
            _ = try await store.createRole("viewer", permissions: ["posts:read"], now: Samples.t0)
            #expect(try await store.grants(of: user.id) == .none)
            #expect(try await store.grantRole("editor", to: user.id, now: Samples.t0))
            #expect(try await !store.grantRole("editor", to: user.id, now: Samples.at(1)))
            #expect(try await store.grantRole("viewer", to: user.id, now: Samples.t0))
            #expect(
                try await store.grants(of: user.id)
                    == RoleGrants(roles: ["editor", "viewer"], permissions: ["posts:read", "posts:write"]))
            #expect(try await store.grants(of: other.id) == .none)
            #expect(try await store.revokeRole("editor", from: user.id))
            #expect(try await !store.revokeRole("editor", from: user.id))
            #expect(try await store.grants(of: user.id) == RoleGrants(roles: ["viewer"], permissions: ["posts:read"]))
        },
        Case(name: "a grant of an unknown role or to an unknown user writes nothing and answers false") {
            store async throws in
            let user = try await store.createUser(Samples.user())
            _ = try await store.createRole("editor", permissions: [], now: Samples.t0)
            #expect(try await !store.grantRole("nobody", to: user.id, now: Samples.t0))
            let ghost = UserID.generate()
            #expect(try await !store.grantRole("editor", to: ghost, now: Samples.t0))
            #expect(try await store.grants(of: user.id) == .none)
            #expect(try await store.grants(of: ghost) == .none)
        },
        Case(name: "deleting a role deletes its permissions and takes it from its holders") { store async throws in
            let user = try await store.createUser(Samples.user())
            _ = try await store.createRole("editor", permissions: ["posts:write"], now: Samples.t0)
            _ = try await store.createRole("viewer", permissions: ["posts:read"], now: Samples.t0)
            _ = try await store.grantRole("editor", to: user.id, now: Samples.t0)
            _ = try await store.grantRole("viewer", to: user.id, now: Samples.t0)
            #expect(try await store.deleteRole("editor"))
            #expect(try await !store.deleteRole("editor"))
            #expect(try await store.grants(of: user.id) == RoleGrants(roles: ["viewer"], permissions: ["posts:read"]))
            // A role created again under the old name starts empty and held by no one.
            _ = try await store.createRole("editor", permissions: [], now: Samples.at(5))
            #expect(try await store.role(named: "editor")?.permissions == [])
            #expect(try await store.grants(of: user.id).roles == ["viewer"])
        },
        Case(name: "deleting a user deletes their sessions and role assignments") { store async throws in
            let user = try await store.createUser(Samples.user())
            let kept = try await store.createUser(Samples.user())
            _ = try await store.createRole("editor", permissions: ["posts:write"], now: Samples.t0)
            _ = try await store.grantRole("editor", to: user.id, now: Samples.t0)
            _ = try await store.grantRole("editor", to: kept.id, now: Samples.t0)
            let session = Samples.session(userID: user.id)
            try await store.createSession(session)
            #expect(try await store.deleteUser(user.id))
            #expect(try await !store.deleteUser(user.id))
            #expect(try await store.user(id: user.id) == nil)
            #expect(try await !store.emailExists(user.email))
            #expect(try await store.session(id: session.id) == nil)
            #expect(try await store.grants(of: user.id) == .none)
            #expect(try await store.grants(of: kept.id).roles == ["editor"])
            // The id can be used again, and it holds nothing.
            var again = Samples.user()
            again.account.id = user.id
            _ = try await store.createUser(again)
            #expect(try await store.grants(of: user.id) == .none)
        },
        Case(name: "of 20 concurrent identical grants exactly one inserts, none fails, one assignment remains") {
            store async throws in
            let user = try await store.createUser(Samples.user())
            _ = try await store.createRole("admin", permissions: ["everything"], now: Samples.t0)
            let inserted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 { group.addTask { try await store.grantRole("admin", to: user.id, now: Samples.t0) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(inserted.count == 20)
            #expect(inserted.filter { $0 }.count == 1)
            #expect(try await store.grants(of: user.id) == RoleGrants(roles: ["admin"], permissions: ["everything"]))
            #expect(try await store.revokeRole("admin", from: user.id))
            #expect(try await !store.revokeRole("admin", from: user.id))
        },
    ]

    static let accounts: [Case] = [
        Case(name: "setEmailVerified marks and unmarks the email verified, with the update time") {
            store async throws in
            let stored = Samples.user()
            _ = try await store.createUser(stored)
            try await store.setEmailVerified(true, userID: stored.account.id, now: Samples.at(10))
            let verified = try #require(try await store.user(id: stored.account.id))
            #expect(verified.emailVerified && verified.updatedAt == Samples.at(10))
            #expect(try await store.credentials(email: stored.account.email)?.passwordHash == stored.passwordHash)
            try await store.setEmailVerified(false, userID: stored.account.id, now: Samples.at(20))
            #expect(try await store.user(id: stored.account.id)?.emailVerified == false)
            try await store.setEmailVerified(true, userID: .generate(), now: Samples.at(30))
        },
        Case(name: "users pages through every user, oldest first, by limit and offset") { store async throws in
            var created: [UserAccount] = []
            for second in [30, 10, 20, 10] {
                created.append(try await store.createUser(Samples.user(createdAt: Samples.at(second))))
            }
            let expected = created.sorted { ($0.createdAt, $0.id.rawValue) < ($1.createdAt, $1.id.rawValue) }
            #expect(try await store.users(limit: 10, offset: 0) == expected)
            #expect(try await store.users(limit: 2, offset: 0) == Array(expected[0..<2]))
            #expect(try await store.users(limit: 2, offset: 2) == Array(expected[2..<4]))
            #expect(try await store.users(limit: 2, offset: 4) == [])
            #expect(try await store.users(limit: 0, offset: 0) == [])
        },
    ]
}
