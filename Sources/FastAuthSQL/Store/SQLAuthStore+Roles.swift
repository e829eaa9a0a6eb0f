public import FastAuth
import SQLKit

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension SQLAuthStore {
    /// Creates role `name` with `permissions` in one transaction; the primary key decides between
    /// concurrent creations (`ON CONFLICT DO NOTHING`), so a second one returns `false`.
    public func createRole(_ name: String, permissions: [String], now: Date) async throws -> Bool {
        try await transaction("create a role") { database, _ in
            let created = try await database.raw(
                """
                INSERT INTO fastauth_roles (name, created_at) VALUES (\(bind: name), \(bind: now.storedMilliseconds))
                ON CONFLICT DO NOTHING
                RETURNING name
                """
            ).first()
            guard created != nil else { return false }
            try await Self.insertPermissions(permissions, role: name, on: database)
            return true
        }
    }

    /// The role `name` with its permissions.
    public func role(named name: String) async throws -> RoleRecord? {
        try await perform("read a role") { database in
            try Self.roleRecords(
                try await database.raw(
                    """
                    SELECT r.name, r.created_at, p.permission FROM fastauth_roles r
                    LEFT JOIN fastauth_role_permissions p ON p.role_name = r.name
                    WHERE r.name = \(bind: name)
                    """
                ).all()
            ).first
        }
    }

    /// Every role with its permissions, by name.
    public func roles() async throws -> [RoleRecord] {
        try await perform("list roles") { database in
            try Self.roleRecords(
                try await database.raw(
                    """
                    SELECT r.name, r.created_at, p.permission FROM fastauth_roles r
                    LEFT JOIN fastauth_role_permissions p ON p.role_name = r.name
                    """
                ).all())
        }
    }

    /// Deletes role `name`; the database deletes its permissions and assignments with it.
    public func deleteRole(_ name: String) async throws -> Bool {
        try await performWrite("delete a role") { database in
            try await database.raw("DELETE FROM fastauth_roles WHERE name = \(bind: name) RETURNING name").first()
                != nil
        }
    }

    /// Adds the permissions the role lacks, in one transaction; `false` when there is no such role.
    public func addPermissions(_ permissions: [String], toRole name: String) async throws -> Bool {
        try await transaction("add permissions to a role") { database, _ in
            guard try await Self.roleExists(name, on: database) else { return false }
            try await Self.insertPermissions(permissions, role: name, on: database)
            return true
        }
    }

    /// Removes permissions from the role, in one transaction; `false` when there is no such role.
    public func removePermissions(_ permissions: [String], fromRole name: String) async throws -> Bool {
        try await transaction("remove permissions from a role") { database, _ in
            guard try await Self.roleExists(name, on: database) else { return false }
            for permission in Set(permissions) {
                try await database.raw(
                    """
                    DELETE FROM fastauth_role_permissions
                    WHERE role_name = \(bind: name) AND permission = \(bind: permission)
                    """
                ).run()
            }
            return true
        }
    }

    /// Gives role `name` to `userID` in one statement that inserts only when both exist and the
    /// user does not hold it yet: any number of concurrent identical grants leave one row and no error.
    public func grantRole(_ name: String, to userID: UserID, now: Date) async throws -> Bool {
        try await performWrite("grant a role") { database in
            try await database.raw(
                """
                INSERT INTO fastauth_user_roles (user_id, role_name, granted_at)
                SELECT u.id, r.name, CAST(\(bind: now.storedMilliseconds) AS BIGINT)
                FROM fastauth_users u, fastauth_roles r
                WHERE u.id = \(bind: userID.rawValue) AND r.name = \(bind: name)
                ON CONFLICT DO NOTHING
                RETURNING user_id
                """
            ).first() != nil
        }
    }

    /// Takes role `name` from `userID`; `true` when the user held it.
    public func revokeRole(_ name: String, from userID: UserID) async throws -> Bool {
        try await performWrite("revoke a role") { database in
            try await database.raw(
                """
                DELETE FROM fastauth_user_roles WHERE user_id = \(bind: userID.rawValue) AND role_name = \(bind: name)
                RETURNING user_id
                """
            ).first() != nil
        }
    }

    /// The user's roles and their permissions, in one query (one snapshot).
    public func grants(of userID: UserID) async throws -> RoleGrants {
        try await perform("read a user's roles") { database in
            let rows = try await database.raw(
                """
                SELECT ur.role_name, p.permission FROM fastauth_user_roles ur
                LEFT JOIN fastauth_role_permissions p ON p.role_name = ur.role_name
                WHERE ur.user_id = \(bind: userID.rawValue)
                """
            ).all()
            var roles: [String] = []
            var permissions: [String] = []
            for row in rows {
                let stored = StoredRow(row, table: "fastauth_user_roles")
                roles.append(try stored.string("role_name"))
                if let permission = try stored.optionalString("permission") { permissions.append(permission) }
            }
            return RoleGrants(roles: roles, permissions: permissions)
        }
    }

    private static func roleExists(_ name: String, on database: any SQLDatabase) async throws -> Bool {
        try await database.raw("SELECT 1 AS found FROM fastauth_roles WHERE name = \(bind: name)").first() != nil
    }

    private static func insertPermissions(
        _ permissions: [String], role name: String, on database: any SQLDatabase
    )
        async throws
    {
        for permission in Set(permissions) {
            try await database.raw(
                """
                INSERT INTO fastauth_role_permissions (role_name, permission)
                VALUES (\(bind: name), \(bind: permission))
                ON CONFLICT DO NOTHING
                """
            ).run()
        }
    }

    /// Folds `name, created_at, permission` rows (one per permission, or one with a NULL
    /// permission for a role without any) into roles, by name.
    private static func roleRecords(_ rows: [any SQLRow]) throws -> [RoleRecord] {
        var created: [String: Date] = [:]
        var permissions: [String: [String]] = [:]
        for row in rows {
            let stored = StoredRow(row, table: "fastauth_roles")
            let name = try stored.string("name")
            created[name] = try stored.date("created_at")
            if let permission = try stored.optionalString("permission") {
                permissions[name, default: []].append(permission)
            }
        }
        return created.sorted { $0.key < $1.key }.map { name, createdAt in
            RoleRecord(name: name, permissions: permissions[name] ?? [], createdAt: createdAt)
        }
    }
}
