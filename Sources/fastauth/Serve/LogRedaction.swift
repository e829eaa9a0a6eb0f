/// Removes credentials from log lines: the values of `Authorization`, `Proxy-Authorization`,
/// `Cookie` and `Set-Cookie` headers wherever a line prints headers (Vapor's trace log prints
/// every request head as `Name: value; Name: value`), so `LOG_LEVEL=trace` never writes a
/// token, a cookie or a password-bearing Basic credential.
enum LogRedaction {
    /// The header names whose values are never written (lower case).
    static let sensitive = ["authorization", "proxy-authorization", "cookie", "set-cookie"]
    static let replacement = "[redacted]"

    /// `text` with the value after every `Name: ` of a sensitive header replaced, up to the next
    /// `; Other-Name: ` (a cookie value's own `; a=b` pairs are part of it), a closing ` }` or
    /// `]`, a line end, or the end.
    static func redact(_ text: String) -> String {
        let bytes = Array(text.utf8)
        // Cheap exit for the usual line: no "ookie" / "uthorization" at all.
        guard contains(bytes, "uthorization") || contains(bytes, "ookie") else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if let valueStart = sensitiveValueStart(bytes, at: index) {
                output.append(contentsOf: bytes[index..<valueStart])
                output.append(contentsOf: replacement.utf8)
                index = valueEnd(bytes, from: valueStart)
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Where the value starts when a sensitive `Name: ` (or `Name=` / `"Name": "`) begins at
    /// `index` on a name boundary.
    private static func sensitiveValueStart(_ bytes: [UInt8], at index: Int) -> Int? {
        if index > 0, isNameByte(bytes[index - 1]) { return nil }
        for name in sensitive {
            let count = name.utf8.count
            guard index + count < bytes.count else { continue }
            var matches = true
            for (offset, expected) in name.utf8.enumerated() where lower(bytes[index + offset]) != expected {
                matches = false
                break
            }
            guard matches, !isNameByte(bytes[index + count]) else { continue }
            var cursor = index + count
            if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\"") { cursor += 1 }
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: ":") || bytes[cursor] == UInt8(ascii: "=") else {
                continue
            }
            cursor += 1
            while cursor < bytes.count, bytes[cursor] == 0x20 || bytes[cursor] == UInt8(ascii: "\"") { cursor += 1 }
            return cursor
        }
        return nil
    }

    /// The end of a header value starting at `start`.
    private static func valueEnd(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count {
            switch bytes[index] {
            case 0x0A, 0x0D, UInt8(ascii: "]"), UInt8(ascii: "\""):
                return index
            case UInt8(ascii: " ") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "}"):
                return index
            case UInt8(ascii: ";") where startsHeader(bytes, at: index + 1):
                return index
            default:
                index += 1
            }
        }
        return index
    }

    /// `true` when `; ` at `index - 1` is followed by `Name: ` (a new header, not a cookie pair).
    private static func startsHeader(_ bytes: [UInt8], at index: Int) -> Bool {
        var cursor = index
        while cursor < bytes.count, bytes[cursor] == 0x20 { cursor += 1 }
        let nameStart = cursor
        while cursor < bytes.count, isNameByte(bytes[cursor]) { cursor += 1 }
        return cursor > nameStart && cursor + 1 < bytes.count && bytes[cursor] == UInt8(ascii: ":")
            && bytes[cursor + 1] == 0x20
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }

    private static func contains(_ bytes: [UInt8], _ needle: StaticString) -> Bool {
        let pattern = Array(UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount))
        guard bytes.count >= pattern.count else { return false }
        for start in 0...(bytes.count - pattern.count) {
            var found = true
            for (offset, expected) in pattern.enumerated() where lower(bytes[start + offset]) != expected {
                found = false
                break
            }
            if found { return true }
        }
        return false
    }
}
