import FastAuth
import Vapor

/// Building JSON responses with FastAuth's fixed-order writer, and the `{"detail": …}` errors.
enum JSONResponse {
    static func make(_ status: HTTPResponseStatus = .ok, _ value: JSONValue, headers: HTTPHeaders = [:]) -> Response {
        make(status, bytes: value.jsonBytes, headers: headers)
    }

    static func make(_ status: HTTPResponseStatus, bytes: [UInt8], headers: HTTPHeaders = [:]) -> Response {
        var headers = headers
        headers.replaceOrAdd(name: .contentType, value: "application/json")
        return Response(status: status, headers: headers, body: .init(buffer: ByteBuffer(bytes: bytes)))
    }

    /// `{"detail": message}` (and a stable `code`).
    static func detail(
        _ status: HTTPResponseStatus, _ message: String, code: String? = nil, headers: HTTPHeaders = [:]
    ) -> Response {
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
    static func error(_ error: AuthError) -> Response {
        var headers = HTTPHeaders()
        let status: HTTPResponseStatus
        switch error.code {
        case .invalidCredentials, .notAuthenticated, .invalidRefreshToken, .refreshTokenReused, .refreshTokenRequired,
            .accountDeactivated:
            status = .unauthorized
            headers.add(name: .wwwAuthenticate, value: "Bearer")
        case .signinNotAllowed, .csrfFailed, .insufficientPermissions, .insufficientRole: status = .forbidden
        case .emailTaken, .roleExists, .accountNotLinked, .accountAlreadyLinked, .lastSignInMethod: status = .conflict
        case .weakPassword, .invalidToken, .emailAlreadyVerified, .incorrectPassword, .nothingToUpdate, .invalidState,
            .invalidRedirectURI, .providerEmailUnverified, .providerError:
            status = .badRequest
        case .providerUnavailable: status = .badGateway
        case .emailNotVerified, .recentSignInRequired: status = .forbidden
        case .validation:
            return ValidationProblem(kind: "value_error", field: error.field ?? "body", message: error.message).response
        case .rateLimited:
            status = .tooManyRequests
            headers.add(name: .retryAfter, value: String(error.retryAfter ?? 60))
        case .sessionNotFound, .roleNotFound, .userNotFound, .providerNotFound, .providerAccountNotFound:
            status = .notFound
        case .busy:
            status = .serviceUnavailable
            headers.add(name: .retryAfter, value: String(error.retryAfter ?? 1))
        default: status = .serviceUnavailable
        }
        return detail(status, error.message, code: error.code.name, headers: headers)
    }
}

/// A 422 in the Python original's (FastAPI's) shape:
/// `{"detail": [{"type", "loc": ["body", field], "msg"}]}`. The input is never echoed.
struct ValidationProblem: Error {
    let kind: String
    let location: [JSONValue]
    let message: String
    var context: [String: JSONValue]? = nil

    init(kind: String, field: String, message: String, context: [String: JSONValue]? = nil) {
        self.kind = kind
        self.location = field == "body" ? ["body"] : ["body", .string(field)]
        self.message = message
        self.context = context
    }

    init(kind: String, location: [JSONValue], message: String, context: [String: JSONValue]? = nil) {
        self.kind = kind
        self.location = location
        self.message = message
        self.context = context
    }

    var response: Response {
        var item: [String: JSONValue] = ["type": .string(kind), "loc": .array(location), "msg": .string(message)]
        if let context { item["ctx"] = .object(context) }
        let field = location.count > 1 ? location[1].stringValue ?? "body" : "body"
        return JSONResponse.make(
            .unprocessableEntity, ["detail": [.object(item)], "code": "validation_error", "field": .string(field)])
    }

    static func missing(_ field: String) -> Self { Self(kind: "missing", field: field, message: "Field required") }
}
