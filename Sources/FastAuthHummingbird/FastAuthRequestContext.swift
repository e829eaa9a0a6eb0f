public import FastAuth
public import Hummingbird
public import NIOCore

/// A Hummingbird request context that FastAuth's middleware can leave the caller in.
///
/// Use ``BasicFastAuthRequestContext``, or conform your own context:
///
/// ```swift
/// struct AppContext: FastAuthRequestContext {
///     var coreContext: CoreRequestContextStorage
///     var principal: Principal?
///     let remoteAddress: SocketAddress?
///     init(source: ApplicationRequestContextSource) {
///         coreContext = .init(source: source)
///         remoteAddress = source.channel.remoteAddress
///     }
/// }
/// ```
public protocol FastAuthRequestContext: RemoteAddressRequestContext {
    /// The caller ``FastAuth/AuthService/requireAuth(context:)`` (or a role/permission
    /// middleware) authenticated; `nil` before.
    var principal: Principal? { get set }
}

extension FastAuthRequestContext {
    /// The authenticated caller; throws 401 when no FastAuth middleware authenticated the request.
    public var requirePrincipal: Principal {
        get throws {
            guard let principal else { throw HTTPError(.unauthorized, message: "Not authenticated") }
            return principal
        }
    }
}

/// The request context of ``FastAuthHummingbird``'s examples and of `fastauth serve --adapter
/// hummingbird`: Hummingbird's core storage, the peer address and the authenticated caller.
public struct BasicFastAuthRequestContext: FastAuthRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
