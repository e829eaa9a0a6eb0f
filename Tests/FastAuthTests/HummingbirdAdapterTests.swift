import FastAuth
import FastAuthHummingbird
import FastAuthTesting
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Testing

/// What only the Hummingbird adapter has: its background work is a ServiceLifecycle `Service`.
/// (Its routes run the whole HTTP behaviour suite: see ``EachHTTPAdapter``.)
@Suite("The Hummingbird adapter's background service")
struct HummingbirdAdapterTests {
    @Test("the service runs the routes' background work (mail goes out unasked) and ends on graceful shutdown")
    func backgroundService() async throws {
        let transport = RecordingEmailTransport()
        try await withTestDatabase { store in
            let config = try FastAuthConfig(
                secret: TestFixtures.secret, tokenDelivery: .json,
                security: SecurityConfig(rateLimitPerMinute: 0, passwordHashing: .insecureTesting),
                accounts: AccountsConfig(emailTransport: transport))
            let auth = try await AuthService(config: config, store: store, clock: ManualClock(Date()))
            let router = Router(context: BasicFastAuthRequestContext.self)
            let service = auth.mount(router)
            let group = ServiceGroup(services: [service], gracefulShutdownSignals: [], logger: Logger(label: "test"))
            let running = Task { try await group.run() }
            let origin = RequestOrigin(clientAddress: "127.0.0.1", userAgent: nil, requestID: "t")
            _ = try await auth.register(
                email: "ada@example.com", password: "correct horse battery", name: nil, context: origin)
            try await auth.forgotPassword(email: "ada@example.com", context: origin)
            // Readiness poll of the delivery loop the service started (it wakes when mail is
            // queued); nothing here waits for an expiry.
            for _ in 0..<1000 where transport.sent.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            #expect(transport.sent.map(\.to) == ["ada@example.com"])
            await group.triggerGracefulShutdown()
            try await running.value
        }
    }
}
