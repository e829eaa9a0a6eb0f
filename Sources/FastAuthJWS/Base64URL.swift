/// Strict, allocation-light base64url (RFC 4648 §5, no padding) used on the token hot path.
///
/// Decoding is strict as RFC 7515 §2 requires: only the URL-safe alphabet, no `=`, no
/// whitespace, a length that is not 1 mod 4, and canonical trailing bits.
package enum Base64URL {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// The number of characters `count` bytes encode to.
    package static func encodedLength(_ count: Int) -> Int {
        (count / 3) * 4 + (count % 3 == 0 ? 0 : count % 3 + 1)
    }

    /// Appends the encoding of `bytes` to `output`.
    package static func encode(_ bytes: some Collection<UInt8>, into output: inout [UInt8]) {
        if let array = bytes as? [UInt8] {
            encode(array.span, into: &output)
        } else {
            encode(Array(bytes).span, into: &output)
        }
    }

    /// Appends the encoding of `input` to `output`: the output grows once, then is written in
    /// place, three bytes to four characters at a time.
    package static func encode(_ input: Span<UInt8>, into output: inout [UInt8]) {
        let count = input.count
        guard count > 0 else { return }
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: encodedLength(count)))
        let table = alphabet.span
        precondition(table.count == 64)
        // Sound: every index is six bits (masked or shifted down from a byte), below the
        // alphabet's 64 entries.
        @inline(__always) func symbol(_ sextet: Int) -> UInt8 { unsafe table[unchecked: sextet] }
        var destination = output.mutableSpan
        var read = 0
        var write = start
        while read + 3 <= count {
            let b0 = Int(input[read]), b1 = Int(input[read + 1]), b2 = Int(input[read + 2])
            destination[write] = symbol(b0 >> 2)
            destination[write + 1] = symbol((b0 & 0x03) << 4 | b1 >> 4)
            destination[write + 2] = symbol((b1 & 0x0F) << 2 | b2 >> 6)
            destination[write + 3] = symbol(b2 & 0x3F)
            read += 3
            write += 4
        }
        switch count - read {
        case 1:
            let b0 = Int(input[read])
            destination[write] = symbol(b0 >> 2)
            destination[write + 1] = symbol((b0 & 0x03) << 4)
        case 2:
            let b0 = Int(input[read]), b1 = Int(input[read + 1])
            destination[write] = symbol(b0 >> 2)
            destination[write + 1] = symbol((b0 & 0x03) << 4 | b1 >> 4)
            destination[write + 2] = symbol((b1 & 0x0F) << 2)
        default: break
        }
    }

    /// The encoding of `bytes` as a string.
    package static func encode(_ bytes: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        encode(bytes, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes `input` strictly; `nil` for any character outside the alphabet, padding, a bad
    /// length, or non-zero trailing bits.
    package static func decode(_ input: Span<UInt8>) -> [UInt8]? {
        let count = input.count
        if count % 4 == 1 { return nil }
        let outputCount = count / 4 * 3 + max(count % 4 - 1, 0)
        guard outputCount > 0 else { return [] }
        let table = reverse.span
        precondition(table.count == 256)
        // The table has 256 entries, so a byte always indexes it: `lookup` skips the bounds
        // check that `Span` would otherwise repeat four times a group.
        @inline(__always) func lookup(_ byte: UInt8) -> UInt8 { unsafe table[unchecked: Int(byte)] }
        // Sound: every caller reads below `count` (the group loop runs while `index + 4 <= count`,
        // the tail reads `index ..< count`), so the per-byte check `Span` makes is redundant.
        @inline(__always) func at(_ offset: Int) -> UInt8 { unsafe input[unchecked: offset] }
        var output = [UInt8](repeating: 0, count: outputCount)
        var destination = output.mutableSpan
        var index = 0
        var write = 0
        // Invalid characters map to 0xFF: OR-ing every looked-up value and checking the top bits
        // once per group keeps the loop free of branches on the data.
        while index + 4 <= count {
            let a = lookup(at(index)), b = lookup(at(index + 1))
            let c = lookup(at(index + 2)), d = lookup(at(index + 3))
            if (a | b | c | d) & 0xC0 != 0 { return nil }
            destination[write] = a << 2 | b >> 4
            destination[write + 1] = b << 4 | c >> 2
            destination[write + 2] = c << 6 | d
            index += 4
            write += 3
        }
        let rest = count - index
        if rest == 2 {
            let a = lookup(at(index)), b = lookup(at(index + 1))
            if (a | b) & 0xC0 != 0 || b & 0x0F != 0 { return nil }
            destination[write] = a << 2 | b >> 4
        } else if rest == 3 {
            let a = lookup(at(index)), b = lookup(at(index + 1))
            let c = lookup(at(index + 2))
            if (a | b | c) & 0xC0 != 0 || c & 0x03 != 0 { return nil }
            destination[write] = a << 2 | b >> 4
            destination[write + 1] = b << 4 | c >> 2
        }
        _ = consume destination
        return output
    }

    /// Decodes a string strictly (see ``decode(_:)-(Span<UInt8>)``).
    package static func decode(_ string: String) -> [UInt8]? {
        var string = string
        string.makeContiguousUTF8()  // a no-op for native strings
        return decode(string.utf8.span)
    }
}
