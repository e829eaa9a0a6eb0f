import FastAuth
import FastAuthEmail
import Foundation
import Testing

/// SMTPTransport against a real SMTP server: aiosmtpd (Tests/E2E/smtp_server.py) on loopback,
/// with a throwaway CA, STARTTLS or implicit TLS, and AUTH required. What it saved is read back
/// with Python's `email` package (Tests/E2E/parse_email.py).
@Suite("SMTP against aiosmtpd", .enabled(if: EmailInterop.smtpEnabled, EmailInterop.smtpSkipMessage))
struct SMTPInteropTests {
    static let link = "https://auth.example.com/auth/reset-password?token=AbC-_123"
    static let longLine = String(repeating: "0123456789abcdef ", count: 120) + "end-of-long-line"
    static let subject = "Réinitialisez votre mot de passe — FastAuth ✓ 日本語の件名"
    static let text = """
        Bonjour,

        Open this link to choose a new password:
        \(link)
        .a line that starts with a dot
        .
        ..two dots
        \(longLine)
        trailing spaces stay   
        équations: a=b, 100% = 1
        """
    static let html = """
        <p>Bonjour,</p>
        <p><a href="\(link)">Choose a new password</a></p>
        <p>Ünïcödé ✓</p>
        """

    static func transport(
        port: Int, security: SMTPTransport.Security = .startTLS, password: String = TestSMTPServer.password,
        ca: String?, host: String = "127.0.0.1"
    ) throws -> SMTPTransport {
        try SMTPTransport(
            SMTPTransport.Configuration(
                host: host, port: port, security: security,
                credentials: .init(username: TestSMTPServer.user, password: password),
                connectTimeout: .seconds(5), commandTimeout: .seconds(10), extraCACertificatePath: ca))
    }

    static func message(html: String? = Self.html) -> EmailMessage {
        EmailMessage(
            from: "FastAuth Sécurité <no-reply@auth.example.com>", to: "Ada Lovelace <ada@example.org>",
            subject: subject, text: text, html: html)
    }

    @Test(
        "STARTTLS, AUTH PLAIN, multipart/alternative: headers, both parts, UTF-8 subject, dot lines, a long line and the link survive"
    )
    func multipartOverSTARTTLS() async throws {
        try await TestSMTPServer.with(mode: "starttls") { server in
            let transport = try Self.transport(port: server.port, ca: server.caPath, host: "localhost")
            try await transport.send(Self.message())

            let saved = server.savedMessages
            try #require(saved.count == 1, "saved: \(saved), server stderr: \(server.stderr)")
            let parsed = try await EmailInterop.parseMessage(saved[0])
            let headers = try #require(parsed["headers"])
            #expect(headers["Subject"] == .string(Self.subject))
            #expect(headers["From"] == "FastAuth Sécurité <no-reply@auth.example.com>")
            #expect(headers["To"] == "Ada Lovelace <ada@example.org>")
            #expect(headers["MIME-Version"] == "1.0")
            #expect(headers["Date"]?.stringValue?.hasSuffix("+0000") == true)
            let messageID = try #require(headers["Message-ID"]?.stringValue)
            #expect(messageID.hasPrefix("<") && messageID.hasSuffix("@auth.example.com>"), "\(messageID)")
            #expect(parsed["raw_headers"]?["Subject"]?.stringValue?.hasPrefix("=?UTF-8?B?") == true)
            #expect(parsed["content_type"] == "multipart/alternative")
            #expect(parsed["defects"] == [], "\(parsed.jsonString)")

            let parts = try #require(parsed["parts"]?.arrayValue)
            try #require(parts.count == 2)
            #expect(parts[0]["content_type"] == "text/plain")
            #expect(parts[0]["charset"] == "utf-8")
            #expect(parts[0]["transfer_encoding"] == "quoted-printable")
            #expect(parts[0]["body"] == .string(Self.text))
            #expect(parts[1]["content_type"] == "text/html")
            #expect(parts[1]["body"] == .string(Self.html))
            let body = try #require(parts[0]["body"]?.stringValue)
            #expect(body.contains("\n" + Self.link + "\n"))
            #expect(body.contains("\n.a line that starts with a dot\n.\n..two dots\n"))
            #expect(body.contains(Self.longLine))
            #expect(parts[1]["body"]?.stringValue?.contains("href=\"\(Self.link)\"") == true)

            #expect((parsed["max_line_bytes"]?.intValue ?? 999) <= 78)
            #expect(parsed["bare_lf"] == 0 && parsed["bare_cr"] == 0)
            #expect(parsed["eight_bit"] == false)

            let envelope = try #require(server.json("1.json"))
            #expect(envelope["mail_from"] == "no-reply@auth.example.com")
            #expect(envelope["rcpt_tos"] == ["ada@example.org"])
            #expect(envelope["tls"] == true)
            #expect(server.authAttempts == [["mechanism": "PLAIN", "login": "mailer", "ok": true]])
        }
    }

    @Test("a message without HTML is a single text/plain part")
    func textOnly() async throws {
        try await TestSMTPServer.with(mode: "starttls") { server in
            let transport = try Self.transport(port: server.port, ca: server.caPath)
            try await transport.send(Self.message(html: nil))
            let saved = try #require(server.savedMessages.first, "\(server.stderr)")
            let parsed = try await EmailInterop.parseMessage(saved)
            #expect(parsed["is_multipart"] == false)
            #expect(parsed["content_type"] == "text/plain")
            #expect(parsed["parts"]?.arrayValue?.count == 1)
            #expect(parsed["parts"]?.arrayValue?.first?["body"] == .string(Self.text + "\n"))
            #expect(parsed["headers"]?["Subject"] == .string(Self.subject))
        }
    }

    @Test("implicit TLS (smtps) delivers")
    func implicitTLS() async throws {
        try await TestSMTPServer.with(mode: "implicit") { server in
            let transport = try Self.transport(port: server.port, security: .implicitTLS, ca: server.caPath)
            try await transport.send(Self.message())
            let saved = try #require(server.savedMessages.first, "\(server.stderr)")
            let parsed = try await EmailInterop.parseMessage(saved)
            #expect(parsed["headers"]?["Subject"] == .string(Self.subject))
            #expect(parsed["parts"]?.arrayValue?.count == 2)
            #expect(server.authAttempts.first?["ok"] == true)
        }
    }

    @Test("AUTH LOGIN when the server does not offer PLAIN")
    func authLogin() async throws {
        try await TestSMTPServer.with(mode: "starttls", extraArguments: ["--exclude-mechanism", "PLAIN"]) { server in
            let transport = try Self.transport(port: server.port, ca: server.caPath)
            try await transport.send(Self.message())
            #expect(server.savedMessages.count == 1, "\(server.stderr)")
            #expect(server.authAttempts == [["mechanism": "LOGIN", "login": "mailer", "ok": true]])
        }
    }

    @Test("a wrong password is a permanent error and nothing is delivered")
    func wrongPassword() async throws {
        try await TestSMTPServer.with(mode: "starttls") { server in
            let transport = try Self.transport(port: server.port, password: "wrong", ca: server.caPath)
            let error = try await #require(throws: EmailDeliveryError.self) { try await transport.send(Self.message()) }
            #expect(error.kind == .permanent, "\(error)")
            #expect(error.message.contains("535"), "\(error)")
            #expect(!error.message.contains("wrong"))
            #expect(server.savedMessages.isEmpty)
            #expect(server.authAttempts.first?["ok"] == false)
        }
    }

    @Test("smtp:// to a server without STARTTLS: refused before AUTH, though the server offers AUTH in plaintext")
    func noSTARTTLS() async throws {
        try await TestSMTPServer.with(mode: "none") { server in
            let transport = try Self.transport(port: server.port, ca: server.caPath)
            let error = try await #require(throws: EmailDeliveryError.self) { try await transport.send(Self.message()) }
            #expect(error.kind == .permanent)
            #expect(error.message.contains("STARTTLS"), "\(error)")
            #expect(server.authAttempts.isEmpty, "credentials were sent without TLS")
            #expect(server.savedMessages.isEmpty)
        }
    }

    @Test("a server that advertises STARTTLS but answers it with 454: transient, no AUTH")
    func refusedSTARTTLS() async throws {
        try await TestSMTPServer.with(mode: "refuse-starttls") { server in
            let transport = try Self.transport(port: server.port, ca: server.caPath)
            let error = try await #require(throws: EmailDeliveryError.self) { try await transport.send(Self.message()) }
            #expect(error.kind == .transient)
            #expect(error.message.contains("454"), "\(error)")
            #expect(server.authAttempts.isEmpty, "credentials were sent without TLS")
            #expect(server.savedMessages.isEmpty)
        }
    }

    @Test("a certificate that does not chain to a trusted root: the TLS handshake fails, no AUTH")
    func untrustedCertificate() async throws {
        try await TestSMTPServer.with(mode: "starttls") { server in
            let transport = try Self.transport(port: server.port, ca: nil)
            let error = try await #require(throws: EmailDeliveryError.self) { try await transport.send(Self.message()) }
            #expect(error.kind == .transient)
            #expect(error.message.contains("TLS"), "\(error)")
            #expect(server.authAttempts.isEmpty)
            #expect(server.savedMessages.isEmpty)
        }
    }

    @Test("the certificate must name the host: a name it does not carry fails")
    func wrongHostName() async throws {
        try await TestSMTPServer.with(mode: "implicit", extraArguments: ["--cert-names", "mail.example.test"]) {
            server in
            let transport = try Self.transport(port: server.port, security: .implicitTLS, ca: server.caPath)
            let error = try await #require(throws: EmailDeliveryError.self) { try await transport.send(Self.message()) }
            #expect(error.kind == .transient, "\(error)")
            #expect(error.message.contains("TLS"), "\(error)")
            #expect(server.authAttempts.isEmpty)
        }
    }

    @Test("several messages in a row, each on its own connection, parsed intact")
    func severalMessages() async throws {
        try await TestSMTPServer.with(mode: "starttls") { server in
            let transport = try Self.transport(port: server.port, ca: server.caPath)
            for index in 1...3 {
                try await transport.send(
                    EmailMessage(
                        from: "no-reply@auth.example.com", to: "user\(index)@example.org", subject: "Message \(index)",
                        text: "Body \(index)"))
            }
            #expect(server.savedMessages.count == 3)
            #expect(server.json("3.json")?["rcpt_tos"] == ["user3@example.org"])
            #expect(server.authAttempts.count == 3)
        }
    }
}
