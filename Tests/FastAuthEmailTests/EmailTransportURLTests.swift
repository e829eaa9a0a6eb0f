import FastAuth
import Foundation
import Testing

@testable import FastAuthEmail

@Suite("FASTAUTH_EMAIL_TRANSPORT")
struct EmailTransportURLTests {
    @Test("log")
    func log() throws {
        #expect(try EmailTransportURL(parsing: "log") == .log)
        #expect(try EmailTransportURL(parsing: " LOG\n") == .log)
        let transport = try EmailTransportURL.log.makeTransport()
        #expect(transport is LogEmailTransport)
        #expect(transport.name == "log" && !transport.deliversMail)
    }

    @Test("smtp://user:pass@host:port — STARTTLS, user and password percent-decoded")
    func smtp() throws {
        let parsed = try EmailTransportURL(
            parsing: "smtp://mailer%40example.com:p%3Ass%2Fw%25rd%20x@Mail.Example.com:2525")
        guard case .smtp(let configuration) = parsed else { Issue.record("\(parsed)"); return }
        #expect(configuration.host == "mail.example.com")
        #expect(configuration.port == 2525)
        #expect(configuration.security == .startTLS)
        #expect(configuration.credentials == .init(username: "mailer@example.com", password: "p:ss/w%rd x"))
        #expect(parsed.description == "smtp://mailer@example.com:<redacted>@mail.example.com:2525")

        let transport = try parsed.makeTransport()
        #expect(transport.name == "smtp://mail.example.com:2525")
        #expect(transport.deliversMail)
    }

    @Test("default ports: 587 for smtp, 465 for smtps; a trailing slash is fine")
    func defaultPorts() throws {
        guard case .smtp(let plain) = try EmailTransportURL(parsing: "smtp://u:p@mail.example.com/") else {
            Issue.record(); return
        }
        #expect(plain.port == 587 && plain.security == .startTLS)
        guard case .smtp(let implicit) = try EmailTransportURL(parsing: "smtps://u:p@mail.example.com") else {
            Issue.record(); return
        }
        #expect(implicit.port == 465 && implicit.security == .implicitTLS)
        #expect(try EmailTransportURL.smtp(implicit).makeTransport().name == "smtps://mail.example.com:465")
        guard case .smtp(let anonymous) = try EmailTransportURL(parsing: "smtp://relay.internal:25") else {
            Issue.record(); return
        }
        #expect(anonymous.credentials == nil && anonymous.port == 25)
    }

    @Test("IPv6 hosts in brackets")
    func ipv6() throws {
        guard case .smtp(let configuration) = try EmailTransportURL(parsing: "smtp://[::1]:1025?starttls=off") else {
            Issue.record(); return
        }
        #expect(
            configuration.host == "::1" && configuration.port == 1025
                && configuration.security == .plaintextLoopbackOnly)
        #expect(try EmailTransportURL.smtp(configuration).makeTransport().name == "smtp://[::1]:1025?starttls=off")
    }

    @Test("starttls=off only for a loopback host and without credentials")
    func starttlsOff() throws {
        for host in ["localhost", "127.0.0.1", "127.1.2.3", "[::1]"] {
            guard case .smtp(let configuration) = try EmailTransportURL(parsing: "smtp://\(host):1025?starttls=off")
            else { Issue.record(); return }
            #expect(configuration.security == .plaintextLoopbackOnly)
        }
        let remote = #expect(throws: EmailTransportConfigurationError.self) {
            try EmailTransportURL(parsing: "smtp://mail.example.com:25?starttls=off")
        }
        #expect(remote?.message.contains("only allowed for a loopback host") == true, "\(String(describing: remote))")
        let credentials = #expect(throws: EmailTransportConfigurationError.self) {
            try EmailTransportURL(parsing: "smtp://user:hunter2@localhost:1025?starttls=off")
        }
        #expect(credentials?.message.contains("never sent without TLS") == true)
        #expect(credentials?.message.contains("hunter2") == false)
        // The transport checks the same, for configurations made in code.
        #expect(throws: EmailTransportConfigurationError.self) {
            try SMTPTransport(.init(host: "mail.example.com", security: .plaintextLoopbackOnly))
        }
        #expect(throws: EmailTransportConfigurationError.self) {
            try SMTPTransport(
                .init(
                    host: "localhost", security: .plaintextLoopbackOnly,
                    credentials: .init(username: "u", password: "p")))
        }
    }

    @Test("webhook+https://host/path?token=… — the token is taken out of the URL")
    func webhook() throws {
        let parsed = try EmailTransportURL(
            parsing: "webhook+https://mail-api.example.com:8443/v1/send?region=eu&token=s3cr%2Bt&x=1")
        guard case .webhook(let url, let token) = parsed else { Issue.record("\(parsed)"); return }
        #expect(url.absoluteString == "https://mail-api.example.com:8443/v1/send?region=eu&x=1")
        #expect(token == "s3cr+t")
        #expect(!parsed.description.contains("s3cr"))
        let transport = try parsed.makeTransport()
        #expect(transport.name == "webhook+https://mail-api.example.com:8443/v1/send")
        #expect(transport is WebhookTransport)

        guard case .webhook(let bare, nil) = try EmailTransportURL(parsing: "webhook+https://hooks.example.com") else {
            Issue.record(); return
        }
        #expect(bare.absoluteString == "https://hooks.example.com/")
        guard case .webhook(let local, _) = try EmailTransportURL(parsing: "webhook+http://127.0.0.1:8080/mail") else {
            Issue.record(); return
        }
        #expect(local.absoluteString == "http://127.0.0.1:8080/mail")
    }

    @Test(
        "malformed values are readable errors, never crashes, never the secret",
        arguments: [
            ("", "empty"),
            ("   ", "empty"),
            ("sendmail", "not a URL"),
            ("ftp://host", "unknown transport scheme"),
            ("https://hooks.example.com", "webhook+https"),
            ("smtp://", "host is missing"),
            ("smtp://:587", "host is missing"),
            ("smtp://user@mail.example.com", "needs a password"),
            ("smtp://:hunter2@mail.example.com", "user name is empty"),
            ("smtp://user:@mail.example.com", "password is empty"),
            ("smtp://user:hunter2%zz@mail.example.com", "two hex digits"),
            ("smtp://user:hunter2%ff@mail.example.com", "UTF-8"),
            ("smtp://user:hunter2%0a@mail.example.com", "control character"),
            ("smtp://user:hunter2@mail.example.com:0", "port"),
            ("smtp://user:hunter2@mail.example.com:65536", "port"),
            ("smtp://user:hunter2@mail.example.com:58x", "port"),
            ("smtp://user:hunter2@mail.example.com:", "port"),
            ("smtp://user:hunter2@mail.example.com:99999999999999999999", "port"),
            ("smtp://user:hunter2@::1:25", "brackets"),
            ("smtp://user:hunter2@[::1:25", "closing ]"),
            ("smtp://user:hunter2@[mail]:25", "IPv6"),
            ("smtp://user:hunter2@[::1]x", "after the IPv6"),
            ("smtp://user:hunter2@mail.example.com/path", "path"),
            ("smtp://user:hunter2@mail.example.com#frag", "fragment"),
            ("smtp://user:hunter2@mail.example.com?tls=off", "unknown parameter"),
            ("smtp://user:hunter2@mail.example.com?starttls=maybe", "on or off"),
            ("smtp://localhost?starttls=off&starttls=off", "twice"),
            ("smtps://user:hunter2@mail.example.com?starttls=off", "implicit TLS"),
            ("smtp://user:hunter2@mail_ex!ample.com", "valid host"),
            ("smtp://user:hunter2@mail.example.com\u{0}", "control character"),
            ("smtp://us er:hunter2@mail.example.com", "space"),
            ("smtp://üser:hunter2@mail.example.com", "non-ASCII"),
            ("webhook+ftp://x", "webhook+https"),
            ("webhook+", "webhook+https"),
            ("webhook+https://", "host is missing"),
            ("webhook+http://hooks.example.com/mail", "loopback"),
            ("webhook+https://user:hunter2@hooks.example.com/mail", "?token="),
            ("webhook+https://hooks.example.com/mail?token=", "token is empty"),
            ("webhook+https://hooks.example.com/mail?token=hunter2&token=hunter2", "twice"),
            ("webhook+https://hooks.example.com/mail?token=hunter2%", "two hex digits"),
            ("webhook+https://hooks.example.com/mail?token=hunter2%20", "printable ASCII"),
            ("webhook+https://hooks.example.com/mail#x", "fragment"),
            ("webhook+https://hooks.example.com:99999/mail", "port"),
        ])
    func malformed(value: String, expected: String) {
        let error = #expect(throws: EmailTransportConfigurationError.self) { try EmailTransportURL(parsing: value) }
        let message = error?.message ?? ""
        #expect(message.contains(expected), "\(value.debugDescription): \(message)")
        #expect(!message.contains("hunter2"), "\(value.debugDescription): \(message)")
    }

    @Test("fromEnvironment: unset is nil, an error names the variable")
    func environment() throws {
        #expect(try EmailTransportURL.fromEnvironment([:]) == nil)
        #expect(try EmailTransportURL.fromEnvironment(["FASTAUTH_EMAIL_TRANSPORT": "log"]) == .log)
        let error = #expect(throws: EmailTransportConfigurationError.self) {
            try EmailTransportURL.fromEnvironment(["FASTAUTH_EMAIL_TRANSPORT": "smtp://"])
        }
        #expect(error?.message.hasPrefix("FASTAUTH_EMAIL_TRANSPORT: ") == true)
    }

    @Test("descriptions and mirrors never show a password")
    func redaction() throws {
        let parsed = try EmailTransportURL(parsing: "smtps://mailer:hunter2@mail.example.com")
        #expect(!"\(parsed)".contains("hunter2"))
        #expect(!String(reflecting: parsed).contains("hunter2"))
        var dumped = ""
        dump(parsed, to: &dumped)
        #expect(!dumped.contains("hunter2"), "\(dumped)")
        guard case .smtp(let configuration) = parsed else { Issue.record(); return }
        #expect(!"\(configuration)".contains("hunter2"))
        var dumpedConfiguration = ""
        dump(configuration, to: &dumpedConfiguration)
        #expect(!dumpedConfiguration.contains("hunter2"), "\(dumpedConfiguration)")
    }

    @Test("an extra CA file that cannot be read is a configuration error")
    func unreadableCA() {
        let error = #expect(throws: EmailTransportConfigurationError.self) {
            try EmailTransportURL(parsing: "smtps://u:p@mail.example.com").makeTransport(
                extraCACertificatePath: "/nonexistent/ca.pem")
        }
        #expect(error?.message.contains("/nonexistent/ca.pem") == true)
    }

    @Test("loopback hosts")
    func loopback() {
        for host in ["localhost", "LOCALHOST", "127.0.0.1", "127.255.0.9", "::1", "[::1]"] {
            #expect(isLoopbackHost(host), "\(host)")
        }
        for host in ["example.com", "10.0.0.1", "128.0.0.1", "::2", "localhost.example.com", "0.0.0.0", ""] {
            #expect(!isLoopbackHost(host), "\(host)")
        }
    }
}
