import FastAuth

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The role routes' request bodies, responses and schemas in the OpenAPI document.
extension OpenAPIDocument {
    static func roleRequestBody(_ spec: RouteSpec) -> JSONValue? {
        switch (spec.method, spec.path) {
        case (.POST, ["roles"]): ["required": true, "content": json(ref("CreateRoleRequest"))]
        case (_, ["roles", ":role_name", "permissions"]):
            ["required": true, "content": json(ref("PermissionsRequest"))]
        case (_, ["roles", "assign"]), (_, ["roles", "revoke"]):
            ["required": true, "content": json(ref("AssignRoleRequest"))]
        default: nil
        }
    }

    static func roleResponses(_ spec: RouteSpec) -> [String: JSONValue] {
        let error: JSONValue = ["description": "Error", "content": json(ref("Error"))]
        let invalid: JSONValue = ["description": "Validation error", "content": json(ref("ValidationError"))]
        var responses: [String: JSONValue] = ["401": error]
        if spec.path != ["roles", "me"] { responses["403"] = error }
        switch (spec.method, spec.path) {
        case (.GET, ["roles"]):
            responses["200"] = ["description": "Every role", "content": json(["type": "array", "items": ref("Role")])]
        case (.POST, ["roles"]):
            responses["201"] = ["description": "The new role", "content": json(ref("Role"))]
            responses["409"] = error
            responses["422"] = invalid
        case (_, ["roles", "user", ":user_id"]), (_, ["roles", "me"]):
            responses["200"] = ["description": "Roles and permissions", "content": json(ref("UserRoles"))]
            if spec.path != ["roles", "me"] { responses["404"] = error }
        default:
            responses["200"] = ["description": "Done", "content": json(ref("Message"))]
            responses["404"] = error
            if roleRequestBody(spec) != nil { responses["422"] = invalid }
        }
        return responses
    }

    static let roleSchemas: [String: JSONValue] = [
        "Role": [
            "type": "object", "required": ["name", "permissions"],
            "properties": ["name": ["type": "string"], "permissions": ["type": "array", "items": ["type": "string"]]],
        ],
        "CreateRoleRequest": [
            "type": "object", "required": ["name"],
            "properties": [
                "name": ["type": "string"],
                "permissions": ["type": "array", "items": ["type": "string"], "default": []],
            ],
        ],
        "PermissionsRequest": [
            "type": "object", "required": ["permissions"],
            "properties": ["permissions": ["type": "array", "items": ["type": "string"]]],
        ],
        "AssignRoleRequest": [
            "type": "object", "required": ["user_id", "role_name"],
            "properties": ["user_id": ["type": "string"], "role_name": ["type": "string"]],
        ],
        "UserRoles": [
            "type": "object", "required": ["user_id", "roles", "permissions"],
            "properties": [
                "user_id": ["type": "string"], "roles": ["type": "array", "items": ["type": "string"]],
                "permissions": ["type": "array", "items": ["type": "string"]],
            ],
        ],
    ]
}
