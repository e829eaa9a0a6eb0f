import FastAuth
import FastAuthHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// The HTTP adapters the HTTP behaviour tests run against: every `withHarness` test runs once
/// per adapter, on the same store kind and the same assertions.
enum HTTPAdapter: String, CaseIterable, Sendable {
    case vapor, hummingbird

    /// The adapter `withHarness` mounts on, set by ``EachHTTPAdapter`` (Vapor without it).
    @TaskLocal static var current: HTTPAdapter?
}

/// Runs every test case of a suite once per ``HTTPAdapter``, like sql-kit's one suite per driver:
/// `withHarness` inside the test then mounts FastAuth on that adapter. Each run is the whole test
/// function, so the test's own recorders (hooks, mail) start empty for each adapter.
struct EachHTTPAdapter: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        test.isSuite || testCase == nil ? nil : self
    }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        for adapter in HTTPAdapter.allCases {
            try await HTTPAdapter.$current.withValue(adapter) { try await function() }
        }
    }
}

extension Trait where Self == EachHTTPAdapter {
    /// Runs each test of the suite against every HTTP adapter.
    static var eachHTTPAdapter: Self { EachHTTPAdapter() }
}

/// FastAuth mounted on a Hummingbird router, as `fastauth serve --adapter hummingbird` mounts
/// it, with the same fixture routes the Vapor harness adds (`api/me`, `api/reports`,
/// `api/editor`); requests go through Hummingbird's in-process router test client.
final class HummingbirdHarness: Sendable {
    private let responder: RouterResponder<BasicFastAuthRequestContext>
    /// The routes' background work, for the tests that run it.
    let background: FastAuthBackgroundService
    private let client = Mutex<(any TestClientProtocol)?>(nil)

    init(auth: AuthService) {
        let router = Router(context: BasicFastAuthRequestContext.self)
        background = auth.mount(router)
        router.group("api").add(middleware: auth.requireAuth(context: BasicFastAuthRequestContext.self))
            .get("me") { _, context -> Response in
                let principal = try context.requirePrincipal
                let body = JSONValue.object([
                    "id": .string(principal.user.id.rawValue), "email": .string(principal.user.email),
                ])
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: body.jsonBytes)))
            }
        router.group("api").add(
            middleware: auth.requirePermission("reports:read", context: BasicFastAuthRequestContext.self)
        )
        .get("reports") { _, context in try context.requirePrincipal.user.email }
        router.group("api").add(middleware: auth.requireRole("editor", context: BasicFastAuthRequestContext.self))
            .get("editor") { _, _ in "welcome" }
        self.responder = router.buildResponder()
    }

    /// Runs `body` while the router is up.
    func run(_ body: () async throws -> Void) async throws {
        let responder = self.responder
        let (clients, offer) = AsyncStream.makeStream(of: (any TestClientProtocol).self)
        let (done, finish) = AsyncStream.makeStream(of: Void.self)
        let testing = Task {
            defer { offer.finish() }
            // Without the background service, as Vapor's in-memory tester does not boot the
            // app's lifecycle: tests deliver mail and tick keys themselves, on the manual clock.
            let app = Application(responder: responder)
            try await app.test(.router) { client in
                offer.yield(client)
                for await _ in done {}
            }
        }
        var offered = clients.makeAsyncIterator()
        guard let client = await offered.next() else { return try await testing.value }
        self.client.withLock { $0 = client }
        do {
            try await body()
        } catch {
            finish.finish()
            _ = try? await testing.value
            throw error
        }
        finish.finish()
        try await testing.value
    }

    /// Sends one request; header names and the method are the wire's spelling.
    func send(
        method: String, path: String, headers: [(name: String, value: String)], body: [UInt8]?
    ) async throws -> (status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        guard let client = client.withLock({ $0 }) else { throw HarnessError.notRunning }
        var fields = HTTPFields()
        for header in headers {
            guard let name = HTTPField.Name(header.name) else { throw HarnessError.badHeader(header.name) }
            fields.append(HTTPField(name: name, value: header.value))
        }
        guard let method = HTTPRequest.Method(method) else { throw HarnessError.badMethod(method) }
        let response = try await client.execute(
            uri: path.hasPrefix("/") ? path : "/" + path, method: method, headers: fields,
            body: body.map { ByteBuffer(bytes: $0) })
        return (
            Int(response.status.code), response.headers.map { ($0.name.rawName, $0.value) },
            Array(response.body.readableBytesView)
        )
    }

    enum HarnessError: Error {
        case notRunning
        case badHeader(String)
        case badMethod(String)
    }
}
