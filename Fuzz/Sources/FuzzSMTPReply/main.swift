// What FastAuthEmail reads from outside: an SMTP server's replies (the reply parser, fed whole
// and in chunks, and the EHLO capabilities), the `FASTAUTH_EMAIL_TRANSPORT` value, and a
// message's fields as the MIME builder turns them into DATA. The input is split at its first
// four NULs into from, to, subject, text and html for the builder.
import FastAuth
import FastAuthEmail
import Foundation
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Array(fuzzInput(data, size))

    // Replies: the same outcome whatever the chunking; bounded, well-formed results.
    let whole = replies(input, chunk: max(input.count, 1))
    let chunk = Int(input.first ?? 1) % 13 + 1
    require(replies(input, chunk: chunk) == whole, "chunking changed the replies (chunk \(chunk))")
    require(replies(input, chunk: 1) == whole, "byte-by-byte parsing changed the replies")
    for reply in whole.replies {
        require((100...599).contains(reply.code), "a reply code out of range: \(reply.code)")
        require(!reply.lines.isEmpty && reply.lines.count <= 256, "a reply with \(reply.lines.count) lines")
        require(
            reply.summary.unicodeScalars.allSatisfy { ($0.value >= 0x20 && $0.value < 0x7F) || $0 == "…" },
            "an unprintable summary")
        require(reply.summary.count <= 170, "an over-long summary")
        let capabilities = SMTPCapabilities(ehlo: reply)
        require(capabilities.keywords.allSatisfy { $0 == $0.uppercased() && !$0.isEmpty }, "a keyword not upper-cased")
        require(
            capabilities.authMechanisms.isEmpty || capabilities.keywords.contains("AUTH"), "mechanisms without AUTH")
    }

    // The transport URL: a readable error or a value that keeps the TLS rules.
    let text = String(decoding: input, as: UTF8.self)
    switch Result(catching: { () throws(EmailTransportConfigurationError) in try EmailTransportURL(parsing: text) }) {
    case .failure(let error):
        require(!error.message.isEmpty, "an empty error message")
    case .success(.log):
        break
    case .success(.smtp(let configuration)):
        require(!configuration.host.isEmpty && (1...65_535).contains(configuration.port), "an unusable host or port")
        if configuration.security == .plaintextLoopbackOnly {
            require(isLoopbackHost(configuration.host), "plaintext SMTP to a host that is not loopback")
            require(configuration.credentials == nil, "credentials without TLS")
        }
        if let credentials = configuration.credentials, credentials.password.utf8.count >= 6,
            !configuration.host.contains(credentials.password), !credentials.username.contains(credentials.password)
        {
            require(
                !EmailTransportURL.smtp(configuration).description.contains(credentials.password), "the password shows")
        }
    case .success(.webhook(let url, let token)):
        let scheme = url.scheme?.lowercased()
        require(
            scheme == "https" || (scheme == "http" && isLoopbackHost(url.host ?? "")),
            "an http webhook to a host that is not loopback")
        require(url.user == nil && url.password == nil, "user info kept in the webhook URL")
        if let token { require(!token.isEmpty, "an empty token") }
        let query = url.query ?? ""
        require(
            !query.split(separator: "&").contains { $0.lowercased().hasPrefix("token=") || $0.lowercased() == "token" },
            "the token stayed in the URL")
    }

    // The MIME builder: refused, or 7-bit CRLF text with no line over 998 bytes, and only the
    // terminator is a lone dot after stuffing.
    let fields = input.split(separator: 0, maxSplits: 4, omittingEmptySubsequences: false).map {
        String(decoding: $0, as: UTF8.self)
    }
    let message = EmailMessage(
        from: fields.first ?? "", to: fields.count > 1 ? fields[1] : "a@example.com",
        subject: fields.count > 2 ? fields[2] : "",
        text: fields.count > 3 ? fields[3] : "", html: fields.count > 4 ? fields[4] : nil)
    if let built = try? MIMEBuilder.build(message) {
        require(built.allSatisfy { $0 < 0x80 }, "8-bit bytes in the message")
        let lines = split(built)
        require(lines != nil, "a bare CR or LF in the message")
        for line in lines ?? [] { require(line.count <= 998, "a line of \(line.count) bytes") }
        for header in (lines ?? []).prefix { !$0.isEmpty } {
            require(!header.starts(with: Array("Bcc:".utf8)), "an injected header")
        }
        let stuffed = MIMEBuilder.dotStuffed(built)
        let stuffedLines = split(stuffed) ?? []
        require(stuffedLines.last == [UInt8(ascii: ".")], "no terminator")
        require(stuffedLines.dropLast().allSatisfy { $0 != [UInt8(ascii: ".")] }, "a lone dot before the terminator")
    }
    return 0
}

struct Outcome: Equatable {
    var replies: [SMTPReply] = []
    var failure: SMTPReplyParser.Failure?
}

func replies(_ input: [UInt8], chunk: Int) -> Outcome {
    var parser = SMTPReplyParser()
    var outcome = Outcome()
    var index = 0
    repeat {
        parser.append(input[index..<min(index + chunk, input.count)])
        index += chunk
        do {
            while let reply = try parser.next() { outcome.replies.append(reply) }
        } catch {
            outcome.failure = error
            return outcome
        }
    } while index < input.count
    return outcome
}

/// The CRLF-terminated lines, or nil when a CR or LF stands alone or the text does not end with CRLF.
func split(_ bytes: [UInt8]) -> [[UInt8]]? {
    var lines: [[UInt8]] = []
    var current: [UInt8] = []
    var index = 0
    while index < bytes.count {
        let byte = bytes[index]
        if byte == 0x0D {
            guard index + 1 < bytes.count, bytes[index + 1] == 0x0A else { return nil }
            lines.append(current)
            current = []
            index += 2
            continue
        }
        if byte == 0x0A { return nil }
        current.append(byte)
        index += 1
    }
    return current.isEmpty ? lines : nil
}

runFuzzer(fuzzOne)
