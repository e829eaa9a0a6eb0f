import FastAuth

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The account routes' request bodies, responses and schemas in the OpenAPI document.
extension OpenAPIDocument {
    static func isAccountRoute(_ spec: RouteSpec) -> Bool {
        spec.path.first == "account"
            || [["request-verify-email"], ["verify-email"], ["forgot-password"], ["reset-password"]]
                .contains(spec.path)
    }

    /// The emailed links' pages take the token in the query.
    static func accountParameters(_ spec: RouteSpec) -> [JSONValue] {
        guard spec.method == .GET, spec.path != ["account", "profile"] else { return [] }
        return [["name": "token", "in": "query", "required": true, "schema": ["type": "string"]]]
    }

    private static func bodyOf(_ schema: String, form: Bool = false) -> JSONValue {
        var content: [String: JSONValue] = ["application/json": ["schema": ref(schema)]]
        if form { content["application/x-www-form-urlencoded"] = ["schema": ref(schema)] }
        return ["required": true, "content": .object(content)]
    }

    static func accountRequestBody(_ spec: RouteSpec) -> JSONValue? {
        switch (spec.method, spec.path) {
        case (.POST, ["verify-email"]), (.POST, ["account", "confirm-email-change"]): bodyOf("TokenRequest", form: true)
        case (.POST, ["forgot-password"]): bodyOf("ForgotPasswordRequest")
        case (.POST, ["reset-password"]): bodyOf("ResetPasswordRequest", form: true)
        case (.PUT, ["account", "profile"]): bodyOf("UpdateProfileRequest")
        case (.POST, ["account", "change-password"]): bodyOf("ChangePasswordRequest")
        case (.POST, ["account", "change-email"]): bodyOf("ChangeEmailRequest")
        case (.DELETE, ["account"]): bodyOf("PasswordRequest")
        default: nil
        }
    }

    static func accountResponses(_ spec: RouteSpec) -> [String: JSONValue] {
        let error: JSONValue = ["description": "Error", "content": json(ref("Error"))]
        let invalid: JSONValue = ["description": "Validation error", "content": json(ref("ValidationError"))]
        let html: JSONValue = ["description": "An HTML page", "content": ["text/html": ["schema": ["type": "string"]]]]
        var responses: [String: JSONValue] = [:]
        if spec.requiresAuth { responses["401"] = error }
        if accountRequestBody(spec) != nil { responses["422"] = invalid }
        switch (spec.method, spec.path) {
        case (.GET, ["account", "profile"]), (.PUT, ["account", "profile"]):
            responses["200"] = ["description": "The profile", "content": json(ref("Profile"))]
            if spec.method == .PUT { responses["400"] = error }
        case (.GET, _):
            responses["200"] = html
            responses["400"] = html
            if spec.path == ["reset-password"] { responses["302"] = ["description": "To the app's own reset page"] }
        default:
            responses["200"] = ["description": "Done", "content": json(ref("Message"))]
            responses["400"] = error
            if [["request-verify-email"], ["forgot-password"], ["account", "change-email"]].contains(spec.path) {
                responses["429"] = error
                responses["503"] = error
            }
            if [["account", "change-email"], ["account", "confirm-email-change"]].contains(spec.path) {
                responses["409"] = error
            }
        }
        return responses
    }

    private static func object(_ required: [String], _ properties: [String: JSONValue]) -> JSONValue {
        ["type": "object", "required": .array(required.map(JSONValue.string)), "properties": .object(properties)]
    }

    static let accountSchemas: [String: JSONValue] = [
        "TokenRequest": object(["token"], ["token": ["type": "string"]]),
        "ForgotPasswordRequest": object(["email"], ["email": ["type": "string", "format": "email"]]),
        "ResetPasswordRequest": object(
            ["token", "new_password"],
            ["token": ["type": "string"], "new_password": ["type": "string"], "confirm_password": ["type": "string"]]),
        "UpdateProfileRequest": object(
            [], ["name": ["type": ["string", "null"]], "image": ["type": ["string", "null"]]]),
        "ChangePasswordRequest": object(
            ["current_password", "new_password"],
            ["current_password": ["type": "string"], "new_password": ["type": "string"]]),
        "ChangeEmailRequest": object(
            ["new_email", "password"],
            ["new_email": ["type": "string", "format": "email"], "password": ["type": "string"]]),
        "PasswordRequest": object(["password"], ["password": ["type": "string"]]),
        "Profile": object(
            ["id", "email", "name", "image"],
            [
                "id": ["type": "string"], "email": ["type": "string"], "name": ["type": ["string", "null"]],
                "image": ["type": ["string", "null"]],
            ]),
    ]
}
