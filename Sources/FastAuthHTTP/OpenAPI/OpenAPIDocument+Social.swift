import FastAuth

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The social sign-in routes' parameters, responses and schemas in the OpenAPI document.
extension OpenAPIDocument {
    static func isSocialRoute(_ spec: RouteSpec) -> Bool { spec.path.first == "oauth" }

    static func socialParameters(_ spec: RouteSpec) -> [JSONValue] {
        func query(_ name: String, _ description: String) -> JSONValue {
            [
                "name": .string(name), "in": "query", "required": false, "schema": ["type": "string"],
                "description": .string(description),
            ]
        }
        switch spec.path.last {
        case "authorize", "link":
            var parameters = [
                query("redirect_uri", "where the browser goes after the callback: exactly one of the allowlist")
            ]
            if spec.path.last == "authorize" {
                parameters.append(query("mode", "`redirect`: answer 302 to the provider"))
            }
            return parameters
        case "callback":
            return [
                query("code", "the authorization code"), query("state", "the flow's state"),
                query("error", "the provider's refusal"),
            ]
        default: return []
        }
    }

    static func socialResponses(_ spec: RouteSpec, delivery: TokenDelivery) -> [String: JSONValue] {
        let error: JSONValue = ["description": "Error", "content": json(ref("Error"))]
        var responses: [String: JSONValue] = [:]
        switch (spec.method, spec.path.last) {
        case (.GET, "authorize"), (.GET, "link"):
            responses["200"] = [
                "description": "The provider's authorization URL", "content": json(ref("AuthorizationURL")),
            ]
            responses["400"] = error
            responses["404"] = error
            if spec.path.last == "authorize" { responses["302"] = ["description": "To the provider (mode=redirect)"] }
        case (.GET, "callback"):
            if spec.path.contains("link") {
                responses["200"] = ["description": "Linked", "content": json(ref("Message"))]
                responses["409"] = error
            } else {
                let tokens: JSONValue = delivery == .json ? ref("TokenPair") : ref("Message")
                responses["200"] = ["description": "Signed in", "content": json(tokens)]
                responses["403"] = error
                responses["409"] = error
            }
            responses["302"] = ["description": "To the flow's redirect_uri (tokens as HttpOnly cookies)"]
            responses["400"] = error
            responses["404"] = error
            responses["502"] = error
        case (.GET, "accounts"):
            responses["200"] = [
                "description": "Linked provider accounts",
                "content": json(["type": "array", "items": ref("ProviderAccount")]),
            ]
        default:
            responses["200"] = ["description": "Unlinked", "content": json(ref("Message"))]
            responses["404"] = error
            responses["409"] = error
        }
        if spec.requiresAuth { responses["401"] = error }
        return responses
    }

    static let socialSchemas: [String: JSONValue] = [
        "AuthorizationURL": [
            "type": "object", "required": ["url"], "properties": ["url": ["type": "string", "format": "uri"]],
        ],
        "ProviderAccount": [
            "type": "object", "required": ["provider", "provider_account_id", "created_at"],
            "properties": [
                "provider": ["type": "string"], "provider_account_id": ["type": "string"],
                "email": ["type": ["string", "null"]], "created_at": ["type": "string", "format": "date-time"],
            ],
        ],
    ]
}
