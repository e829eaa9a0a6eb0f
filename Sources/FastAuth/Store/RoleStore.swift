#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Roles, the permissions each role carries, and the users who hold them. Names and
/// permissions are exact, case-sensitive strings. Every write is idempotent, and deleting a role
/// or a user removes its permissions and assignments with it.
public protocol RoleStore: Sendable {
    /// Creates role `name` carrying `permissions`; `false`, writing nothing, when it exists.
    func createRole(_ name: String, permissions: [String], now: Date) async throws -> Bool
    /// The role `name` with its permissions.
    func role(named name: String) async throws -> RoleRecord?
    /// Every role with its permissions, by name.
    func roles() async throws -> [RoleRecord]
    /// Deletes role `name` with its permissions and assignments; `false` when there is none.
    func deleteRole(_ name: String) async throws -> Bool
    /// Adds the `permissions` the role lacks; `false` when there is no such role.
    func addPermissions(_ permissions: [String], toRole name: String) async throws -> Bool
    /// Removes `permissions` from the role; `false` when there is no such role.
    func removePermissions(_ permissions: [String], fromRole name: String) async throws -> Bool
    /// Gives role `name` to `userID`: one atomic, idempotent insert. `true` when it was given
    /// now; `false` when the user already held it or the user or the role does not exist.
    func grantRole(_ name: String, to userID: UserID, now: Date) async throws -> Bool
    /// Takes role `name` from `userID`; `true` when the user held it.
    func revokeRole(_ name: String, from userID: UserID) async throws -> Bool
    /// The roles `userID` holds and the permissions they carry, read at one instant.
    func grants(of userID: UserID) async throws -> RoleGrants
}
