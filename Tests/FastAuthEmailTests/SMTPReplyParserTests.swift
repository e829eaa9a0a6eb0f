import Testing

@testable import FastAuthEmail

@Suite("SMTP reply parser")
struct SMTPReplyParserTests {
    static func replies(_ text: String, chunk: Int? = nil) throws(SMTPReplyParser.Failure) -> [SMTPReply] {
        var parser = SMTPReplyParser()
        var result: [SMTPReply] = []
        let bytes = Array(text.utf8)
        let size = chunk ?? max(bytes.count, 1)
        var index = 0
        repeat {
            parser.append(bytes[index..<min(index + size, bytes.count)])
            index += size
            while let reply = try parser.next() { result.append(reply) }
        } while index < bytes.count
        return result
    }

    @Test("a single-line reply")
    func singleLine() throws {
        #expect(
            try Self.replies("220 mail.example.com ESMTP ready\r\n") == [
                SMTPReply(code: 220, lines: ["mail.example.com ESMTP ready"])
            ])
    }

    @Test("a multi-line reply is one reply, in any chunking")
    func multiLine() throws {
        let text = "250-mail.example.com Hello\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n354 go\r\n"
        let expected = [
            SMTPReply(code: 250, lines: ["mail.example.com Hello", "STARTTLS", "AUTH PLAIN LOGIN", "8BITMIME"]),
            SMTPReply(code: 354, lines: ["go"]),
        ]
        #expect(try Self.replies(text) == expected)
        for chunk in [1, 2, 3, 7, 29] {
            #expect(try Self.replies(text, chunk: chunk) == expected, "chunk \(chunk)")
        }
    }

    @Test("a code without text, a bare LF and an empty continuation text")
    func lenientForms() throws {
        #expect(try Self.replies("250\r\n") == [SMTPReply(code: 250, lines: [""])])
        #expect(try Self.replies("221 bye\n") == [SMTPReply(code: 221, lines: ["bye"])])
        #expect(try Self.replies("250-\r\n250 x\r\n") == [SMTPReply(code: 250, lines: ["", "x"])])
    }

    @Test("incomplete input waits; hasBufferedInput tells")
    func incomplete() throws {
        var parser = SMTPReplyParser()
        parser.append(Array("250-first\r\n250 sec".utf8))
        #expect(try parser.next() == nil)
        #expect(parser.hasBufferedInput)
        parser.append(Array("ond\r\n".utf8))
        #expect(try parser.next() == SMTPReply(code: 250, lines: ["first", "second"]))
        #expect(!parser.hasBufferedInput)
    }

    @Test(
        "malformed lines fail, and the parser stays failed",
        arguments: [
            ("hello\r\n", SMTPReplyParser.Failure.malformedLine),
            ("25\r\n", .malformedLine),
            ("2500 x\r\n", .malformedLine),
            ("650 x\r\n", .malformedLine),
            ("25a x\r\n", .malformedLine),
            ("250_x\r\n", .malformedLine),
            ("250-a\r\n251 b\r\n", .codeMismatch),
        ])
    func malformed(text: String, failure: SMTPReplyParser.Failure) {
        var parser = SMTPReplyParser()
        parser.append(Array(text.utf8))
        #expect(throws: failure) { try parser.next() }
        parser.append(Array("250 ok\r\n".utf8))
        #expect(throws: failure) { try parser.next() }
    }

    @Test("limits: line length (also without a line break yet) and the number of lines")
    func limits() {
        var long = SMTPReplyParser(maxLineBytes: 64)
        long.append(Array(("250 " + String(repeating: "x", count: 100)).utf8))
        #expect(throws: SMTPReplyParser.Failure.lineTooLong) { try long.next() }

        var many = SMTPReplyParser(maxLines: 3)
        many.append(Array("250-a\r\n250-b\r\n250-c\r\n250 d\r\n".utf8))
        #expect(throws: SMTPReplyParser.Failure.tooManyLines) { try many.next() }
    }

    @Test("a summary is one printable line, cut short")
    func summary() {
        let reply = SMTPReply(code: 550, lines: ["5.1.1 no such user \u{1B}[31m", "second"])
        #expect(reply.summary == "550 5.1.1 no such user ?[31m")
        let long = SMTPReply(code: 451, lines: [String(repeating: "y", count: 500)])
        #expect(long.summary.count < 170)
        #expect(SMTPReply(code: 250, lines: [""]).summary == "250")
    }

    @Test("EHLO capabilities: keywords, AUTH mechanisms, the old AUTH= form")
    func capabilities() {
        let reply = SMTPReply(
            code: 250,
            lines: ["mail.example.com greets you", "starttls", "AUTH PLAIN login", "AUTH=CRAM-MD5", "SIZE 1000"])
        let capabilities = SMTPCapabilities(ehlo: reply)
        #expect(capabilities.supportsStartTLS)
        #expect(capabilities.authMechanisms == ["PLAIN", "LOGIN", "CRAM-MD5"])
        #expect(capabilities.keywords == ["STARTTLS", "AUTH", "SIZE"])
        #expect(
            !SMTPCapabilities(ehlo: SMTPReply(code: 250, lines: ["STARTTLS"])).supportsStartTLS,
            "the first line is the greeting")
    }
}
