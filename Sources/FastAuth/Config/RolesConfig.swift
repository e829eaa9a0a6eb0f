/// Role-based access settings.
public struct RolesConfig: Sendable, Hashable {
    /// The role whose holders may manage roles through the HTTP routes. Default `admin`.
    public var adminRole: String
    /// Puts the user's `roles` and `permissions` claims in access tokens (never in refresh
    /// tokens), and makes `requireRole`/`requirePermission` trust those claims instead of the
    /// store. A change of roles then reaches a user only with their next access token.
    public var rolesClaim: Bool
    /// How long an instance may reuse a user's roles it read (default 1 s; zero reads the store
    /// every time). A grant or revocation made elsewhere takes effect within this time.
    public var cacheTTL: Duration

    public init(adminRole: String = "admin", rolesClaim: Bool = false, cacheTTL: Duration = .seconds(1)) {
        self.adminRole = adminRole
        self.rolesClaim = rolesClaim
        self.cacheTTL = cacheTTL
    }

    var problems: [String] {
        var problems: [String] = []
        if let reason = RoleNames.problem(role: adminRole) { problems.append("adminRole \(reason)") }
        if cacheTTL < .zero || cacheTTL > .seconds(60) {
            problems.append("roles cacheTTL must be between 0 and 60 seconds")
        }
        return problems
    }
}
