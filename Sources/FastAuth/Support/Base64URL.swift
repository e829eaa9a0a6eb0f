/// Strict, allocation-light base64url (RFC 4648 §5, no padding) used on the token hot path.
///
/// Decoding is strict as RFC 7515 §2 requires: only the URL-safe alphabet, no `=`, no
/// whitespace, a length that is not 1 mod 4, and canonical trailing bits.
public enum Base64URL {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// The number of characters `count` bytes encode to.
    package static func encodedLength(_ count: Int) -> Int {
        (count / 3) * 4 + [0, 2, 3][count % 3]
    }

    /// Appends the encoding of `bytes` to `output`.
    package static func encode(_ bytes: some Collection<UInt8>, into output: inout [UInt8]) {
        output.reserveCapacity(output.count + encodedLength(bytes.count))
        alphabet.withUnsafeBufferPointer { table in
            var iterator = bytes.makeIterator()
            while let b0 = iterator.next() {
                output.append(table[Int(b0 >> 2)])
                guard let b1 = iterator.next() else {
                    output.append(table[Int((b0 & 0x03) << 4)])
                    return
                }
                output.append(table[Int((b0 & 0x03) << 4 | b1 >> 4)])
                guard let b2 = iterator.next() else {
                    output.append(table[Int((b1 & 0x0F) << 2)])
                    return
                }
                output.append(table[Int((b1 & 0x0F) << 2 | b2 >> 6)])
                output.append(table[Int(b2 & 0x3F)])
            }
        }
    }

    /// The encoding of `bytes` as a string.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        encode(bytes, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes `input` strictly; `nil` for any character outside the alphabet, padding, a bad
    /// length, or non-zero trailing bits.
    package static func decode(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let count = input.count
        if count % 4 == 1 { return nil }
        var output = [UInt8]()
        output.reserveCapacity(count * 3 / 4)
        return reverse.withUnsafeBufferPointer { table -> [UInt8]? in
            var index = 0
            while index + 4 <= count {
                let a = table[Int(input[index])], b = table[Int(input[index + 1])]
                let c = table[Int(input[index + 2])], d = table[Int(input[index + 3])]
                if (a | b | c | d) & 0xC0 != 0 { return nil }
                output.append(a << 2 | b >> 4)
                output.append(b << 4 | c >> 2)
                output.append(c << 6 | d)
                index += 4
            }
            let rest = count - index
            if rest == 2 {
                let a = table[Int(input[index])], b = table[Int(input[index + 1])]
                if (a | b) & 0xC0 != 0 || b & 0x0F != 0 { return nil }
                output.append(a << 2 | b >> 4)
            } else if rest == 3 {
                let a = table[Int(input[index])], b = table[Int(input[index + 1])]
                let c = table[Int(input[index + 2])]
                if (a | b | c) & 0xC0 != 0 || c & 0x03 != 0 { return nil }
                output.append(a << 2 | b >> 4)
                output.append(b << 4 | c >> 2)
            }
            return output
        }
    }

    /// Decodes a string strictly (see ``decode(_:)-buffer``).
    public static func decode(_ string: String) -> [UInt8]? {
        var string = string
        return string.withUTF8 { decode($0) }
    }
}
