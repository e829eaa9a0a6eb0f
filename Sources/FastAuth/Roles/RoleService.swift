public import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Role-based access control, framework-free: managing roles, their permissions and who holds
/// them, and deciding whether a caller holds a role or a permission. The HTTP routes, the
/// middleware and the `fastauth roles` commands all go through it.
///
/// Checks read the store behind a per-instance cache of at most ``RolesConfig/cacheTTL``
/// (one second by default), so a grant or revocation made anywhere takes effect everywhere
/// within that time, and ends no session. With ``RolesConfig/rolesClaim`` on, the role and
/// permission checks of ``require(role:of:)`` and ``require(permission:of:)`` trust the access
/// token's claims instead.
public struct RoleService: Sendable {
    public let store: any AuthStore
    public let config: RolesConfig
    public let logger: Logger
    private let clock: any WallClock
    private let cache: RoleCache

    /// Creates the service over `store`.
    public init(
        store: any AuthStore, config: RolesConfig = RolesConfig(), clock: any WallClock = SystemClock(),
        logger: Logger = Logger(label: "fastauth.roles")
    ) {
        self.store = store
        self.config = config
        self.clock = clock
        self.logger = logger
        self.cache = RoleCache(ttl: config.cacheTTL)
    }

    // MARK: Roles

    /// Every role with its permissions, by name.
    public func roles() async throws(AuthError) -> [RoleRecord] {
        try await storeCall { try await store.roles() }
    }

    /// The role `name`; ``AuthError/Code/roleNotFound`` when there is none.
    public func role(named name: String) async throws(AuthError) -> RoleRecord {
        guard let role = try await storeCall({ try await store.role(named: name) }) else { throw Self.roleNotFound }
        return role
    }

    /// Creates role `name` with `permissions`; ``AuthError/Code/roleExists`` when it exists.
    public func createRole(_ name: String, permissions: [String] = []) async throws(AuthError) -> RoleRecord {
        try Self.validate(role: name)
        try Self.validate(permissions: permissions)
        let now = clock.now()
        guard try await storeCall({ try await store.createRole(name, permissions: permissions, now: now) }) else {
            throw AuthError(.roleExists, "Role already exists")
        }
        changed("role created", role: name)
        return RoleRecord(name: name, permissions: permissions, createdAt: now)
    }

    /// Creates role `name`, without permissions, unless it exists; `true` when it was created now.
    public func ensureRole(_ name: String) async throws(AuthError) -> Bool {
        try Self.validate(role: name)
        let now = clock.now()
        let created = try await storeCall { try await store.createRole(name, permissions: [], now: now) }
        if created { changed("role created", role: name) }
        return created
    }

    /// Deletes role `name` and takes it from everyone who held it.
    public func deleteRole(_ name: String) async throws(AuthError) {
        guard try await storeCall({ try await store.deleteRole(name) }) else { throw Self.roleNotFound }
        changed("role deleted", role: name)
    }

    /// Adds `permissions` to role `name` (those it has already are left alone).
    public func addPermissions(_ permissions: [String], toRole name: String) async throws(AuthError) {
        try Self.validate(permissions: permissions)
        guard try await storeCall({ try await store.addPermissions(permissions, toRole: name) }) else {
            throw Self.roleNotFound
        }
        changed("permissions added", role: name)
    }

    /// Removes `permissions` from role `name` (those it lacks are ignored).
    public func removePermissions(_ permissions: [String], fromRole name: String) async throws(AuthError) {
        try Self.validate(permissions: permissions)
        guard try await storeCall({ try await store.removePermissions(permissions, fromRole: name) }) else {
            throw Self.roleNotFound
        }
        changed("permissions removed", role: name)
    }

    // MARK: Assignments

    /// Gives role `name` to the user; `true` when it was given now, `false` when they held it
    /// already. ``AuthError/Code/userNotFound`` or ``AuthError/Code/roleNotFound`` otherwise.
    @discardableResult
    public func assign(_ name: String, to userID: UserID) async throws(AuthError) -> Bool {
        try await requireUser(userID)
        let now = clock.now()
        if try await storeCall({ try await store.grantRole(name, to: userID, now: now) }) {
            changed("role granted", role: name, user: userID)
            return true
        }
        // Nothing was inserted: the user held the role, or the role (or, since, the user) is gone.
        _ = try await role(named: name)
        try await requireUser(userID)
        return false
    }

    /// Takes role `name` from the user; `true` when they held it. ``AuthError/Code/userNotFound``
    /// or ``AuthError/Code/roleNotFound`` when either does not exist.
    @discardableResult
    public func revoke(_ name: String, from userID: UserID) async throws(AuthError) -> Bool {
        try await requireUser(userID)
        _ = try await role(named: name)
        let revoked = try await storeCall { try await store.revokeRole(name, from: userID) }
        if revoked { changed("role revoked", role: name, user: userID) }
        return revoked
    }

    /// The user's roles and permissions, read from the store now; ``AuthError/Code/userNotFound``
    /// for an unknown user.
    public func grants(of userID: UserID) async throws(AuthError) -> RoleGrants {
        try await requireUser(userID)
        return try await storeCall { try await store.grants(of: userID) }
    }

    // MARK: Checks

    /// The caller's roles and permissions for an access decision: the token's claims when
    /// ``RolesConfig/rolesClaim`` is on, else the store behind the cache.
    public func grants(for principal: Principal) async throws(AuthError) -> RoleGrants {
        if config.rolesClaim { return Self.claimedGrants(principal.claims) }
        return try await cachedGrants(of: principal.user.id)
    }

    /// The user's roles and permissions from the cache, or from the store when the cached ones
    /// are older than ``RolesConfig/cacheTTL``.
    public func cachedGrants(of userID: UserID) async throws(AuthError) -> RoleGrants {
        let now = clock.now()
        if let cached = cache.grants(userID, now: now) { return cached }
        let grants = try await storeCall { try await store.grants(of: userID) }
        cache.store(grants, for: userID, now: now)
        return grants
    }

    /// Refuses (403 `Insufficient role`) a caller without `role`.
    public func require(role: String, of principal: Principal) async throws(AuthError) {
        guard try await grants(for: principal).has(role: role) else {
            throw AuthError(.insufficientRole, "Insufficient role")
        }
    }

    /// Refuses (403 `Insufficient permissions`) a caller without `permission`.
    public func require(permission: String, of principal: Principal) async throws(AuthError) {
        guard try await grants(for: principal).has(permission: permission) else { throw Self.insufficientPermissions }
    }

    /// Refuses (403 `Insufficient permissions`) a caller without the admin role. Always checks the
    /// store (behind the cache), never token claims: a revoked admin loses the routes within
    /// the cache's staleness, not when their access token expires.
    public func requireAdmin(_ principal: Principal) async throws(AuthError) {
        guard try await cachedGrants(of: principal.user.id).has(role: config.adminRole) else {
            throw Self.insufficientPermissions
        }
    }

    /// The `roles` and `permissions` claims of `claims` (none when absent or malformed).
    public static func claimedGrants(_ claims: TokenClaims) -> RoleGrants {
        func strings(_ name: String) -> [String] {
            claims.custom[name]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        return RoleGrants(roles: strings(Self.rolesClaimName), permissions: strings(Self.permissionsClaimName))
    }

    /// The access-token claim that lists the user's roles.
    public static let rolesClaimName = "roles"
    /// The access-token claim that lists the user's permissions.
    public static let permissionsClaimName = "permissions"

    // MARK: Helpers

    private func requireUser(_ userID: UserID) async throws(AuthError) {
        guard try await storeCall({ try await store.user(id: userID) }) != nil else {
            throw AuthError(.userNotFound, "User not found")
        }
    }

    private func changed(_ event: String, role: String, user: UserID? = nil) {
        cache.removeAll()
        var metadata: Logger.Metadata = ["role": "\(role)"]
        if let user { metadata["user_id"] = "\(user)" }
        logger.info("\(event)", metadata: metadata)
    }

    private static func validate(role name: String) throws(AuthError) {
        if let problem = RoleNames.problem(role: name) {
            throw AuthError(.validation, "name \(problem)", field: "name")
        }
    }

    private static func validate(permissions: [String]) throws(AuthError) {
        for permission in permissions {
            if let problem = RoleNames.problem(permission: permission) {
                throw AuthError(.validation, "each permission \(problem)", field: "permissions")
            }
        }
    }

    private static let roleNotFound = AuthError(.roleNotFound, "Role not found")
    private static let insufficientPermissions = AuthError(.insufficientPermissions, "Insufficient permissions")

    private func storeCall<T>(_ body: () async throws -> T) async throws(AuthError) -> T {
        do {
            return try await body()
        } catch {
            logger.error("store failure", metadata: ["error": "\(String(describing: error).prefix(300))"])
            throw AuthError(.unavailable, "The authentication store is unavailable")
        }
    }
}
