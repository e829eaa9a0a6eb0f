public import FastAuth
import FastAuthHTTP
public import FastAuthOAuth
import HTTPTypes
public import Hummingbird
import Logging
public import ServiceLifecycle

extension AuthService {
    /// Mounts all of FastAuth on `router` — the route table of ``FastAuthHTTP/AuthAPI``, the
    /// same one FastAuthVapor mounts: every auth route under ``FastAuthConfig/routePrefix``, the
    /// `.well-known` JWKS and metadata routes at the root, the JSON error shapes (`{"detail": …}`,
    /// 405 with `Allow`) — and returns the service that runs the routes' background work
    /// (managed-key rotation, housekeeping, email delivery). Add it to the application's services:
    ///
    /// ```swift
    /// let router = Router(context: BasicFastAuthRequestContext.self)
    /// let background = auth.mount(router)
    /// let app = Application(router: router, services: [background])
    /// try await app.runService()
    /// ```
    ///
    /// Mount before adding your own routes; the error middleware it installs then answers for
    /// them too. In managed mode, `try await auth.keys.tick()` first makes keys available before
    /// the server starts instead of shortly after.
    public func mount<Context: FastAuthRequestContext>(
        _ router: Router<Context>, socialSignIn: SocialSignIn? = nil
    ) -> FastAuthBackgroundService {
        let api = AuthAPI(auth: self, socialSignIn: socialSignIn)
        router.add(middleware: DetailErrorMiddleware<Context>(api: api))
        for route in api.routes {
            let path = RouterPath("/" + route.path.joined(separator: "/"))
            let handler: @Sendable (Request, Context) async throws -> Response = { request, context in
                var request = request
                let buffer = try await request.collectBody(upTo: route.maxBodyBytes)
                let body = buffer.readableBytes > 0 ? Array(buffer.readableBytesView) : nil
                let view = HummingbirdAuthRequest(request: request, context: context, body: body)
                return try await route.respond(to: view).hummingbird
            }
            router.on(path, method: HTTPRequest.Method(rawValue: route.method.rawValue) ?? .get, use: handler)
            if route.method == .GET {
                // HEAD answers as GET does, without the body (Vapor does this by itself).
                router.on(path, method: .head) { request, context in
                    var response = try await handler(request, context)
                    response.body = .init()
                    return response
                }
            }
        }
        return FastAuthBackgroundService(work: api.backgroundWork)
    }

    /// Middleware that lets only authenticated requests through (bearer, or cookie + CSRF) and
    /// leaves the caller in `context.principal`.
    ///
    /// ```swift
    /// router.group("api").add(middleware: auth.requireAuth(context: AppContext.self)).get("me") { _, context in
    ///     try context.requirePrincipal.user.email
    /// }
    /// ```
    public func requireAuth<Context: FastAuthRequestContext>(
        context: Context.Type = Context.self
    ) -> RequireAuthMiddleware<Context> {
        RequireAuthMiddleware(authentication: BearerAuthentication(auth: self), requirement: nil)
    }

    /// Middleware that lets through only callers holding `role` (403 `Insufficient role` otherwise).
    public func requireRole<Context: FastAuthRequestContext>(
        _ role: String, context: Context.Type = Context.self
    ) -> RequireAuthMiddleware<Context> {
        RequireAuthMiddleware(authentication: BearerAuthentication(auth: self), requirement: .role(role))
    }

    /// Middleware that lets through only callers whose roles carry `permission`
    /// (403 `Insufficient permissions` otherwise).
    public func requirePermission<Context: FastAuthRequestContext>(
        _ permission: String, context: Context.Type = Context.self
    ) -> RequireAuthMiddleware<Context> {
        RequireAuthMiddleware(authentication: BearerAuthentication(auth: self), requirement: .permission(permission))
    }
}

/// Answers 401 `{"detail": "Not authenticated"}` (with `WWW-Authenticate: Bearer`) unless the
/// request carries a valid access token — and 403 when a required role or permission is missing;
/// the caller is then in `context.principal`.
public struct RequireAuthMiddleware<Context: FastAuthRequestContext>: RouterMiddleware {
    let authentication: BearerAuthentication
    let requirement: BearerAuthentication.Requirement?

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let view = HummingbirdAuthRequest(request: request, context: context, body: nil)
        let principal: Principal
        do {
            principal = try await authentication.authorize(view, requiring: requirement)
        } catch {
            return JSONResponse.error(error).hummingbird
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}

/// Runs the background work of the mounted routes (managed-key rotation, housekeeping, email
/// delivery) until the application shuts down gracefully.
public struct FastAuthBackgroundService: Service {
    let work: [AuthAPI.BackgroundWork]

    public func run() async throws {
        let work = self.work
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for item in work { group.addTask { await item.run() } }
            }
        }
    }
}

/// Turns every error that reaches it into the Python original's error shape, as FastAuthVapor's
/// `DetailErrorMiddleware` does: `{"detail": "Not Found"}`, 405 `{"detail": "Method Not Allowed"}`
/// with an `Allow` header when the path is one of FastAuth's with other methods, the status's
/// words for other HTTP errors, and a 500 with no internals (logged) for anything else.
struct DetailErrorMiddleware<Context: FastAuthRequestContext>: RouterMiddleware {
    let api: AuthAPI

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            if error.status == .notFound {
                let allowed = api.allowedMethods(forPath: request.uri.path)
                if !allowed.isEmpty {
                    var methods = Set(allowed.map(\.rawValue))
                    if methods.contains("GET") { methods.insert("HEAD") }
                    let allow = methods.sorted().joined(separator: ", ")
                    return JSONResponse.detail(405, "Method Not Allowed", headers: [("Allow", allow)]).hummingbird
                }
                return JSONResponse.detail(404, "Not Found").hummingbird
            }
            let status = error.status
            return JSONResponse.detail(status.code, Self.words(for: status)).hummingbird
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(describing: error).prefix(300))"])
            return JSONResponse.detail(500, "Internal Server Error").hummingbird
        }
    }

    /// The reason phrase, in the words Vapor (and so the other adapter) uses.
    static func words(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 413: "Payload Too Large"
        case 500...: "Internal Server Error"
        default: status.reasonPhrase
        }
    }
}
