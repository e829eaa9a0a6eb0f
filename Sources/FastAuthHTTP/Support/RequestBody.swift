import FastAuth

/// A parsed request body: a JSON object, or an `application/x-www-form-urlencoded` form
/// (RFC 7662/7009 clients), with typed field access that answers 422 naming the field.
struct RequestBody {
    let fields: [String: JSONValue]
    /// `true` when the request had no body at all.
    let isEmpty: Bool

    /// Parses the body of `request`. `allowForm` accepts form bodies. A non-empty body must
    /// say it is JSON (or a form, where allowed): without a `Content-Type`, or with any other
    /// type, it is refused with 415 before any parsing, so a cross-site "simple" request
    /// (`text/plain`, a form) cannot drive the routes that read JSON.
    static func parse(_ request: some AuthHTTPRequest, allowForm: Bool = false) throws -> RequestBody {
        guard let bytes = request.body, !bytes.isEmpty else { return RequestBody(fields: [:], isEmpty: true) }
        switch RequestBodyDecoding.mediaType(ofContentType: request.header("Content-Type")) {
        case .form where allowForm:
            return RequestBody(fields: RequestBodyDecoding.formFields(bytes), isEmpty: false)
        case .json:
            return try parseJSON(bytes)
        case .form, .missing, .unsupported:
            throw UnsupportedMediaType()
        }
    }

    private static func parseJSON(_ bytes: [UInt8]) throws(ValidationProblem) -> RequestBody {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw ValidationProblem(
                kind: "json_invalid", location: ["body", .int(Int64(error.offset))], message: "JSON decode error",
                context: ["error": .string(error.reason)])
        }
        guard case .object(let fields) = value else {
            throw ValidationProblem(
                kind: "model_attributes_type", field: "body",
                message: "Input should be a valid dictionary or object to extract fields from")
        }
        return RequestBody(fields: fields, isEmpty: false)
    }

    /// A required string field.
    func string(_ name: String) throws(ValidationProblem) -> String {
        guard let value = fields[name] else { throw ValidationProblem.missing(name) }
        guard case .string(let string) = value else {
            throw ValidationProblem(kind: "string_type", field: name, message: "Input should be a valid string")
        }
        return string
    }

    /// An optional string field (`null` allowed).
    func optionalString(_ name: String) throws(ValidationProblem) -> String? {
        switch fields[name] {
        case nil, .null?: return nil
        case .string(let string)?: return string
        default: throw ValidationProblem(kind: "string_type", field: name, message: "Input should be a valid string")
        }
    }

    /// A list of strings; `fallback` when absent (a required field when `fallback` is `nil`).
    func strings(_ name: String, default fallback: [String]? = nil) throws(ValidationProblem) -> [String] {
        guard let value = fields[name] else {
            if let fallback { return fallback }
            throw ValidationProblem.missing(name)
        }
        guard case .array(let items) = value else {
            throw ValidationProblem(kind: "list_type", field: name, message: "Input should be a valid list")
        }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let string) = item else {
                throw ValidationProblem(
                    kind: "string_type", location: ["body", .string(name), .int(Int64(index))],
                    message: "Input should be a valid string")
            }
            strings.append(string)
        }
        return strings
    }

    /// An optional boolean field.
    func bool(_ name: String, default value: Bool) throws(ValidationProblem) -> Bool {
        switch fields[name] {
        case nil, .null?: return value
        case .bool(let bool)?: return bool
        case .string(let text)? where ["true", "1", "yes", "on"].contains(text.lowercased()): return true
        case .string(let text)? where ["false", "0", "no", "off"].contains(text.lowercased()): return false
        case .int(let number)? where number == 0 || number == 1: return number == 1
        default: throw ValidationProblem(kind: "bool_type", field: name, message: "Input should be a valid boolean")
        }
    }
}

/// A body in a media type the route does not read: 415 `{"detail": "Unsupported Media Type"}`.
struct UnsupportedMediaType: Error {
    var response: AuthHTTPResponse { JSONResponse.detail(415, "Unsupported Media Type") }
}
