import FastAuth

/// The role routes, wire-compatible with FastAuth 0.5.8's RBAC router: every one but
/// `roles/me` needs the admin role (``RolesConfig/adminRole``). One case per route: its spec
/// (registration and OpenAPI) and its handler follow from it.
enum RoleRoute: CaseIterable {
    case list, create, delete, addPermissions, removePermissions, assign, revoke, userRoles, me

    var spec: RouteSpec {
        switch self {
        case .list:
            RouteSpec(
                method: .GET, path: ["roles"], summary: "List roles and their permissions (admin)", requiresAuth: true)
        case .create: RouteSpec(method: .POST, path: ["roles"], summary: "Create a role (admin)", requiresAuth: true)
        case .delete:
            RouteSpec(
                method: .DELETE, path: ["roles", ":role_name"],
                summary: "Delete a role and take it from its holders (admin)",
                requiresAuth: true)
        case .addPermissions:
            RouteSpec(
                method: .POST, path: ["roles", ":role_name", "permissions"],
                summary: "Add permissions to a role (admin)",
                requiresAuth: true)
        case .removePermissions:
            RouteSpec(
                method: .DELETE, path: ["roles", ":role_name", "permissions"],
                summary: "Remove permissions from a role (admin)", requiresAuth: true)
        case .assign:
            RouteSpec(
                method: .POST, path: ["roles", "assign"], summary: "Give a role to a user (admin)", requiresAuth: true)
        case .revoke:
            RouteSpec(
                method: .POST, path: ["roles", "revoke"], summary: "Take a role from a user (admin)", requiresAuth: true
            )
        case .userRoles:
            RouteSpec(
                method: .GET, path: ["roles", "user", ":user_id"], summary: "A user's roles and permissions (admin)",
                requiresAuth: true)
        case .me:
            RouteSpec(
                method: .GET, path: ["roles", "me"], summary: "The current user's roles and permissions",
                requiresAuth: true)
        }
    }

}

extension AuthRoutes {
    func route(_ route: RoleRoute, base: [String]) -> AuthRoute {
        AuthRoute(route.spec, base: base) { request in
            switch route {
            case .list: try await self.listRoles(request)
            case .create: try await self.createRole(request)
            case .delete: try await self.deleteRole(request)
            case .addPermissions: try await self.addPermissions(request)
            case .removePermissions: try await self.removePermissions(request)
            case .assign: try await self.assignRole(request)
            case .revoke: try await self.revokeRole(request)
            case .userRoles: try await self.userRoles(request)
            case .me: try await self.myRoles(request)
            }
        }
    }

    /// Authenticates the caller (401) and requires the admin role (403).
    private func requireAdmin(_ request: some AuthHTTPRequest) async throws(AuthError) {
        let principal = try await authentication.authenticate(request)
        try await auth.roles.requireAdmin(principal)
    }

    private func listRoles(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        try await requireAdmin(request)
        var json = JSONWriter(capacity: 256)
        json.byte(UInt8(ascii: "["))
        for (index, role) in try await auth.roles.roles().enumerated() {
            if index > 0 { json.byte(UInt8(ascii: ",")) }
            Self.write(role, to: &json)
        }
        json.byte(UInt8(ascii: "]"))
        return JSONResponse.make(200, bytes: json.bytes)
    }

    private func createRole(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        try await requireAdmin(request)
        let body = try RequestBody.parse(request)
        if body.isEmpty { throw ValidationProblem.missing("body") }
        let name = try body.string("name")
        let permissions = try body.strings("permissions", default: [])
        let role = try await auth.roles.createRole(name, permissions: permissions)
        var json = JSONWriter(capacity: 128)
        Self.write(role, to: &json)
        return JSONResponse.make(201, bytes: json.bytes)
    }

    private func deleteRole(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        try await requireAdmin(request)
        try await auth.roles.deleteRole(request.parameter("role_name") ?? "")
        return JSONResponse.make(200, ["message": "Role deleted"])
    }

    private func addPermissions(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        try await requireAdmin(request)
        let permissions = try Self.permissionsBody(request)
        try await auth.roles.addPermissions(permissions, toRole: request.parameter("role_name") ?? "")
        return JSONResponse.make(200, ["message": "Permissions added"])
    }

    private func removePermissions(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        try await requireAdmin(request)
        let permissions = try Self.permissionsBody(request)
        try await auth.roles.removePermissions(permissions, fromRole: request.parameter("role_name") ?? "")
        return JSONResponse.make(200, ["message": "Permissions removed"])
    }

    private func assignRole(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        try await requireAdmin(request)
        let (userID, role) = try Self.assignmentBody(request)
        try await auth.roles.assign(role, to: userID)
        return JSONResponse.make(200, ["message": "Role assigned"])
    }

    private func revokeRole(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        try await requireAdmin(request)
        let (userID, role) = try Self.assignmentBody(request)
        try await auth.roles.revoke(role, from: userID)
        return JSONResponse.make(200, ["message": "Role revoked"])
    }

    private func userRoles(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        try await requireAdmin(request)
        let userID = UserID(request.parameter("user_id") ?? "")
        return Self.grantsResponse(userID, try await auth.roles.grants(of: userID))
    }

    private func myRoles(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let principal = try await authentication.authenticate(request)
        return Self.grantsResponse(principal.user.id, try await auth.roles.grants(of: principal.user.id))
    }

    // MARK: Bodies and responses

    private static func permissionsBody(_ request: some AuthHTTPRequest) throws -> [String] {
        let body = try RequestBody.parse(request)
        if body.isEmpty { throw ValidationProblem.missing("body") }
        return try body.strings("permissions")
    }

    private static func assignmentBody(_ request: some AuthHTTPRequest) throws -> (UserID, String) {
        let body = try RequestBody.parse(request)
        if body.isEmpty { throw ValidationProblem.missing("body") }
        return (UserID(try body.string("user_id")), try body.string("role_name"))
    }

    /// `{"name": …, "permissions": […]}`, in the original's key order.
    private static func write(_ role: RoleRecord, to json: inout JSONWriter) {
        json.raw("{\"name\":")
        json.string(role.name)
        json.raw(",\"permissions\":")
        json.write(.array(role.permissions.map(JSONValue.string)))
        json.byte(UInt8(ascii: "}"))
    }

    /// `{"user_id": …, "roles": […], "permissions": […]}`, in the original's key order.
    private static func grantsResponse(_ userID: UserID, _ grants: RoleGrants) -> AuthHTTPResponse {
        var json = JSONWriter(capacity: 128)
        json.raw("{\"user_id\":")
        json.string(userID.rawValue)
        json.raw(",\"roles\":")
        json.write(.array(grants.roles.map(JSONValue.string)))
        json.raw(",\"permissions\":")
        json.write(.array(grants.permissions.map(JSONValue.string)))
        json.byte(UInt8(ascii: "}"))
        return JSONResponse.make(200, bytes: json.bytes)
    }
}
