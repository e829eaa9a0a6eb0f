/// How the auth routes read a request body, framework-free: the `Content-Type` decides the
/// decoder, and only JSON (and, on the RFC 7662/7009 routes, forms) is read. A body sent
/// without a type, or as `text/plain` — what a cross-site "simple" request can send — is
/// never parsed (the adapter answers 415).
package enum RequestBodyDecoding {
    /// What a `Content-Type` header announces.
    package enum MediaType: Sendable, Hashable {
        /// `application/json` or any `application/*+json`.
        case json
        /// `application/x-www-form-urlencoded`.
        case form
        /// No header, or an empty one.
        case missing
        /// Anything else (`text/plain`, `multipart/form-data`, garbage).
        case unsupported
    }

    /// The media type of a `Content-Type` value: type and subtype case-insensitive, parameters
    /// (`; charset=utf-8`) ignored, surrounding spaces and tabs allowed.
    package static func mediaType(ofContentType header: String?) -> MediaType {
        guard let header else { return .missing }
        let essence = header.utf8.prefix { $0 != UInt8(ascii: ";") }
        let trimmed = essence.drop { isBlank($0) }.reversed().drop { isBlank($0) }.reversed()
        if trimmed.isEmpty { return header.utf8.contains(UInt8(ascii: ";")) ? .unsupported : .missing }
        let lowered = String(decoding: trimmed.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        switch lowered {
        case "application/json": return .json
        case "application/x-www-form-urlencoded": return .form
        default:
            let parts = lowered.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count == 2, parts[0] == "application", parts[1].count > 5, parts[1].hasSuffix("+json"),
                !parts[1].contains(where: { $0 == " " || $0 == "\t" })
            {
                return .json
            }
            return .unsupported
        }
    }

    /// The fields of an `application/x-www-form-urlencoded` body: `+` is a space, `%XX` a
    /// byte; a part whose escapes are broken or do not decode to UTF-8 is kept as sent. The
    /// first occurrence of a name wins.
    package static func formFields(_ bytes: some Collection<UInt8>) -> [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        for pair in Array(bytes).split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let rawName = parts.first else { continue }
            let name = formDecode(rawName)
            if fields[name] == nil { fields[name] = .string(parts.count > 1 ? formDecode(parts[1]) : "") }
        }
        return fields
    }

    /// One form component decoded (see ``formFields(_:)``).
    package static func formDecode(_ part: ArraySlice<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(part.count)
        var index = part.startIndex
        while index < part.endIndex {
            let byte = part[index]
            switch byte {
            case UInt8(ascii: "+"):
                output.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard part.endIndex - index >= 3, let high = hexValue(part[index + 1]),
                    let low = hexValue(part[index + 2])
                else {
                    return String(decoding: part, as: UTF8.self)
                }
                output.append(high << 4 | low)
                index += 2
            default:
                output.append(byte)
            }
            index += 1
        }
        return String(validating: output, as: UTF8.self) ?? String(decoding: part, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
}
