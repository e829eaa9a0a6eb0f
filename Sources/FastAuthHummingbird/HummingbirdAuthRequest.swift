import FastAuth
import FastAuthHTTP
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// A Hummingbird request (with its collected body) as the framework-free route table sees it.
struct HummingbirdAuthRequest<Context: FastAuthRequestContext>: AuthHTTPRequest {
    let request: Request
    let context: Context
    let body: [UInt8]?

    var method: AuthHTTPMethod { AuthHTTPMethod(rawValue: request.method.rawValue) ?? .POST }

    func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { request.headers[$0] }
    }

    func headers(_ name: String) -> [String] {
        HTTPField.Name(name).map { request.headers[values: $0] } ?? []
    }

    func parameter(_ name: String) -> String? {
        // Vapor's router hands parameters over percent-decoded; so does this adapter.
        context.parameters.get(name).map { $0.removingPercentEncoding ?? $0 }
    }

    var rawQuery: String? { request.uri.query }
    var peerAddress: String? { context.remoteAddress?.ipAddress }
    // Hummingbird's `context.id` force-unwraps the logger metadata; a custom context may lack it.
    var requestID: String { context.logger[metadataKey: "hb.request.id"]?.description ?? "" }
    var authenticatedPrincipal: Principal? { context.principal }
}

extension AuthHTTPResponse {
    /// The Hummingbird response carrying this one's status, headers and body.
    var hummingbird: Response {
        var fields = HTTPFields()
        fields.reserveCapacity(headers.count)
        for header in headers {
            guard let name = HTTPField.Name(header.name) else { continue }
            fields.append(HTTPField(name: name, value: header.value))
        }
        let body: ResponseBody = self.body.isEmpty ? .init() : .init(byteBuffer: ByteBuffer(bytes: self.body))
        return Response(status: HTTPResponse.Status(code: status), headers: fields, body: body)
    }
}
