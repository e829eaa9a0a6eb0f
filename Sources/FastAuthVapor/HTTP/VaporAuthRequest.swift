import FastAuth
import FastAuthHTTP
import Vapor

/// A Vapor request as the framework-free route table sees it.
struct VaporAuthRequest: AuthHTTPRequest {
    let request: Request

    init(_ request: Request) {
        self.request = request
    }

    var method: AuthHTTPMethod {
        switch request.method {
        case .GET: .GET
        case .HEAD: .HEAD
        case .POST: .POST
        case .PUT: .PUT
        case .PATCH: .PATCH
        case .DELETE: .DELETE
        case .OPTIONS: .OPTIONS
        // Only the table's methods reach its routes; any other is "unsafe" for the CSRF rule.
        default: .POST
        }
    }

    func header(_ name: String) -> String? { request.headers.first(name: name) }
    func headers(_ name: String) -> [String] { request.headers[name] }
    func parameter(_ name: String) -> String? { request.parameters.get(name) }
    var rawQuery: String? { request.url.query }

    var body: [UInt8]? {
        guard let buffer = request.body.data, buffer.readableBytes > 0 else { return nil }
        return Array(buffer.readableBytesView)
    }

    var peerAddress: String? { request.remoteAddress?.ipAddress }
    var requestID: String { request.id }
    var authenticatedPrincipal: Principal? { request.auth.get(Principal.self) }
    func rememberPrincipal(_ principal: Principal) { request.auth.login(principal) }
}

extension AuthHTTPResponse {
    /// The Vapor response carrying this one's status, headers and body.
    var vapor: Response {
        var fields = HTTPHeaders()
        fields.reserveCapacity(headers.count + 1)
        for header in headers { fields.add(name: header.name, value: header.value) }
        let response = Response(status: HTTPResponseStatus(statusCode: status), headers: fields)
        if !body.isEmpty { response.body = .init(buffer: ByteBuffer(bytes: body)) }
        return response
    }
}

extension AuthHTTPMethod {
    var vapor: HTTPMethod { HTTPMethod(rawValue: rawValue) }
}
