/// The issuer's `ETag`, checked against RFC 9110 §8.8.3 before it is kept and sent back as
/// `If-None-Match`: `"…"` or `W/"…"`, with only visible ASCII (or obs-text) between the
/// quotes, at most ``maxBytes`` long. Anything else is dropped (the next fetch is then
/// unconditional), so a hostile or broken issuer cannot make the verifier send garbage.
package enum EntityTag {
    /// The longest validator kept.
    package static let maxBytes = 512

    /// `value` without surrounding spaces when it is a valid entity tag, else `nil`.
    package static func validated(_ value: String?) -> String? {
        guard let value else { return nil }
        let bytes = Array(value.utf8).drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }
            .reversed()
        var tag = ArraySlice(bytes)
        guard tag.count <= maxBytes else { return nil }
        if tag.starts(with: [UInt8(ascii: "W"), UInt8(ascii: "/")]) { tag = tag.dropFirst(2) }
        guard tag.count >= 2, tag.first == UInt8(ascii: "\""), tag.last == UInt8(ascii: "\"") else { return nil }
        let opaque = tag.dropFirst().dropLast()
        guard opaque.allSatisfy({ $0 == 0x21 || (0x23...0x7E).contains($0) || $0 >= 0x80 }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
