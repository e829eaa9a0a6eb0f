import FastAuth
import Foundation
import Testing

@testable import FastAuthEmail

@Suite("MIME building")
struct MIMEBuilderTests {
    static let fixedDate = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18

    static func built(_ message: EmailMessage) throws -> String {
        String(
            decoding: try MIMEBuilder.build(message, date: fixedDate, messageIDToken: "id1", boundaryToken: "b1"),
            as: UTF8.self)
    }

    /// Decodes quoted-printable lines (test-side, independent of the encoder).
    static func decodeQP(_ lines: [String]) -> String {
        var bytes: [UInt8] = []
        for (index, line) in lines.enumerated() {
            var chars = Array(line.utf8)
            let soft = chars.last == UInt8(ascii: "=")
            if soft { chars.removeLast() }
            var i = 0
            while i < chars.count {
                if chars[i] == UInt8(ascii: "="), i + 2 < chars.count,
                    let value = UInt8(String(decoding: chars[(i + 1)...(i + 2)], as: UTF8.self), radix: 16)
                {
                    bytes.append(value)
                    i += 3
                } else {
                    bytes.append(chars[i])
                    i += 1
                }
            }
            if !soft && index < lines.count - 1 { bytes.append(UInt8(ascii: "\n")) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("a text-only message: the headers in order, one quoted-printable part, CRLF everywhere")
    func textOnly() throws {
        let text = try Self.built(
            EmailMessage(from: "no-reply@auth.example.com", to: "ada@example.org", subject: "Hi", text: "Hello"))
        #expect(
            text == """
                Date: Wed, 18 Nov 2026 11:06:40 +0000\r
                Message-ID: <id1@auth.example.com>\r
                From: no-reply@auth.example.com\r
                To: ada@example.org\r
                Subject: Hi\r
                MIME-Version: 1.0\r
                Content-Type: text/plain; charset=UTF-8\r
                Content-Transfer-Encoding: quoted-printable\r
                \r
                Hello\r

                """)
    }

    @Test("with HTML: multipart/alternative, text first, the closing boundary")
    func multipart() throws {
        let text = try Self.built(
            EmailMessage(
                from: "FastAuth <no-reply@auth.example.com>", to: "ada@example.org", subject: "Hi", text: "Plain",
                html: "<b>Rich</b>"))
        #expect(text.contains("From: FastAuth <no-reply@auth.example.com>\r\n"))
        #expect(text.contains("Content-Type: multipart/alternative;\r\n boundary=\"=_FastAuth_b1\"\r\n"))
        let plain = try #require(text.range(of: "--=_FastAuth_b1\r\nContent-Type: text/plain; charset=UTF-8\r\n"))
        let html = try #require(text.range(of: "--=_FastAuth_b1\r\nContent-Type: text/html; charset=UTF-8\r\n"))
        #expect(plain.lowerBound < html.lowerBound)
        #expect(text.hasSuffix("<b>Rich</b>\r\n--=_FastAuth_b1--\r\n"))
    }

    @Test(
        "CR or LF in any header value is refused (permanent), never cleaned up",
        arguments: [
            EmailMessage(from: "a@example.com", to: "b@example.com", subject: "Hi\r\nBcc: c@example.com", text: "x"),
            EmailMessage(from: "a@example.com", to: "b@example.com", subject: "Hi\nthere", text: "x"),
            EmailMessage(from: "a@example.com", to: "b@example.com", subject: "Hi\rthere", text: "x"),
            EmailMessage(from: "a@example.com\r\nBcc: c@example.com", to: "b@example.com", subject: "Hi", text: "x"),
            EmailMessage(from: "Evil\n <a@example.com>", to: "b@example.com", subject: "Hi", text: "x"),
            EmailMessage(from: "a@example.com", to: "b@example.com\r\n", subject: "Hi", text: "x"),
            EmailMessage(from: "a@example.com", to: "b@example.com", subject: "Hi\u{0}", text: "x"),
        ])
    func headerInjection(message: EmailMessage) {
        let error = #expect(throws: EmailDeliveryError.self) { try MIMEBuilder.build(message) }
        #expect(error?.kind == .permanent)
        #expect(error?.message.contains("header injection") == true, "\(String(describing: error))")
    }

    @Test(
        "malformed addresses are permanent errors",
        arguments: [
            "", "no-at-sign", "@example.com", "a@", "a b@example.com", "a@b@", "<a@example.com", "Name <>",
            "a@.example.com",
            "ünïcode@example.com", String(repeating: "a", count: 65) + "@example.com",
        ])
    func malformedAddress(address: String) {
        let error = #expect(throws: EmailDeliveryError.self) {
            try MIMEBuilder.build(EmailMessage(from: "a@example.com", to: address, subject: "Hi", text: "x"))
        }
        #expect(error?.kind == .permanent)
    }

    @Test("display names: plain words as is, specials quoted, non-ASCII as encoded-words")
    func displayNames() throws {
        #expect(
            MIMEBuilder.header("From", mailbox: try Mailbox(parsing: "FastAuth <a@example.com>", field: "From"))
                == "From: FastAuth <a@example.com>")
        #expect(
            MIMEBuilder.header(
                "From", mailbox: try Mailbox(parsing: "\"Doe, John \\\"JD\\\"\" <a@example.com>", field: "From"))
                == "From: \"Doe, John \\\"JD\\\"\" <a@example.com>")
        #expect(
            MIMEBuilder.header("From", mailbox: try Mailbox(parsing: "Sécurité <a@example.com>", field: "From"))
                == "From: =?UTF-8?B?U8OpY3VyaXTDqQ==?= <a@example.com>")
        let bare = try Mailbox(parsing: " <a@example.com> ", field: "To")
        #expect(bare.displayName == nil && bare.address == "a@example.com")
    }

    @Test("RFC 2047: non-ASCII subjects become encoded-words of at most 75 characters that never split a character")
    func encodedWords() throws {
        let subject = String(repeating: "Réinitialisation 日本語 ✓ 🎉 ", count: 6)
        let header = MIMEBuilder.header("Subject", unstructured: subject)
        let lines = header.components(separatedBy: "\r\n")
        #expect(lines.count > 1)
        var decoded = ""
        for (index, line) in lines.enumerated() {
            let word = index == 0 ? String(line.dropFirst("Subject: ".count)) : String(line.dropFirst())
            if index > 0 { #expect(line.hasPrefix(" ")) }
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let base64 = String(word.dropFirst(10).dropLast(2))
            let bytes = try #require(Data(base64Encoded: base64))
            let piece = try #require(String(data: bytes, encoding: .utf8), "a word split a UTF-8 sequence")
            decoded += piece
        }
        #expect(decoded == subject)
        #expect(MIMEBuilder.header("Subject", unstructured: "Plain ASCII") == "Subject: Plain ASCII")
        #expect(MIMEBuilder.header("Subject", unstructured: "looks =?like?= a word").hasPrefix("Subject: =?UTF-8?B?"))
        #expect(MIMEBuilder.header("Subject", unstructured: "") == "Subject: ")
    }

    @Test("quoted-printable: = and non-ASCII escaped, trailing space kept, lines of at most 76, decodes back")
    func quotedPrintable() {
        #expect(MIMEBuilder.quotedPrintable("a=b") == ["a=3Db"])
        #expect(MIMEBuilder.quotedPrintable("é") == ["=C3=A9"])
        #expect(MIMEBuilder.quotedPrintable("end \nnext\t") == ["end=20", "next=09"])
        #expect(MIMEBuilder.quotedPrintable("a\r\nb\rc\nd") == ["a", "b", "c", "d"])
        let link = "https://auth.example.com/auth/reset-password?token=AbC-_123"
        let text =
            String(repeating: "wörd ", count: 400) + "\n" + link + "\n" + String(repeating: "x", count: 76) + "\n"
            + String(repeating: "=", count: 30)
        let lines = MIMEBuilder.quotedPrintable(text)
        #expect(lines.allSatisfy { $0.utf8.count <= 76 }, "\(lines.map(\.count).max() ?? 0)")
        #expect(lines.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } })
        #expect(lines.allSatisfy { !$0.hasSuffix(" ") && !$0.hasSuffix("\t") })
        #expect(Self.decodeQP(lines) == text)
    }

    @Test("dot-stuffing: every line that starts with a dot gets another, then the terminator")
    func dotStuffing() {
        let stuffed = MIMEBuilder.dotStuffed(Array("a\r\n.b\r\n.\r\n..\r\nc.d\r\n".utf8))
        #expect(String(decoding: stuffed, as: UTF8.self) == "a\r\n..b\r\n..\r\n...\r\nc.d\r\n.\r\n")
        #expect(String(decoding: MIMEBuilder.dotStuffed(Array(".x".utf8)), as: UTF8.self) == "..x\r\n.\r\n")
    }

    @Test("no built line is over 998 bytes, whatever the input")
    func lineLimit() throws {
        let message = EmailMessage(
            from: String(repeating: "Ñame ", count: 200) + "<a@example.com>", to: "b@example.com",
            subject: String(repeating: "x", count: 3000), text: String(repeating: "y", count: 5000),
            html: String(repeating: "<p>z</p>", count: 1000))
        let text = try Self.built(message)
        #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 })
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }

    @Test("header lines are folded to at most 78 characters")
    func folding() throws {
        let message = EmailMessage(
            from: "\"The FastAuth Account Security Team, Example Corporation\" <no-reply@auth.example.com>",
            to: "Ada Augusta King, Countess of Lovelace <ada.lovelace@analytical-engine.example.org>",
            subject: String(repeating: "A long plain subject line ", count: 5) + "Ünïcode "
                + String(repeating: "日本", count: 30),
            text: "x", html: "<p>x</p>")
        let text = try Self.built(message)
        let headers = text.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
        #expect(headers.allSatisfy { $0.utf8.count <= 78 }, "\(headers.filter { $0.utf8.count > 78 })")
        #expect(
            headers.contains {
                $0.hasPrefix(" <ada.lovelace@analytical-engine.example.org>")
                    || $0.hasSuffix("<ada.lovelace@analytical-engine.example.org>")
            })
        let quoted = try Mailbox(parsing: #""Doe \"JD\" \\ x" <a@example.com>"#, field: "From")
        #expect(quoted.displayName == #"Doe "JD" \ x"#)
    }

    @Test(
        "RFC 5322 dates in UTC",
        arguments: [
            (0.0, "Thu, 01 Jan 1970 00:00:00 +0000"),
            (951_782_400, "Tue, 29 Feb 2000 00:00:00 +0000"),
            (1_795_000_000, "Wed, 18 Nov 2026 11:06:40 +0000"),
            (-1, "Wed, 31 Dec 1969 23:59:59 +0000"),
            (4_102_444_799, "Thu, 31 Dec 2099 23:59:59 +0000"),
        ])
    func dates(seconds: Double, expected: String) {
        #expect(MIMEBuilder.rfc5322Date(Date(timeIntervalSince1970: seconds)) == expected)
    }
}
