#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A role and the permissions it carries.
public struct RoleRecord: Sendable, Hashable {
    /// The role's name, e.g. `admin`.
    public var name: String
    /// Its permissions, sorted, without repeats.
    public var permissions: [String]
    /// When the role was created.
    public var createdAt: Date

    public init(name: String, permissions: [String], createdAt: Date) {
        self.name = name
        self.permissions = Array(Set(permissions)).sorted()
        self.createdAt = createdAt
    }
}

/// What one user may do: the roles they hold and every permission those roles carry.
public struct RoleGrants: Sendable, Hashable {
    /// The roles, sorted.
    public var roles: [String]
    /// The union of the roles' permissions, sorted, without repeats.
    public var permissions: [String]

    public init(roles: [String], permissions: [String]) {
        self.roles = Array(Set(roles)).sorted()
        self.permissions = Array(Set(permissions)).sorted()
    }

    /// No roles, no permissions.
    public static let none = RoleGrants(roles: [], permissions: [])

    /// `true` when `role` is among ``roles``.
    public func has(role: String) -> Bool { roles.contains(role) }

    /// `true` when `permission` is among ``permissions``.
    public func has(permission: String) -> Bool { permissions.contains(permission) }
}
