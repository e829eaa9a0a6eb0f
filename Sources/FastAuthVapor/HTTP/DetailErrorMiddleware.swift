import FastAuthHTTP
public import Vapor

/// Turns every error that reaches it into the Python original's error shape:
/// `{"detail": "Not Found"}`, and 405 `{"detail": "Method Not Allowed"}` with an `Allow`
/// header when the path exists with other methods. Unexpected errors become a 500 with no
/// internals in the body (they are logged). `fastauth serve` installs it; apps may too.
///
/// Install it in place of Vapor's `ErrorMiddleware` (which would answer first):
/// `app.middleware = Middlewares(); app.middleware.use(DetailErrorMiddleware())`.
///
/// A plain (future-based) middleware, not an `AsyncMiddleware`: it sits in front of every
/// request, and an async middleware costs every request a hop to the concurrency pool and back.
public struct DetailErrorMiddleware: Middleware {
    /// Creates the middleware.
    public init() {}

    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapErrorThrowing { error in
            response(for: error, to: request)
        }
    }

    private func response(for error: any Error, to request: Request) -> Response {
        if let abort = error as? any AbortError {
            if abort.status == .notFound {
                let allowed = allowedMethods(for: request.url.path, in: request.application.routes.all)
                if !allowed.isEmpty {
                    let allow = allowed.sorted().joined(separator: ", ")
                    return JSONResponse.detail(405, "Method Not Allowed", headers: [("Allow", allow)]).vapor
                }
                return JSONResponse.detail(404, "Not Found").vapor
            }
            let reason = abort.status.code < 500 ? abort.reason : (abort.status.reasonPhrase)
            return JSONResponse.detail(
                Int(abort.status.code), reason, headers: abort.headers.map { ($0.name, $0.value) }
            )
            .vapor
        }
        request.logger.error("unhandled error", metadata: ["error": "\(String(describing: error).prefix(300))"])
        return JSONResponse.detail(500, "Internal Server Error").vapor
    }

    private func allowedMethods(for path: String, in routes: [Route]) -> Set<String> {
        let segments = path.split(separator: "/").map(String.init)
        var methods: Set<String> = []
        for route in routes where matches(route.path, segments) { methods.insert(route.method.rawValue) }
        return methods
    }

    private func matches(_ pattern: [PathComponent], _ segments: [String]) -> Bool {
        var index = 0
        for component in pattern {
            switch component {
            case .catchall: return true
            case .anything, .parameter:
                guard index < segments.count else { return false }
            case .constant(let value):
                guard index < segments.count, segments[index] == value else { return false }
            }
            index += 1
        }
        return index == segments.count
    }
}
