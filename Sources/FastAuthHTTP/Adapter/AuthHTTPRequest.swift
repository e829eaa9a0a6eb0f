public import FastAuth

/// An HTTP method of the auth API.
public enum AuthHTTPMethod: String, Sendable, Hashable, CaseIterable {
    // Spelled as on the wire (and as Vapor spells them), so `rawValue` is the method token.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    case GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS

    /// Methods that change nothing: a cookie-authenticated request needs no CSRF header for them.
    var isSafe: Bool { self == .GET || self == .HEAD || self == .OPTIONS }
}

/// What an HTTP adapter shows the auth API of one request. An adapter (FastAuthVapor,
/// FastAuthHummingbird, or your own) wraps its framework's request in a type conforming to this
/// protocol; the route table does the rest.
///
/// Header names are matched case-insensitively by the adapter. Cookies and the query string are
/// read here, from the raw `Cookie` headers and the raw query, so every adapter reads them alike.
public protocol AuthHTTPRequest: Sendable {
    /// The request's method.
    var method: AuthHTTPMethod { get }
    /// The first value of the header `name`, if any.
    func header(_ name: String) -> String?
    /// Every value of the header `name`, in order (for `X-Forwarded-For` and `Forwarded`).
    func headers(_ name: String) -> [String]
    /// The percent-decoded value of the path parameter `name` (declared as `:name` in a route's path).
    func parameter(_ name: String) -> String?
    /// The raw query string (after `?`, still percent-encoded), or `nil` without one.
    var rawQuery: String? { get }
    /// The collected body (up to the route's ``AuthRoute/maxBodyBytes``); `nil` or empty without one.
    var body: [UInt8]? { get }
    /// The peer's IP address (the TCP connection's), if known.
    var peerAddress: String? { get }
    /// An identifier for logs and audit events.
    var requestID: String { get }
    /// A principal an earlier middleware of the same request already authenticated.
    var authenticatedPrincipal: Principal? { get }
    /// Keeps `principal` for the rest of the request (for ``authenticatedPrincipal``).
    func rememberPrincipal(_ principal: Principal)
}

extension AuthHTTPRequest {
    public var authenticatedPrincipal: Principal? { nil }
    public func rememberPrincipal(_ principal: Principal) {}

    /// The value of the cookie `name` in the request's `Cookie` headers (see ``RequestFields/cookie(_:in:)``).
    func cookie(_ name: String) -> String? { RequestFields.cookie(name, in: headers("Cookie")) }

    /// The form-decoded value of the query parameter `name` (the first occurrence).
    func query(_ name: String) -> String? {
        guard let rawQuery else { return nil }
        return RequestFields.queryValue(name, in: rawQuery)
    }
}
