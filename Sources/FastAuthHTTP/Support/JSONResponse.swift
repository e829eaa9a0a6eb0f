package import FastAuth

/// Building JSON responses with FastAuth's fixed-order writer, and the `{"detail": …}` errors.
package enum JSONResponse {
    package typealias Headers = [(name: String, value: String)]

    package static func make(_ status: Int = 200, _ value: JSONValue, headers: Headers = []) -> AuthHTTPResponse {
        make(status, bytes: value.jsonBytes, headers: headers)
    }

    package static func make(_ status: Int, bytes: [UInt8], headers: Headers = []) -> AuthHTTPResponse {
        var response = AuthHTTPResponse(status: status, headers: headers, body: bytes)
        if headers.isEmpty {
            response.headers = [("Content-Type", "application/json")]
        } else {
            response.replaceHeader("Content-Type", "application/json")
        }
        return response
    }

    /// `{"detail": message}` (and a stable `code`).
    package static func detail(
        _ status: Int, _ message: String, code: String? = nil, headers: Headers = []
    ) -> AuthHTTPResponse {
        var writer = JSONWriter(capacity: 64 + message.utf8.count)
        writer.raw("{\"detail\":")
        writer.string(message)
        if let code {
            writer.raw(",\"code\":")
            writer.string(code)
        }
        writer.byte(UInt8(ascii: "}"))
        return make(status, bytes: writer.bytes, headers: headers)
    }

    /// The response for an ``AuthError``.
    package static func error(_ error: AuthError) -> AuthHTTPResponse {
        var headers: Headers = []
        let status: Int
        switch error.code {
        case .invalidCredentials, .notAuthenticated, .invalidRefreshToken, .refreshTokenReused, .refreshTokenRequired,
            .accountDeactivated:
            status = 401
            headers.append(("WWW-Authenticate", "Bearer"))
        case .signinNotAllowed, .csrfFailed, .insufficientPermissions, .insufficientRole: status = 403
        case .emailTaken, .roleExists, .accountNotLinked, .accountAlreadyLinked, .lastSignInMethod: status = 409
        case .weakPassword, .invalidToken, .emailAlreadyVerified, .incorrectPassword, .nothingToUpdate, .invalidState,
            .invalidRedirectURI, .providerEmailUnverified, .providerError:
            status = 400
        case .providerUnavailable: status = 502
        case .emailNotVerified, .recentSignInRequired: status = 403
        case .validation:
            return ValidationProblem(kind: "value_error", field: error.field ?? "body", message: error.message).response
        case .rateLimited:
            status = 429
            headers.append(("Retry-After", String(error.retryAfter ?? 60)))
        case .sessionNotFound, .roleNotFound, .userNotFound, .providerNotFound, .providerAccountNotFound:
            status = 404
        case .busy:
            status = 503
            headers.append(("Retry-After", String(error.retryAfter ?? 1)))
        default: status = 503
        }
        return detail(status, error.message, code: error.code.name, headers: headers)
    }
}

/// A 422 in the Python original's (FastAPI's) shape:
/// `{"detail": [{"type", "loc": ["body", field], "msg"}]}`. The input is never echoed.
package struct ValidationProblem: Error {
    let kind: String
    let location: [JSONValue]
    let message: String
    var context: [String: JSONValue]? = nil

    package init(kind: String, field: String, message: String, context: [String: JSONValue]? = nil) {
        self.kind = kind
        self.location = field == "body" ? ["body"] : ["body", .string(field)]
        self.message = message
        self.context = context
    }

    package init(kind: String, location: [JSONValue], message: String, context: [String: JSONValue]? = nil) {
        self.kind = kind
        self.location = location
        self.message = message
        self.context = context
    }

    package var response: AuthHTTPResponse {
        var item: [String: JSONValue] = ["type": .string(kind), "loc": .array(location), "msg": .string(message)]
        if let context { item["ctx"] = .object(context) }
        let field = location.count > 1 ? location[1].stringValue ?? "body" : "body"
        return JSONResponse.make(
            422, ["detail": [.object(item)], "code": "validation_error", "field": .string(field)])
    }

    package static func missing(_ field: String) -> Self {
        Self(kind: "missing", field: field, message: "Field required")
    }
}
