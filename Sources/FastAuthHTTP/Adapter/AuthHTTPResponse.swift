/// What a route of the auth API answers, framework-free: the adapter copies it into its
/// framework's response as it is (status, headers in order — one `Set-Cookie` per cookie — and
/// body).
public struct AuthHTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// The header fields, in order; a name may repeat (`Set-Cookie`).
    public var headers: [(name: String, value: String)]
    /// The body bytes (empty for none).
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Sets the header `name` to `value`, replacing every earlier value.
    mutating func replaceHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        headers.append((name, value))
    }

    /// Adds a `Set-Cookie` header.
    mutating func setCookie(_ cookie: SetCookie) {
        headers.append(("Set-Cookie", cookie.serialized))
    }
}

/// A `Set-Cookie` value, always `SameSite=Lax`, serialised in the attribute order Vapor uses
/// (`Max-Age`, `Domain`, `Path`, `Secure`, `HttpOnly`, `SameSite`).
struct SetCookie: Sendable {
    var name: String
    var value: String
    var maxAge: Int?
    var domain: String?
    var path: String?
    var secure: Bool
    var httpOnly: Bool

    var serialized: String {
        var text = name + "=" + value
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        if let domain { text += "; Domain=" + domain }
        if let path { text += "; Path=" + path }
        if secure { text += "; Secure" }
        if httpOnly { text += "; HttpOnly" }
        return text + "; SameSite=Lax"
    }
}
