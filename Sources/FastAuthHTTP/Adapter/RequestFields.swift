import FastAuth

/// Readers of the request fields every adapter hands over raw: the `Cookie` header and the query
/// string. Framework-free, so both adapters read them the same way.
public enum RequestFields {
    /// The value of cookie `name` across `cookieHeaders` (`a=1; b="2"`): pairs split at `;`,
    /// blanks around them ignored, a value in double quotes unquoted. When a name repeats, the
    /// last pair wins (as Vapor's cookie parser does). Nothing is percent-decoded.
    public static func cookie(_ name: String, in cookieHeaders: [String]) -> String? {
        var found: Substring?
        let wanted = name.utf8
        for header in cookieHeaders {
            for pair in header.utf8.split(separator: UInt8(ascii: ";")) {
                let trimmed = pair.drop { $0 == 0x20 || $0 == 0x09 }
                guard let equals = trimmed.firstIndex(of: UInt8(ascii: "=")) else { continue }
                var key = trimmed[..<equals]
                while let last = key.last, last == 0x20 || last == 0x09 { key = key.dropLast() }
                guard key.elementsEqual(wanted) else { continue }
                var value = trimmed[trimmed.index(after: equals)...]
                while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
                if value.count >= 2, value.first == UInt8(ascii: "\""), value.last == UInt8(ascii: "\"") {
                    value = value.dropFirst().dropLast()
                }
                found = Substring(value)
            }
        }
        return found.map(String.init)
    }

    /// The value of `name` in a raw query string, decoded as a form (`+` is a space, `%XX` a byte);
    /// the first occurrence wins.
    public static func queryValue(_ name: String, in rawQuery: String) -> String? {
        for pair in rawQuery.utf8.split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let rawName = parts.first else { continue }
            guard RequestBodyDecoding.formDecode(ArraySlice(rawName)) == name else { continue }
            return parts.count > 1 ? RequestBodyDecoding.formDecode(ArraySlice(parts[1])) : ""
        }
        return nil
    }
}
