/// A strict RFC 8259 JSON scanner over a borrowed span of bytes. It never traps on any input:
/// every malformed document ends in a ``JSONParseError``, and every read is bounds-checked by
/// `Span` (the scanner cannot outlive the bytes it reads).
package struct JSONScanner: ~Copyable, ~Escapable {
    package static let maxDepth = 32

    private let input: Span<UInt8>
    private var position = 0

    @_lifetime(copy input)
    package init(_ input: Span<UInt8>) {
        self.input = input
    }

    /// The bytes `range` of the input as a string, when they are valid UTF-8.
    private func text(_ range: Range<Int>) -> String? {
        guard let utf8 = try? UTF8Span(validating: input.extracting(range)) else { return nil }
        return String(copying: utf8)
    }

    private func fail(_ reason: String) -> JSONParseError {
        JSONParseError(reason: reason, offset: position)
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    @inline(__always)
    private mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < input.count ? input[position] : nil
    }

    private mutating func consume(_ byte: UInt8) throws(JSONParseError) {
        guard peek() == byte else { throw fail("expected '\(Character(Unicode.Scalar(byte)))'") }
        position += 1
    }

    package mutating func expectEnd() throws(JSONParseError) {
        skipWhitespace()
        guard position == input.count else { throw fail("unexpected data after the document") }
    }

    /// Iterates the members of an object, calling `member` with each key while the scanner
    /// stands before the value; `member` must consume the value. Duplicate keys are refused.
    package mutating func parseObject(
        depth: Int,
        _ member: (inout JSONScanner, String) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        var seen: Set<String> = []
        try parseObject(depth: depth, isNew: { seen.insert($0).inserted }, member)
    }

    /// Iterates the members of an object as ``parseObject(depth:_:)`` does, with the caller
    /// tracking which keys it has seen: `isNew` is asked about each key as soon as it is read
    /// (a `false` answer fails as a duplicate, at the same offset), so a caller that records
    /// the members anyway needs no second set of keys.
    package mutating func parseObject(
        depth: Int,
        isNew: (String) -> Bool,
        _ member: (inout JSONScanner, String) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        guard depth < Self.maxDepth else { throw fail("nested too deeply") }
        try consume(UInt8(ascii: "{"))
        if peek() == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            let key = try parseString()
            guard isNew(key) else { throw fail("duplicate member \"\(key)\"") }
            try consume(UInt8(ascii: ":"))
            try member(&self, key)
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return
            default: throw fail("expected ',' or '}'")
            }
        }
    }

    // MARK: Object iteration without closures
    //
    // The same grammar and errors as ``parseObject(depth:isNew:_:)``, driven by the caller:
    //
    //     if try scanner.openObject(depth: 0) {
    //         repeat {
    //             let key = try scanner.memberKey()   // then check for a duplicate
    //             try scanner.memberColon()
    //             … parse the value …
    //         } while try scanner.nextMember()
    //     }

    /// Consumes `{`; `false` when the object is empty (its `}` consumed too).
    package mutating func openObject(depth: Int) throws(JSONParseError) -> Bool {
        guard depth < Self.maxDepth else { throw fail("nested too deeply") }
        try consume(UInt8(ascii: "{"))
        if peek() == UInt8(ascii: "}") {
            position += 1
            return false
        }
        return true
    }

    /// Reads a member name and matches it against `names` (byte for byte, by length first;
    /// a name with escapes is matched after decoding). Returns its index there, or `-1` and
    /// the name as a string. A recognised name is not turned into a string at all: ask
    /// ``memberName(_:)`` for it (error messages).
    package mutating func memberKey(matching names: KeyNames) throws(JSONParseError) -> (index: Int, key: MemberName) {
        guard peek() == UInt8(ascii: "\"") else { throw fail("expected a member name") }
        let start = position + 1
        var escaped = false
        var end = start
        // The common case, a plain ASCII name, is delimited here without building a string.
        while end < input.count {
            let c = input[end]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 {
                escaped = true
                break
            }
            end += 1
        }
        if !escaped && end < input.count {
            let index = names.index(of: input.extracting(start..<end))
            if index >= 0 {
                position = end + 1
                return (index, MemberName(start: start, end: end, string: nil))
            }
        }
        let key = try parseString()
        return (names.index(of: key.utf8.span), MemberName(start: start, end: position - 1, string: key))
    }

    /// A member name read by ``memberKey(matching:)``.
    package struct MemberName {
        fileprivate let start: Int
        fileprivate let end: Int
        /// The name, when it was not one of the recognised names (or had escapes).
        package let string: String?
    }

    /// The name as a string.
    package func memberName(_ name: MemberName) -> String {
        // A name without a string was delimited as plain ASCII, so it always decodes.
        name.string ?? text(name.start..<name.end) ?? ""
    }

    /// The error for a member name seen before in the object, at the current offset.
    package func duplicateMember(_ name: MemberName) -> JSONParseError {
        fail("duplicate member \"\(memberName(name))\"")
    }

    /// Consumes the `:` after a member name.
    package mutating func memberColon() throws(JSONParseError) {
        try consume(UInt8(ascii: ":"))
    }

    /// After a member's value: `true` past a `,` (another member follows), `false` past the
    /// closing `}`.
    package mutating func nextMember() throws(JSONParseError) -> Bool {
        switch peek() {
        case UInt8(ascii: ","):
            position += 1
            return true
        case UInt8(ascii: "}"):
            position += 1
            return false
        default: throw fail("expected ',' or '}'")
        }
    }

    /// The next non-whitespace byte, not consumed.
    package mutating func nextByte() -> UInt8? { peek() }

    /// Parses an array (the scanner must stand on `[`) whose elements should be strings, at
    /// `depth` as ``parseValue(depth:)`` would. Returns the strings, or `nil` when an element is
    /// valid JSON but not a string; the whole array is parsed either way, so a syntax error
    /// anywhere in it is reported exactly as ``parseValue(depth:)`` reports it.
    package mutating func parseStringArray(depth: Int) throws(JSONParseError) -> [String]? {
        guard depth < Self.maxDepth else { throw fail("nested too deeply") }
        try consume(UInt8(ascii: "["))
        var strings: [String] = []
        if peek() == UInt8(ascii: "]") {
            position += 1
            return strings
        }
        var allStrings = true
        while true {
            if peek() == UInt8(ascii: "\"") {
                strings.append(try parseString())
            } else {
                _ = try parseValue(depth: depth + 1)
                allStrings = false
            }
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return allStrings ? strings : nil
            default: throw fail("expected ',' or ']'")
            }
        }
    }

    /// `true` if the next value is `null` (which is then consumed).
    package mutating func consumeNull() -> Bool {
        guard peek() == UInt8(ascii: "n"), position + 4 <= input.count,
            input[position + 1] == UInt8(ascii: "u"), input[position + 2] == UInt8(ascii: "l"),
            input[position + 3] == UInt8(ascii: "l")
        else { return false }
        position += 4
        return true
    }

    package mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard let next = peek() else { throw fail("unexpected end of input") }
        switch next {
        case UInt8(ascii: "{"):
            var members: [String: JSONValue] = [:]
            try parseObject(depth: depth, isNew: { members[$0] == nil }) {
                (scanner: inout JSONScanner, key: String) throws(JSONParseError) in
                members[key] = try scanner.parseValue(depth: depth + 1)
            }
            return .object(members)
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw fail("nested too deeply") }
            position += 1
            var elements: [JSONValue] = []
            if peek() == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                elements.append(try parseValue(depth: depth + 1))
                switch peek() {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"):
                    position += 1
                    return .array(elements)
                default: throw fail("expected ',' or ']'")
                }
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try literal(Self.trueBytes)
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal(Self.falseBytes)
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal(Self.nullBytes)
            return .null
        default:
            return try parseNumber()
        }
    }

    private static let trueBytes: [UInt8] = Array("true".utf8)
    private static let falseBytes: [UInt8] = Array("false".utf8)
    private static let nullBytes: [UInt8] = Array("null".utf8)

    private mutating func literal(_ word: [UInt8]) throws(JSONParseError) {
        let count = word.count
        guard position + count <= input.count else { throw fail("invalid literal") }
        for offset in 0..<count where input[position + offset] != word[offset] { throw fail("invalid literal") }
        position += count
    }

    package mutating func parseBool() throws(JSONParseError) -> Bool {
        guard case .bool(let value) = try parseValue(depth: Self.maxDepth - 1) else {
            throw fail("expected a boolean")
        }
        return value
    }

    /// Parses a number: an integer when it has no fraction or exponent and fits in 64 bits.
    package mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let start = position
        var isInteger = true
        if position < input.count, input[position] == UInt8(ascii: "-") { position += 1 }
        guard position < input.count, isDigit(input[position]) else { throw fail("invalid value") }
        if input[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < input.count, isDigit(input[position]) { position += 1 }
        }
        if position < input.count, input[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < input.count, isDigit(input[position]) else { throw fail("invalid number") }
            while position < input.count, isDigit(input[position]) { position += 1 }
        }
        if position < input.count, input[position] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            position += 1
            if position < input.count, input[position] == UInt8(ascii: "+") || input[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < input.count, isDigit(input[position]) else { throw fail("invalid number") }
            while position < input.count, isDigit(input[position]) { position += 1 }
        }
        let negative = input[start] == UInt8(ascii: "-")
        let digitsStart = start + (negative ? 1 : 0)
        if isInteger, position - digitsStart <= 18 {
            var value: Int64 = 0
            for index in digitsStart..<position { value = value * 10 + Int64(input[index] - 0x30) }
            return .int(negative ? -value : value)
        }
        guard let value = text(start..<position).flatMap(Double.init), value.isFinite else {
            throw fail("number out of range")
        }
        return .double(value)
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    /// Parses a string; the scanner must stand on its opening quote.
    package mutating func parseString() throws(JSONParseError) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string") }
        position += 1
        let start = position
        while position < input.count {
            let c = input[position]
            if c == UInt8(ascii: "\"") {
                guard let string = text(start..<position) else { throw fail("invalid UTF-8 in string") }
                position += 1
                return string
            }
            if c == UInt8(ascii: "\\") {
                position = start
                return try parseEscapedString()
            }
            if c < 0x20 { throw fail("control character in string") }
            position += 1
        }
        throw fail("unterminated string")
    }

    private mutating func parseEscapedString() throws(JSONParseError) -> String {
        var bytes: [UInt8] = []
        while position < input.count {
            let c = input[position]
            position += 1
            switch c {
            case UInt8(ascii: "\""):
                guard let string = String(validating: bytes, as: UTF8.self) else {
                    throw fail("invalid UTF-8 in string")
                }
                return string
            case UInt8(ascii: "\\"):
                guard position < input.count else { throw fail("unterminated escape") }
                let e = input[position]
                position += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(e)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard position + 2 <= input.count, input[position] == UInt8(ascii: "\\"),
                            input[position + 1] == UInt8(ascii: "u")
                        else { throw fail("unpaired surrogate") }
                        position += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw fail("unpaired surrogate")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid escape") }
                    bytes.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: throw fail("invalid escape")
                }
            default:
                if c < 0x20 { throw fail("control character in string") }
                bytes.append(c)
            }
        }
        throw fail("unterminated string")
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard position + 4 <= input.count else { throw fail("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = input[position]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - 0x57)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - 0x37)
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }
}

/// A fixed list of ASCII member names to recognise without building and comparing strings.
package struct KeyNames: Sendable {
    private let names: [[UInt8]]
    private let lengthMask: UInt64

    package init(_ names: [String]) {
        self.names = names.map { Array($0.utf8) }
        var mask: UInt64 = 0
        for name in self.names where name.count < 64 { mask |= 1 << UInt64(name.count) }
        lengthMask = mask
    }

    /// The index of `bytes` among the names, `-1` if none.
    @inline(__always)
    package func index(of bytes: Span<UInt8>) -> Int {
        let count = bytes.count
        guard count < 64, lengthMask & (1 << UInt64(count)) != 0 else { return -1 }
        let names = names.span
        for index in 0..<names.count where names[index].count == count {
            let name = names[index].span
            var equal = true
            for offset in 0..<count where name[offset] != bytes[offset] {
                equal = false
                break
            }
            if equal { return index }
        }
        return -1
    }
}
