/// One SMTP reply (RFC 5321 §4.2): a three-digit code and one or more lines of text.
///
/// A multi-line reply is `250-first`, `250-second`, …, `250 last`: every line has the same code,
/// all but the last have `-` after it.
package struct SMTPReply: Sendable, Hashable {
    /// The reply code, 100–599.
    package var code: Int
    /// The text of each line, after the code and its separator (possibly empty).
    package var lines: [String]

    package init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    /// 2xx.
    package var isPositiveCompletion: Bool { code / 100 == 2 }
    /// 3xx (`354 Start mail input`, `334` of AUTH).
    package var isPositiveIntermediate: Bool { code / 100 == 3 }
    /// 4xx: the server may accept later.
    package var isTransientNegative: Bool { code / 100 == 4 }
    /// 5xx: the server refuses for good.
    package var isPermanentNegative: Bool { code / 100 == 5 }

    /// The code and the first line, printable ASCII only and at most ~160 characters: what
    /// errors and logs show of a reply (servers' texts can be long, multi-line or hostile).
    package var summary: String {
        var text = ""
        for scalar in (lines.first ?? "").unicodeScalars {
            if text.count >= 160 {
                text += "…"
                break
            }
            text.unicodeScalars.append(scalar.value >= 0x20 && scalar.value < 0x7F ? scalar : "?")
        }
        return text.isEmpty ? "\(code)" : "\(code) \(text)"
    }
}

/// Splits the bytes an SMTP server sends into replies. Pure and incremental: ``append(_:)``
/// the bytes as they arrive, then call ``next()`` until it returns `nil`. The same replies come
/// out however the input is split into chunks.
///
/// Lines end with CRLF; a bare LF is accepted too (the CR before it is dropped). A line is
/// three digits (the first 1–5), then `-` (more lines follow), or a space or nothing (the last
/// line), then text. Anything else — another code inside a multi-line reply, a line longer
/// than ``maxLineBytes``, a reply of more than ``maxLines`` lines — is a ``Failure``, after
/// which the parser stays failed (the connection cannot be trusted to be in step any more).
package struct SMTPReplyParser: Sendable {
    package enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// A line that does not start with a three-digit code followed by `-`, a space or its end.
        case malformedLine
        /// A continuation line with another code than the first line of its reply.
        case codeMismatch
        /// A line (without its line break) longer than the limit.
        case lineTooLong
        /// A reply with more lines than the limit.
        case tooManyLines

        package var description: String {
            switch self {
            case .malformedLine: "a reply line without a valid three-digit code"
            case .codeMismatch: "a multi-line reply whose lines have different codes"
            case .lineTooLong: "a reply line over the length limit"
            case .tooManyLines: "a reply with too many lines"
            }
        }
    }

    /// The longest line accepted, without its line break (RFC 5321 allows 512; servers' texts
    /// are sometimes longer).
    package let maxLineBytes: Int
    /// The most lines a reply may have (an EHLO reply has one per extension).
    package let maxLines: Int

    private var buffer: [UInt8] = []
    /// Where the next unconsumed line starts in ``buffer``.
    private var start = 0
    /// How far from ``start`` the buffer has been searched for a line feed already.
    private var scanned = 0
    /// The lines of the reply being read: its code and the texts so far.
    private var pending: (code: Int, lines: [String])?
    private var failure: Failure?

    package init(maxLineBytes: Int = 4096, maxLines: Int = 256) {
        self.maxLineBytes = max(8, maxLineBytes)
        self.maxLines = max(1, maxLines)
    }

    /// Adds bytes received from the server.
    package mutating func append(_ bytes: some Sequence<UInt8>) {
        guard failure == nil else { return }
        buffer.append(contentsOf: bytes)
    }

    /// Whether bytes were received that are not part of a complete reply returned by
    /// ``next()`` yet (a partial line, or lines of an unfinished multi-line reply).
    package var hasBufferedInput: Bool { start < buffer.count || pending != nil }

    /// The next complete reply, `nil` when more bytes are needed, or the failure.
    package mutating func next() throws(Failure) -> SMTPReply? {
        if let failure { throw failure }
        do {
            while let line = try nextLine() {
                if let reply = try take(line) { return reply }
            }
            return nil
        } catch {
            failure = error
            buffer = []
            start = 0
            scanned = 0
            pending = nil
            throw error
        }
    }

    /// The next whole line, without its line break.
    private mutating func nextLine() throws(Failure) -> ArraySlice<UInt8>? {
        var index = start + scanned
        while index < buffer.count {
            if buffer[index] == UInt8(ascii: "\n") {
                var end = index
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                guard end - start <= maxLineBytes else { throw .lineTooLong }
                let line = buffer[start..<end]
                start = index + 1
                scanned = 0
                compact()
                return line
            }
            index += 1
        }
        scanned = buffer.count - start
        // A CR may still come before the LF: allow one byte over the limit while waiting.
        guard scanned <= maxLineBytes + 1 else { throw .lineTooLong }
        return nil
    }

    /// Drops consumed bytes once they are most of the buffer (keeps appends amortised O(1)).
    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 4096, start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
    }

    /// Adds a line to the reply being read; returns the reply when the line was its last.
    private mutating func take(_ line: ArraySlice<UInt8>) throws(Failure) -> SMTPReply? {
        guard line.count >= 3 else { throw .malformedLine }
        let digits = Array(line.prefix(3))
        guard digits[0] >= UInt8(ascii: "1"), digits[0] <= UInt8(ascii: "5"),
            digits[1] >= UInt8(ascii: "0"), digits[1] <= UInt8(ascii: "9"),
            digits[2] >= UInt8(ascii: "0"), digits[2] <= UInt8(ascii: "9")
        else { throw .malformedLine }
        let code = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        let rest = line.dropFirst(3)
        let isLast: Bool
        switch rest.first {
        case nil, UInt8(ascii: " "): isLast = true
        case UInt8(ascii: "-"): isLast = false
        default: throw .malformedLine
        }
        let text = String(decoding: rest.dropFirst(), as: UTF8.self)
        var reply = pending ?? (code: code, lines: [])
        guard reply.code == code else { throw .codeMismatch }
        guard reply.lines.count < maxLines else { throw .tooManyLines }
        reply.lines.append(text)
        if isLast {
            pending = nil
            return SMTPReply(code: code, lines: reply.lines)
        }
        pending = reply
        return nil
    }
}

/// What a server announced in its EHLO reply (RFC 5321 §4.1.1.1): the extension keywords
/// (upper-cased) and the SASL mechanisms of `AUTH` (also from the old `AUTH=` form).
package struct SMTPCapabilities: Sendable, Hashable {
    /// Extension keywords, upper-cased: `STARTTLS`, `AUTH`, `8BITMIME`, `SIZE`, …
    package var keywords: Set<String> = []
    /// The mechanisms listed after `AUTH` (or `AUTH=`), upper-cased.
    package var authMechanisms: Set<String> = []

    package init() {}

    /// Reads an EHLO reply: the first line is the server's greeting, each later one a keyword
    /// and its parameters.
    package init(ehlo reply: SMTPReply) {
        for line in reply.lines.dropFirst() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { $0.uppercased() }
            guard var keyword = words.first else { continue }
            var parameters = Array(words.dropFirst())
            if keyword.hasPrefix("AUTH=") {
                parameters.insert(String(keyword.dropFirst(5)), at: 0)
                keyword = "AUTH"
            }
            keywords.insert(keyword)
            if keyword == "AUTH" { authMechanisms.formUnion(parameters.filter { !$0.isEmpty }) }
        }
    }

    package var supportsStartTLS: Bool { keywords.contains("STARTTLS") }
}
