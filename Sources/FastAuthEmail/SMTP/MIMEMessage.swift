package import FastAuth
package import Foundation

/// A mailbox of a header: an address with an optional display name
/// (`FastAuth <no-reply@auth.example.com>` or `no-reply@auth.example.com`).
package struct Mailbox: Sendable, Hashable {
    package var displayName: String?
    /// The addr-spec, `local@domain`: printable ASCII without spaces or the specials that would
    /// need quoting (quoted local parts and internationalised addresses are not supported).
    package var address: String

    /// Parses `Name <local@domain>`, `"Name" <local@domain>`, `<local@domain>` or
    /// `local@domain`. Throws a permanent ``EmailDeliveryError`` for anything else, and for
    /// any control character (CR and LF included: header injection).
    package init(parsing text: String, field: String) throws(EmailDeliveryError) {
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw EmailDeliveryError(
                .permanent,
                "the \(field) address contains a line break or another control character (refused: header injection)")
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var address = trimmed
        var name: String?
        if trimmed.hasSuffix(">") {
            guard let open = trimmed.lastIndex(of: "<") else {
                throw EmailDeliveryError(.permanent, "the \(field) address is malformed")
            }
            address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            var display = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            if display.count >= 2, display.hasPrefix("\""), display.hasSuffix("\"") {
                // A quoted-string: a backslash escapes the character after it.
                var unquoted = ""
                var escaped = false
                for character in display.dropFirst().dropLast() {
                    if !escaped && character == "\\" {
                        escaped = true
                        continue
                    }
                    unquoted.append(character)
                    escaped = false
                }
                display = unquoted
            }
            name = display.isEmpty ? nil : display
        }
        guard Self.isValidAddress(address) else {
            throw EmailDeliveryError(
                .permanent,
                "the \(field) address is not a plain local@domain address (printable ASCII, one @, at most 254 characters)"
            )
        }
        self.displayName = name
        self.address = address
    }

    static func isValidAddress(_ address: String) -> Bool {
        let bytes = Array(address.utf8)
        guard !bytes.isEmpty, bytes.count <= 254 else { return false }
        let forbidden = Set("<>()[],;:\\\" ".utf8)
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F && !forbidden.contains($0) }) else { return false }
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")), at > 0, at < bytes.count - 1 else { return false }
        let domain = bytes[(at + 1)...]
        guard !domain.contains(UInt8(ascii: "@")), domain.first != UInt8(ascii: "."), domain.last != UInt8(ascii: ".")
        else { return false }
        return bytes[..<at].count <= 64
    }

    /// The domain of ``address`` (for the Message-ID).
    package var domain: String {
        guard let at = address.lastIndex(of: "@") else { return "localhost" }
        return String(address[address.index(after: at)...])
    }
}

/// Builds the RFC 5322 / MIME text of an ``EmailMessage`` as SMTP's DATA carries it: CRLF line
/// ends, no line over 998 bytes (in practice at most 78 outside the encoded headers), 7-bit
/// only (UTF-8 text as quoted-printable, non-ASCII header text as RFC 2047 encoded-words).
///
/// A message with ``EmailMessage/html`` is `multipart/alternative` (text/plain first, then
/// text/html, as RFC 2046 orders them: the last is the preferred); without it, a single
/// text/plain part.
package enum MIMEBuilder {
    /// The message's bytes, headers first. Throws a permanent ``EmailDeliveryError`` when a
    /// header value holds a line break or another control character (header injection is
    /// refused, not cleaned up) or an address is malformed.
    package static func build(
        _ message: EmailMessage, date: Date = Date(), messageIDToken: String = randomToken(),
        boundaryToken: String = randomToken()
    ) throws(EmailDeliveryError) -> [UInt8] {
        let from = try Mailbox(parsing: message.from, field: "From")
        let to = try Mailbox(parsing: message.to, field: "To")
        if message.subject.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw EmailDeliveryError(
                .permanent, "the subject contains a line break or another control character (refused: header injection)"
            )
        }

        var lines: [String] = []
        lines.append("Date: \(rfc5322Date(date))")
        lines.append("Message-ID: <\(messageIDToken)@\(from.domain)>")
        lines.append(header("From", mailbox: from))
        lines.append(header("To", mailbox: to))
        lines.append(header("Subject", unstructured: message.subject))
        lines.append("MIME-Version: 1.0")

        let textPart = quotedPrintable(message.text)
        if let html = message.html {
            // "=_" cannot occur in quoted-printable text, so the boundary cannot collide with a body.
            let boundary = "=_FastAuth_\(boundaryToken)"
            lines.append("Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"")
            lines.append("")
            lines.append("This is a multi-part message in MIME format.")
            lines.append("")
            lines.append("--\(boundary)")
            lines.append(contentsOf: partHeaders("text/plain"))
            lines.append("")
            lines.append(contentsOf: textPart)
            lines.append("--\(boundary)")
            lines.append(contentsOf: partHeaders("text/html"))
            lines.append("")
            lines.append(contentsOf: quotedPrintable(html))
            lines.append("--\(boundary)--")
        } else {
            lines.append(contentsOf: partHeaders("text/plain"))
            lines.append("")
            lines.append(contentsOf: textPart)
        }
        var bytes: [UInt8] = []
        for line in lines {
            bytes.append(contentsOf: line.utf8)
            bytes.append(contentsOf: [0x0D, 0x0A])
        }
        return bytes
    }

    private static func partHeaders(_ type: String) -> [String] {
        ["Content-Type: \(type); charset=UTF-8", "Content-Transfer-Encoding: quoted-printable"]
    }

    /// 32 random hex digits.
    package static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    // MARK: Headers

    /// Header lines are kept to 78 characters (RFC 5322's "SHOULD") by folding; a line that
    /// cannot be folded (a very long address or Message-ID) still stays under 998.
    static let foldWidth = 78

    /// `Name: value` for a mailbox: the display name as is when it is plain ASCII words, as a
    /// quoted-string when it has specials, as encoded-words when it is not ASCII or too long
    /// for one line; the address on a folded line of its own when the whole is over 78.
    static func header(_ name: String, mailbox: Mailbox) -> String {
        let prefix = "\(name): "
        guard let display = mailbox.displayName else { return prefix + mailbox.address }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ".utf8)
        var rendered: String
        if display.utf8.allSatisfy({ atext.contains($0) }) && !display.contains("=?") {
            rendered = display
        } else if display.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) && !display.contains("=?") {
            rendered =
                "\"" + display.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                + "\""
        } else {
            rendered = encodedWords(display, firstLineUsed: prefix.utf8.count)
        }
        if !rendered.hasPrefix("=?"), prefix.utf8.count + rendered.utf8.count > foldWidth {
            rendered = encodedWords(display, firstLineUsed: prefix.utf8.count)
        }
        let lastLine = rendered.components(separatedBy: "\r\n").last ?? rendered
        let lastLineUsed = (rendered.contains("\r\n") ? 0 : prefix.utf8.count) + lastLine.utf8.count
        let address = "<\(mailbox.address)>"
        return prefix + rendered + (lastLineUsed + 1 + address.utf8.count <= foldWidth ? " " : "\r\n ") + address
    }

    /// `Name: value` for unstructured text (the subject): as is when printable ASCII that fits
    /// on one line (and does not look like an encoded-word), otherwise RFC 2047 `B`
    /// encoded-words, folded.
    static func header(_ name: String, unstructured value: String) -> String {
        let plain = value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } && !value.contains("=?")
        if plain && name.utf8.count + 2 + value.utf8.count <= foldWidth {
            return "\(name): \(value)"
        }
        return "\(name): \(encodedWords(value, firstLineUsed: name.utf8.count + 2))"
    }

    /// RFC 2047 `=?UTF-8?B?…?=` words of at most 75 characters, each holding whole characters
    /// (a UTF-8 sequence is never split), joined by folding (CRLF and a space): every line at
    /// most 78 characters, the first counting the `firstLineUsed` characters before it.
    static func encodedWords(_ text: String, firstLineUsed: Int = 0) -> String {
        // 75 - "=?UTF-8?B?".count - "?=".count = 63 characters of base64: 45 bytes per word.
        func capacity(lineUsed: Int) -> Int {
            let base64 = min(63, foldWidth - lineUsed - 12)
            return max(4, base64 / 4 * 3)
        }
        var words: [String] = []
        var chunk: [UInt8] = []
        var limit = capacity(lineUsed: firstLineUsed)
        for scalar in text.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            if chunk.count + encoded.count > limit, !chunk.isEmpty {
                words.append(encodedWord(chunk))
                chunk = []
                limit = capacity(lineUsed: 1)
            }
            chunk.append(contentsOf: encoded)
        }
        if !chunk.isEmpty || words.isEmpty { words.append(encodedWord(chunk)) }
        return words.joined(separator: "\r\n ")
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?\(Data(bytes).base64EncodedString())?="
    }

    /// `Thu, 19 Nov 2026 08:05:09 +0000`, in UTC (RFC 5322 §3.3), computed without a locale.
    static func rfc5322Date(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[weekday]), \(two(day)) \(months[Int(month) - 1]) \(year) "
            + "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) +0000"
    }

    // MARK: Bodies

    /// The text as quoted-printable lines (RFC 2045 §6.7) of at most 76 characters: UTF-8
    /// bytes outside printable ASCII and `=` as `=XX`, a space or tab before a line end as
    /// `=20`/`=09`, soft line breaks (`=` at the end) inside longer lines. Any line break of
    /// the input (CRLF, LF or CR) becomes a line of the output.
    static func quotedPrintable(_ text: String) -> [String] {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [String] = []
        for line in logicalLines(text) {
            var encoded: [UInt8] = []
            var current: [UInt8] = []
            for (index, byte) in line.enumerated() {
                let isLast = index == line.count - 1
                var token: [UInt8]
                if (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                    || ((byte == 0x20 || byte == 0x09) && !isLast)
                {
                    token = [byte]
                } else {
                    token = [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
                }
                // 75 characters and the soft break's "=" keep a line within 76.
                if current.count + token.count > 75 && !(isLast && current.count + token.count <= 76) {
                    encoded.append(contentsOf: current)
                    encoded.append(contentsOf: Array("=\r\n".utf8))
                    current = []
                }
                current.append(contentsOf: token)
            }
            encoded.append(contentsOf: current)
            output.append(contentsOf: String(decoding: encoded, as: UTF8.self).components(separatedBy: "\r\n"))
        }
        return output
    }

    /// The lines of `text` as UTF-8 bytes, split at CRLF, LF or a lone CR.
    static func logicalLines(_ text: String) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var previousWasCR = false
        for byte in text.utf8 {
            if byte == 0x0A {
                if !previousWasCR { lines.append(current) }
                current = []
                previousWasCR = false
            } else if byte == 0x0D {
                lines.append(current)
                current = []
                previousWasCR = true
            } else {
                current.append(byte)
                previousWasCR = false
            }
        }
        lines.append(current)
        return lines
    }

    // MARK: SMTP

    /// The DATA payload: each line that starts with `.` gets another `.` (RFC 5321 §4.5.2),
    /// then the terminating `.` line. `message` must use CRLF line ends and end with one.
    package static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(message.count + 64)
        var atLineStart = true
        for byte in message {
            if atLineStart && byte == UInt8(ascii: ".") { output.append(UInt8(ascii: ".")) }
            output.append(byte)
            atLineStart = byte == 0x0A
        }
        if !atLineStart { output.append(contentsOf: [0x0D, 0x0A]) }
        output.append(contentsOf: [UInt8(ascii: "."), 0x0D, 0x0A])
        return output
    }
}
