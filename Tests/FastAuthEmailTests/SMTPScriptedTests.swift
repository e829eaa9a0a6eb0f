import FastAuth
import Foundation
import Testing

@testable import FastAuthEmail

/// SMTPTransport against an in-process scripted peer (no Python): the wire format, HELO
/// fallback, reply mapping, timeouts, closed ports and STARTTLS edge cases.
@Suite("SMTP against a scripted peer")
struct SMTPScriptedTests {
    static func plaintext(
        port: Int, commandTimeout: Duration = .seconds(10), connectTimeout: Duration = .seconds(5)
    ) throws -> SMTPTransport {
        try SMTPTransport(
            SMTPTransport.Configuration(
                host: "127.0.0.1", port: port, security: .plaintextLoopbackOnly, heloName: "client.test",
                connectTimeout: connectTimeout, commandTimeout: commandTimeout))
    }

    static let message = EmailMessage(
        from: "no-reply@auth.example.com", to: "ada@example.org", subject: "Hello",
        text: "first\n.dot line\n..\n.\nlast")

    @Test("the dialogue on the wire: EHLO, MAIL FROM, RCPT TO, DATA with dot-stuffing, the final dot, QUIT")
    func wireDialogue() async throws {
        try await ScriptedSMTPServer.with(greeting: "220 scripted.test ESMTP\r\n", respond: acceptingScript()) {
            server in
            try await Self.plaintext(port: server.port).send(Self.message)
            let lines = server.lines
            #expect(lines.first == "EHLO client.test")
            #expect(lines.dropFirst().first == "MAIL FROM:<no-reply@auth.example.com>")
            #expect(lines.dropFirst(2).first == "RCPT TO:<ada@example.org>")
            #expect(lines.dropFirst(3).first == "DATA")
            #expect(lines.last == "QUIT")
            let data = Array(lines.drop { $0 != "DATA" }.dropFirst().prefix { $0 != "QUIT" })
            #expect(data.last == ".")
            #expect(data.contains("first"))
            #expect(data.contains("..dot line"))
            #expect(data.contains("..."))
            #expect(data.contains(".."))
            #expect(data.filter { $0 == "." }.count == 1, "only the terminating dot is a lone dot: \(data)")
            #expect(data.contains("Subject: Hello"))
            #expect(!data.contains { $0.hasPrefix("AUTH") })
        }
    }

    @Test("a server that does not know EHLO gets HELO")
    func heloFallback() async throws {
        let script = acceptingScript(["EHLO": "502 5.5.1 EHLO not implemented\r\n"])
        try await ScriptedSMTPServer.with(greeting: "220 old.test SMTP\r\n", respond: script) { server in
            try await Self.plaintext(port: server.port).send(Self.message)
            #expect(
                Array(server.lines.prefix(3)) == [
                    "EHLO client.test", "HELO client.test", "MAIL FROM:<no-reply@auth.example.com>",
                ])
        }
    }

    @Test("multi-line replies are read whole, whatever their split")
    func multiLineGreeting() async throws {
        let greeting = "220-scripted.test first line\r\n220-second line\r\n220 last line\r\n"
        try await ScriptedSMTPServer.with(greeting: greeting, respond: acceptingScript()) { server in
            try await Self.plaintext(port: server.port).send(Self.message)
            #expect(server.lines.last == "QUIT")
        }
    }

    @Test(
        "reply mapping: 4xx is transient, 5xx permanent, at each step",
        arguments: [
            ("GREETING", "421 4.3.2 try later\r\n", EmailDeliveryError.Kind.transient),
            ("GREETING", "554 5.3.2 no service\r\n", .permanent),
            ("MAIL FROM", "451 4.3.0 local error\r\n", .transient),
            ("MAIL FROM", "553 5.1.8 sender refused\r\n", .permanent),
            ("RCPT TO", "450 4.2.1 mailbox busy\r\n", .transient),
            ("RCPT TO", "550 5.1.1 no such user\r\n", .permanent),
            ("DATA", "452 4.3.1 insufficient storage\r\n", .transient),
            ("<END OF DATA>", "552 5.3.4 message too big\r\n", .permanent),
            ("<END OF DATA>", "451 4.7.1 greylisted\r\n", .transient),
            ("MAIL FROM", "250 ok\r\n354 out of order\r\n", .transient),
        ])
    func replyMapping(step: String, answer: String, kind: EmailDeliveryError.Kind) async throws {
        let greeting = step == "GREETING" ? answer : "220 scripted.test\r\n"
        let script = acceptingScript(step == "GREETING" ? [:] : [step: answer])
        try await ScriptedSMTPServer.with(greeting: greeting, respond: script) { server in
            let transport = try Self.plaintext(port: server.port, commandTimeout: .seconds(5))
            if answer.contains("354 out of order") {
                // An extra reply the client did not ask for desynchronises the dialogue: RCPT TO
                // reads the stray 354, which is out of protocol.
                let error = try await #require(throws: EmailDeliveryError.self) {
                    try await transport.send(Self.message)
                }
                #expect(error.kind == kind, "\(error)")
                return
            }
            let error = try await #require(throws: EmailDeliveryError.self) { try await transport.send(Self.message) }
            #expect(error.kind == kind, "\(error)")
            let code = String(answer.prefix(3))
            #expect(error.message.contains(code), "\(error)")
            if step != "GREETING" { #expect(server.lines.last == "QUIT", "a refusal is followed by a polite QUIT") }
        }
    }

    @Test("a closed port is a transient error")
    func connectionRefused() async throws {
        let port = try await closedPort()
        let error = try await #require(throws: EmailDeliveryError.self) {
            try await Self.plaintext(port: port).send(Self.message)
        }
        #expect(error.kind == .transient)
        #expect(error.message.contains("could not connect"), "\(error)")
    }

    @Test("a server that accepts the connection and never answers times out (200 ms), transient")
    func silentServer() async throws {
        try await ScriptedSMTPServer.with(greeting: nil, respond: { _ in nil }) { server in
            let transport = try Self.plaintext(port: server.port, commandTimeout: .milliseconds(200))
            let error = try await #require(throws: EmailDeliveryError.self) { try await transport.send(Self.message) }
            #expect(error.kind == .transient)
            #expect(error.message.contains("timed out after 200 ms waiting for the greeting"), "\(error)")
        }
    }

    @Test("a server that goes silent after its greeting times out on the next command")
    func silentAfterGreeting() async throws {
        try await ScriptedSMTPServer.with(greeting: "220 hello\r\n", respond: { _ in nil }) { server in
            let transport = try Self.plaintext(port: server.port, commandTimeout: .milliseconds(200))
            let error = try await #require(throws: EmailDeliveryError.self) { try await transport.send(Self.message) }
            #expect(error.kind == .transient)
            #expect(error.message.contains("waiting for EHLO"), "\(error)")
        }
    }

    @Test("garbage instead of a reply is a transient protocol error")
    func garbageReply() async throws {
        try await ScriptedSMTPServer.with(greeting: "HTTP/1.1 400 Bad Request\r\n", respond: { _ in nil }) { server in
            let error = try await #require(throws: EmailDeliveryError.self) {
                try await Self.plaintext(port: server.port).send(Self.message)
            }
            #expect(error.kind == .transient)
            #expect(error.message.contains("malformed reply"), "\(error)")
        }
    }

    @Test("STARTTLS required: a server without it gets nothing but EHLO (and QUIT)")
    func startTLSRequired() async throws {
        try await ScriptedSMTPServer.with(greeting: "220 plain.test\r\n", respond: acceptingScript()) { server in
            let transport = try SMTPTransport(
                SMTPTransport.Configuration(
                    host: "127.0.0.1", port: server.port, security: .startTLS,
                    credentials: .init(username: "user", password: "secret"), heloName: "client.test"))
            let error = try await #require(throws: EmailDeliveryError.self) { try await transport.send(Self.message) }
            #expect(error.kind == .permanent)
            #expect(server.lines == ["EHLO client.test", "QUIT"])
        }
    }

    @Test("plaintext injected after the 220 to STARTTLS is refused (and no credentials follow)")
    func startTLSInjection() async throws {
        let script = acceptingScript([
            "EHLO": "250-scripted.test\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n",
            "STARTTLS": "220 2.0.0 go ahead\r\n250-injected\r\n250 AUTH PLAIN\r\n",
        ])
        try await ScriptedSMTPServer.with(greeting: "220 evil.test\r\n", respond: script) { server in
            let transport = try SMTPTransport(
                SMTPTransport.Configuration(
                    host: "127.0.0.1", port: server.port, security: .startTLS,
                    credentials: .init(username: "user", password: "secret"), heloName: "client.test",
                    commandTimeout: .seconds(5)))
            let error = try await #require(throws: EmailDeliveryError.self) { try await transport.send(Self.message) }
            #expect(error.kind == .transient)
            #expect(error.message.contains("plaintext after agreeing to STARTTLS"), "\(error)")
            #expect(!server.lines.contains { $0.hasPrefix("AUTH") })
        }
    }

    @Test("a header with a line break is refused before connecting: permanent")
    func headerInjectionRefusedBeforeConnecting() async throws {
        let port = try await closedPort()
        let transport = try Self.plaintext(port: port)
        var message = Self.message
        message.subject = "Hello\r\nBcc: victim@example.org"
        let error = try await #require(throws: EmailDeliveryError.self) { try await transport.send(message) }
        #expect(error.kind == .permanent)
        #expect(error.message.contains("header injection"))
    }
}
