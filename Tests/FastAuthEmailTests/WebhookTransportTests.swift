import FastAuth
import Foundation
import Testing

@testable import FastAuthEmail

/// WebhookTransport against a real local HTTP server (Tests/E2E/webhook_server.py, standard
/// library only), which saves each request and answers the status named in the path.
@Suite("Webhook transport", .enabled(if: EmailInterop.pythonEnabled, EmailInterop.pythonSkipMessage))
struct WebhookTransportTests {
    static let message = EmailMessage(
        from: "FastAuth <no-reply@auth.example.com>", to: "ada@example.org", subject: "Réinitialisation ✓",
        text: "Open https://auth.example.com/auth/reset-password?token=AbC-_123\n.dot", html: "<a href=\"x\">é</a>")

    static func withServer<Result>(_ body: (BackgroundScript) async throws -> Result) async throws -> Result {
        try EmailInterop.requirePython()
        let directory = try EmailInterop.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await BackgroundScript.with(
            EmailInterop.script("webhook_server.py"), ["--dir", directory.path], directory: directory, body)
    }

    static func transport(
        _ server: BackgroundScript, path: String, token: String? = "tok-123", timeout: Duration = .seconds(10)
    ) throws -> WebhookTransport {
        try WebhookTransport(
            url: try #require(URL(string: "http://127.0.0.1:\(server.port)\(path)")), bearerToken: token,
            timeout: timeout)
    }

    @Test("posts the message as JSON with the bearer token; 2xx is sent")
    func posts() async throws {
        try await Self.withServer { server in
            let parsed = try EmailTransportURL(
                parsing: "webhook+http://127.0.0.1:\(server.port)/hooks/mail?token=tok%2F123&keep=1")
            let transport = try parsed.makeTransport()
            #expect(transport.name == "webhook+http://127.0.0.1:\(server.port)/hooks/mail")
            try await transport.send(Self.message)

            let request = try #require(server.json("1.json"), "\(server.stderr)")
            #expect(request["path"] == "/hooks/mail?keep=1", "the token is not sent in the URL")
            #expect(request["headers"]?["authorization"] == "Bearer tok/123")
            #expect(request["headers"]?["content-type"] == "application/json")
            let body = try JSONValue(parsing: try #require(request["body"]?.stringValue))
            #expect(
                body == [
                    "from": "FastAuth <no-reply@auth.example.com>", "to": "ada@example.org",
                    "subject": "Réinitialisation ✓",
                    "text": "Open https://auth.example.com/auth/reset-password?token=AbC-_123\n.dot",
                    "html": "<a href=\"x\">é</a>",
                ])
        }
    }

    @Test("without HTML the html member is null; without a token there is no Authorization header")
    func textOnlyNoToken() async throws {
        try await Self.withServer { server in
            var message = Self.message
            message.html = nil
            try await Self.transport(server, path: "/status/200/ok", token: nil).send(message)
            let request = try #require(server.json("1.json"))
            #expect(request["headers"]?["authorization"] == nil)
            let body = try JSONValue(parsing: try #require(request["body"]?.stringValue))
            #expect(body["html"] == .null)
        }
    }

    @Test(
        "status mapping: 2xx sent, 429 and 5xx transient, other 4xx and 3xx permanent; the body is never echoed",
        arguments: [
            (200, nil), (201, nil), (204, nil),
            (429, EmailDeliveryError.Kind.transient), (500, .transient), (502, .transient), (503, .transient),
            (400, .permanent), (401, .permanent), (403, .permanent), (404, .permanent), (422, .permanent),
            (302, .permanent),
        ] as [(Int, EmailDeliveryError.Kind?)])
    func statusMapping(status: Int, kind: EmailDeliveryError.Kind?) async throws {
        try await Self.withServer { server in
            let transport = try Self.transport(server, path: "/status/\(status)/x")
            guard let kind else {
                try await transport.send(Self.message)
                return
            }
            let error = try await #require(throws: EmailDeliveryError.self) { try await transport.send(Self.message) }
            #expect(error.kind == kind, "\(error)")
            #expect(error.message.contains("answered \(status)"), "\(error)")
            #expect(!error.message.contains("internal-token"), "the response body leaked: \(error)")
            #expect(!error.message.contains("tok-123"))
            #expect(error.message.count < 200)
        }
    }

    @Test("a server that never answers times out (200 ms): transient")
    func timeout() async throws {
        try await Self.withServer { server in
            let transport = try Self.transport(server, path: "/slow/x", timeout: .milliseconds(200))
            let error = try await #require(throws: EmailDeliveryError.self) { try await transport.send(Self.message) }
            #expect(error.kind == .transient, "\(error)")
        }
    }
}

@Suite("Webhook transport, no server")
struct WebhookTransportOfflineTests {
    @Test("a closed port is transient")
    func connectionRefused() async throws {
        let port = try await closedPort()
        let transport = try WebhookTransport(
            url: try #require(URL(string: "http://127.0.0.1:\(port)/mail")), timeout: .seconds(5))
        let error = try await #require(throws: EmailDeliveryError.self) {
            try await transport.send(EmailMessage(from: "a@example.com", to: "b@example.com", subject: "s", text: "t"))
        }
        #expect(error.kind == .transient, "\(error)")
    }

    @Test("https only, http for loopback, no user info")
    func urlRules() throws {
        #expect(throws: EmailTransportConfigurationError.self) {
            try WebhookTransport(url: try #require(URL(string: "http://hooks.example.com/mail")))
        }
        #expect(throws: EmailTransportConfigurationError.self) {
            try WebhookTransport(url: try #require(URL(string: "https://user:pw@hooks.example.com/mail")))
        }
        #expect(throws: EmailTransportConfigurationError.self) {
            try WebhookTransport(url: try #require(URL(string: "ftp://hooks.example.com/mail")))
        }
        #expect(throws: EmailTransportConfigurationError.self) {
            try WebhookTransport(
                url: try #require(URL(string: "https://hooks.example.com/mail")), bearerToken: "has space")
        }
        let transport = try WebhookTransport(
            url: try #require(URL(string: "https://hooks.example.com/mail?secret=1")), bearerToken: "t")
        #expect(transport.name == "webhook+https://hooks.example.com/mail")
    }

    @Test("the JSON body has exactly the five members")
    func body() throws {
        let body = try JSONValue(
            parsing: WebhookTransport.body(
                EmailMessage(from: "a@example.com", to: "b@example.com", subject: "s", text: "t")))
        #expect(body == ["from": "a@example.com", "to": "b@example.com", "subject": "s", "text": "t", "html": nil])
    }
}
