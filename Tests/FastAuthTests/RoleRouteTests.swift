import FastAuth
import FastAuthTesting
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import FastAuthHTTP
@testable import FastAuthVapor
@testable import fastauth

/// Registers `email` and returns its access token and user id.
func signUp(_ h: HTTPHarness, _ email: String) async throws -> (token: String, id: UserID) {
    let (access, _) = try await h.register(email)
    let me = try await h.send(.GET, "auth/me", bearer: access)
    return (access, UserID(try #require(me["id"]?.stringValue)))
}

/// Registers `admin@example.com` and makes them admin the way an operator does, through the
/// `fastauth roles grant` function; returns their access token.
func signUpAdmin(_ h: HTTPHarness, role: String = "admin") async throws -> String {
    let (token, _) = try await signUp(h, "admin@example.com")
    _ = try await RolesCommand.grant(
        store: h.auth.store, role: role, to: .email("admin@example.com"), adminRole: role, json: false)
    return token
}

@Suite("HTTP role routes", .eachHTTPAdapter)
struct RoleRouteTests {
    static let engines: [Bool] =
        ProcessInfo.processInfo.environment["FASTAUTH_TEST_POSTGRES_URL"] == nil ? [false] : [false, true]

    /// A concrete request for `route`: its path with the parameters filled in, and a valid body.
    private func request(_ route: RoleRoute, user: UserID) -> (HTTPMethod, String, JSONValue?) {
        let spec = route.spec
        let path =
            "auth/"
            + spec.path.map { $0 == ":role_name" ? "editor" : $0 == ":user_id" ? user.rawValue : $0 }
            .joined(separator: "/")
        let body: JSONValue? =
            switch route {
            case .create: ["name": "intruders", "permissions": ["everything"]]
            case .addPermissions, .removePermissions: ["permissions": ["everything"]]
            case .assign, .revoke: ["user_id": .string(user.rawValue), "role_name": "editor"]
            case .list, .delete, .userRoles, .me: nil
            }
        return (HTTPMethod(rawValue: spec.method.rawValue), path, body)
    }

    @Test(
        "every admin route answers 403 Insufficient permissions to a non-admin and 401 to an anonymous caller, changing nothing"
    )
    func refusals() async throws {
        try await withHarness { h, _ in
            let admin = try await signUpAdmin(h)
            let (token, id) = try await signUp(h, "bob@example.com")
            #expect(try await h.send(.POST, "auth/roles", json: ["name": "editor"], bearer: admin).status == .created)
            for route in RoleRoute.allCases where route != .me {
                let (method, path, body) = request(route, user: id)
                let refused = try await h.send(method, path, json: body, bearer: token)
                #expect(refused.status == .forbidden, "\(method) \(path)")
                #expect(refused.body == #"{"detail":"Insufficient permissions","code":"insufficient_permissions"}"#)
                let anonymous = try await h.send(method, path, json: body)
                #expect(anonymous.status == .unauthorized, "\(method) \(path)")
                #expect(anonymous.detail == "Not authenticated")
            }
            let roles = try await h.send(.GET, "auth/roles", bearer: admin)
            #expect(roles.body == #"[{"name":"admin","permissions":[]},{"name":"editor","permissions":[]}]"#)
            #expect(try await h.auth.store.grants(of: id) == .none)
            #expect(try await h.send(.GET, "auth/roles/me", bearer: token).status == .ok)
        }
    }

    @Test(
        "an admin creates, lists, changes and deletes roles, with the original's bodies and messages",
        arguments: engines)
    func lifecycle(postgres: Bool) async throws {
        try await withHarness(postgres: postgres) { h, _ in
            let admin = try await signUpAdmin(h)
            let created = try await h.send(
                .POST, "auth/roles", json: ["name": "editor", "permissions": ["posts:write", "posts:read"]],
                bearer: admin)
            #expect(created.status == .created)
            #expect(created.body == #"{"name":"editor","permissions":["posts:read","posts:write"]}"#)
            let again = try await h.send(.POST, "auth/roles", json: ["name": "editor"], bearer: admin)
            #expect(again.status == .conflict)
            #expect(again.detail == "Role already exists")
            let added = try await h.send(
                .POST, "auth/roles/editor/permissions", json: ["permissions": ["posts:delete", "posts:read"]],
                bearer: admin)
            #expect(added.status == .ok)
            #expect(added.body == #"{"message":"Permissions added"}"#)
            let removed = try await h.send(
                .DELETE, "auth/roles/editor/permissions", json: ["permissions": ["posts:read"]], bearer: admin)
            #expect(removed.body == #"{"message":"Permissions removed"}"#)
            let listed = try await h.send(.GET, "auth/roles", bearer: admin)
            #expect(listed.status == .ok)
            #expect(
                listed.body
                    == #"[{"name":"admin","permissions":[]},{"name":"editor","permissions":["posts:delete","posts:write"]}]"#
            )
            let deleted = try await h.send(.DELETE, "auth/roles/editor", bearer: admin)
            #expect(deleted.status == .ok)
            #expect(deleted.body == #"{"message":"Role deleted"}"#)
            let unknownRole: [(HTTPMethod, String, JSONValue?)] = [
                (.DELETE, "auth/roles/editor", nil), (.POST, "auth/roles/editor/permissions", ["permissions": ["a"]]),
                (.DELETE, "auth/roles/editor/permissions", ["permissions": ["a"]]),
            ]
            for (method, path, body) in unknownRole {
                let missing = try await h.send(method, path, json: body, bearer: admin)
                #expect(missing.status == .notFound, "\(method) \(path)")
                #expect(missing.detail == "Role not found")
            }
        }
    }

    @Test(
        "assign and revoke are idempotent, answer 404 for an unknown user or role, and show in user/{id} and me",
        arguments: engines)
    func assignments(postgres: Bool) async throws {
        try await withHarness(postgres: postgres) { h, _ in
            let admin = try await signUpAdmin(h)
            let (bob, id) = try await signUp(h, "bob@example.com")
            _ = try await h.send(
                .POST, "auth/roles", json: ["name": "editor", "permissions": ["posts:write"]], bearer: admin)
            let assignment: JSONValue = ["user_id": .string(id.rawValue), "role_name": "editor"]
            for _ in 0..<2 {
                let assigned = try await h.send(.POST, "auth/roles/assign", json: assignment, bearer: admin)
                #expect(assigned.status == .ok)
                #expect(assigned.body == #"{"message":"Role assigned"}"#)
            }
            let expected = #"{"user_id":"\#(id.rawValue)","roles":["editor"],"permissions":["posts:write"]}"#
            #expect(try await h.send(.GET, "auth/roles/user/\(id.rawValue)", bearer: admin).body == expected)
            #expect(try await h.send(.GET, "auth/roles/me", bearer: bob).body == expected)
            let unknowns: [(JSONValue, String)] = [
                (["user_id": "nobody0000000000000000000", "role_name": "editor"], "User not found"),
                (["user_id": .string(id.rawValue), "role_name": "ghost"], "Role not found"),
            ]
            for (body, detail) in unknowns {
                for path in ["auth/roles/assign", "auth/roles/revoke"] {
                    let refused = try await h.send(.POST, path, json: body, bearer: admin)
                    #expect(refused.status == .notFound, "\(path) \(body)")
                    #expect(refused.detail == detail)
                }
            }
            let unknown = try await h.send(.GET, "auth/roles/user/nobody0000000000000000000", bearer: admin)
            #expect(unknown.status == .notFound)
            #expect(unknown.detail == "User not found")
            for _ in 0..<2 {
                let revoked = try await h.send(.POST, "auth/roles/revoke", json: assignment, bearer: admin)
                #expect(revoked.status == .ok)
                #expect(revoked.body == #"{"message":"Role revoked"}"#)
            }
            #expect(
                try await h.send(.GET, "auth/roles/me", bearer: bob).body
                    == #"{"user_id":"\#(id.rawValue)","roles":[],"permissions":[]}"#)
            #expect(try await h.send(.GET, "auth/roles/me").status == .unauthorized)
        }
    }

    @Test(
        "bad bodies answer 422 in the validation shape and write nothing",
        arguments: [
            (#"{"#, "json_invalid"), (#"[]"#, "model_attributes_type"), (#"{}"#, "missing"),
            (#"{"name": 5}"#, "string_type"),
            (#"{"name": "x", "permissions": "a"}"#, "list_type"),
            (#"{"name": "x", "permissions": [1]}"#, "string_type"),
            (#"{"name": "has space"}"#, "value_error"), (#"{"name": ""}"#, "value_error"),
            (#"{"name": "assign"}"#, "value_error"),
            (#"{"name": "x", "permissions": [" "]}"#, "value_error"),
        ])
    func badBodies(raw: String, kind: String) async throws {
        try await withHarness { h, _ in
            let admin = try await signUpAdmin(h)
            let reply = try await h.send(.POST, "auth/roles", raw: raw, contentType: "application/json", bearer: admin)
            #expect(reply.status == .unprocessableEntity, "\(reply.body)")
            #expect(reply["detail"]?.arrayValue?.first?["type"]?.stringValue == kind)
            #expect(try await h.auth.store.roles().map(\.name) == ["admin"])
        }
    }

    @Test("bad assignment and permission bodies answer 422, naming the field")
    func badAssignmentBodies() async throws {
        try await withHarness { h, _ in
            let admin = try await signUpAdmin(h)
            _ = try await h.send(.POST, "auth/roles", json: ["name": "editor"], bearer: admin)
            let noRole = try await h.send(.POST, "auth/roles/assign", json: ["user_id": "x"], bearer: admin)
            #expect(noRole.status == .unprocessableEntity)
            #expect(noRole["detail"]?.arrayValue?.first?["loc"] == ["body", "role_name"])
            let empty = try await h.send(.POST, "auth/roles/revoke", bearer: admin)
            #expect(empty.status == .unprocessableEntity)
            let noPermissions = try await h.send(.POST, "auth/roles/editor/permissions", json: [:], bearer: admin)
            #expect(noPermissions["detail"]?.arrayValue?.first?["loc"] == ["body", "permissions"])
            let nullPermissions = try await h.send(
                .DELETE, "auth/roles/editor/permissions", json: ["permissions": nil], bearer: admin)
            #expect(nullPermissions.status == .unprocessableEntity)
        }
    }

    @Test("20 concurrent identical assignments all answer 200 and leave one assignment", arguments: engines)
    func concurrentAssignments(postgres: Bool) async throws {
        try await withHarness(postgres: postgres) { h, _ in
            let admin = try await signUpAdmin(h)
            let (_, id) = try await signUp(h, "bob@example.com")
            _ = try await h.send(
                .POST, "auth/roles", json: ["name": "editor", "permissions": ["posts:write"]], bearer: admin)
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await h.send(
                            .POST, "auth/roles/assign", json: ["user_id": .string(id.rawValue), "role_name": "editor"],
                            bearer: admin
                        ).status.code
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 20), "\(statuses)")
            #expect(
                try await h.auth.store.grants(of: id) == RoleGrants(roles: ["editor"], permissions: ["posts:write"]))
        }
    }

    @Test("the admin role is configurable: with adminRole superuser, an admin holder is refused")
    func configurableAdminRole() async throws {
        try await withHarness(roles: RolesConfig(adminRole: "superuser")) { h, _ in
            let admin = try await signUpAdmin(h, role: "admin")
            #expect(try await h.send(.GET, "auth/roles", bearer: admin).status == .forbidden)
            _ = try await RolesCommand.grant(
                store: h.auth.store, role: "superuser", to: .email("admin@example.com"), adminRole: "superuser",
                json: false)
            // Granted outside this instance: it shows once the cached roles are a second old.
            h.clock.advance(by: .seconds(1))
            #expect(try await h.send(.GET, "auth/roles", bearer: admin).status == .ok)
        }
    }

    @Test("the OpenAPI document lists every role route with its summary, body and refusals")
    func openAPI() async throws {
        try await withHarness { h, _ in
            let document = try await h.send(.GET, "auth/openapi.json")
            let paths = try #require(document["paths"])
            for route in RoleRoute.allCases {
                let spec = route.spec
                let path =
                    "/auth/" + spec.path.map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : $0 }.joined(separator: "/")
                let operation = try #require(paths[path]?[spec.method.rawValue.lowercased()], "\(path)")
                #expect(operation["summary"]?.stringValue == spec.summary)
                #expect(operation["responses"]?["401"] != nil)
                #expect((operation["responses"]?["403"] != nil) == (route != .me), "\(path)")
            }
            #expect(paths["/auth/roles"]?["post"]?["responses"]?["409"] != nil)
            #expect(paths["/auth/roles/assign"]?["post"]?["requestBody"] != nil)
            #expect(document["components"]?["schemas"]?["UserRoles"] != nil)
            #expect(document["components"]?["schemas"]?["TokenPair"] != nil)
        }
    }
}
