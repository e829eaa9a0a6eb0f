import FastAuth
import Foundation

/// The OpenAPI 3.1 document of the auth API, built from the same route table that registers
/// the routes, so it lists exactly the routes that exist.
enum OpenAPIDocument {
    static func make(prefix: String, specs: [RouteSpec], delivery: TokenDelivery) -> [UInt8] {
        var paths: [String: JSONValue] = [:]
        for spec in specs {
            let path =
                prefix + "/" + spec.path.map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : $0 }.joined(separator: "/")
            var operation: [String: JSONValue] = [
                "summary": .string(spec.summary),
                "operationId": .string(operationID(spec)),
                "responses": .object(responses(spec, delivery: delivery)),
            ]
            if spec.requiresAuth { operation["security"] = [["bearerAuth": []]] }
            if let body = requestBody(spec) { operation["requestBody"] = body }
            var parameters: [JSONValue] = spec.path.filter { $0.hasPrefix(":") }.map {
                ["name": .string(String($0.dropFirst())), "in": "path", "required": true, "schema": ["type": "string"]]
            }
            if spec.path == ["logout"] {
                parameters.append(["name": "all", "in": "query", "required": false, "schema": ["type": "boolean"]])
            }
            if isAccountRoute(spec) { parameters += accountParameters(spec) }
            if isSocialRoute(spec) { parameters += socialParameters(spec) }
            if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
            var item = paths[path]?.objectValue ?? [:]
            item[spec.method.rawValue.lowercased()] = .object(operation)
            paths[path] = .object(item)
        }
        let document: JSONValue = [
            "openapi": "3.1.0",
            "info": ["title": "FastAuth", "version": .string(FastAuthVersion.string)],
            "paths": .object(paths),
            "components": [
                "securitySchemes": ["bearerAuth": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]],
                "schemas": .object(
                    (schemas.objectValue ?? [:]).merging(roleSchemas) { existing, _ in existing }
                        .merging(accountSchemas) { existing, _ in existing }
                        .merging(socialSchemas) { existing, _ in existing }),
            ],
        ]
        return document.jsonBytes
    }

    private static func operationID(_ spec: RouteSpec) -> String {
        spec.method.rawValue.lowercased() + "_"
            + spec.path.map { $0.replacingOccurrences(of: ":", with: "by_") }
            .joined(separator: "_").replacingOccurrences(of: ".", with: "_")
    }

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    static func json(_ schema: JSONValue) -> JSONValue { ["application/json": ["schema": schema]] }

    private static func requestBody(_ spec: RouteSpec) -> JSONValue? {
        if spec.path.first == "roles" { return roleRequestBody(spec) }
        if isSocialRoute(spec) { return nil }
        if isAccountRoute(spec) { return accountRequestBody(spec) }
        return switch spec.path {
        case ["register"]: ["required": true, "content": json(ref("RegisterRequest"))]
        case ["login"]: ["required": true, "content": json(ref("LoginRequest"))]
        case ["refresh"]: ["required": false, "content": json(ref("RefreshRequest"))]
        case ["token", "introspect"], ["token", "revoke"]:
            [
                "required": true,
                "content": [
                    "application/json": ["schema": ref("TokenRequest")],
                    "application/x-www-form-urlencoded": ["schema": ref("TokenRequest")],
                ],
            ]
        default: nil
        }
    }

    private static func responses(_ spec: RouteSpec, delivery: TokenDelivery) -> [String: JSONValue] {
        if spec.path.first == "roles" { return roleResponses(spec) }
        if isSocialRoute(spec) { return socialResponses(spec, delivery: delivery) }
        if isAccountRoute(spec) { return accountResponses(spec) }
        let error: JSONValue = ["description": "Error", "content": json(ref("Error"))]
        let tokens: JSONValue = delivery == .json ? ref("TokenPair") : ref("Message")
        var responses: [String: JSONValue] = [:]
        switch spec.path {
        case ["register"]:
            responses["201"] = ["description": "Signed up", "content": json(tokens)]
            responses["400"] = error
            responses["409"] = error
            responses["422"] = ["description": "Validation error", "content": json(ref("ValidationError"))]
            responses["429"] = error
        case ["login"], ["refresh"]:
            responses["200"] = ["description": "Signed in", "content": json(tokens)]
            responses["401"] = error
            responses["422"] = ["description": "Validation error", "content": json(ref("ValidationError"))]
            responses["429"] = error
        case ["me"]: responses["200"] = ["description": "The current user", "content": json(ref("User"))]
        case ["sessions"]:
            responses["200"] = [
                "description": "Active sessions", "content": json(["type": "array", "items": ref("Session")]),
            ]
        case ["token", "introspect"]:
            responses["200"] = ["description": "Introspection", "content": json(ref("Introspection"))]
        case ["openapi.json"]: responses["200"] = ["description": "This document", "content": json(["type": "object"])]
        default: responses["200"] = ["description": "Done", "content": json(ref("Message"))]
        }
        if spec.path == ["sessions", ":id"] { responses["404"] = error }
        if spec.requiresAuth { responses["401"] = error }
        return responses
    }

    private static let schemas: JSONValue = [
        "RegisterRequest": [
            "type": "object", "required": ["email", "password"],
            "properties": [
                "email": ["type": "string", "format": "email"], "password": ["type": "string"],
                "name": ["type": ["string", "null"]],
            ],
        ],
        "LoginRequest": [
            "type": "object", "required": ["email", "password"],
            "properties": [
                "email": ["type": "string", "format": "email"], "password": ["type": "string"],
                "remember": ["type": "boolean", "default": false],
            ],
        ],
        "RefreshRequest": ["type": "object", "properties": ["refresh_token": ["type": "string"]]],
        "TokenRequest": [
            "type": "object", "required": ["token"],
            "properties": ["token": ["type": "string"], "token_type_hint": ["type": "string"]],
        ],
        "TokenPair": [
            "type": "object", "required": ["access_token", "refresh_token", "token_type", "expires_in"],
            "properties": [
                "access_token": ["type": "string"], "refresh_token": ["type": "string"],
                "token_type": ["type": "string", "const": "bearer"], "expires_in": ["type": "integer"],
            ],
        ],
        "User": [
            "type": "object",
            "properties": [
                "id": ["type": "string"], "email": ["type": "string"], "name": ["type": ["string", "null"]],
                "image": ["type": ["string", "null"]], "email_verified": ["type": "boolean"],
                "is_active": ["type": "boolean"],
            ],
        ],
        "Session": [
            "type": "object",
            "properties": [
                "id": ["type": "string"], "created_at": ["type": "string", "format": "date-time"],
                "last_used_at": ["type": "string", "format": "date-time"],
                "expires_at": ["type": "string", "format": "date-time"], "user_agent": ["type": ["string", "null"]],
                "ip": ["type": ["string", "null"]], "current": ["type": "boolean"],
            ],
        ],
        "Introspection": [
            "type": "object", "required": ["active"],
            "properties": [
                "active": ["type": "boolean"], "sub": ["type": ["string", "null"]],
                "exp": ["type": ["integer", "null"]],
                "jti": ["type": ["string", "null"]], "token_type": ["type": ["string", "null"]],
                "email": ["type": ["string", "null"]],
            ],
        ],
        "Message": ["type": "object", "properties": ["message": ["type": "string"]]],
        "Error": [
            "type": "object", "required": ["detail"],
            "properties": ["detail": ["type": "string"], "code": ["type": "string"]],
        ],
        "ValidationError": [
            "type": "object",
            "properties": [
                "detail": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "properties": [
                            "type": ["type": "string"], "loc": ["type": "array"], "msg": ["type": "string"],
                        ],
                    ],
                ]
            ],
        ],
    ]
}
