/// A JSON value: what custom claims, JWK members and hook results are made of.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The string, if this is a string.
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    /// The integer, if this is an integral number.
    public var intValue: Int64? {
        switch self {
        case .int(let i): i
        case .double(let d) where d.rounded(.towardZero) == d && abs(d) < 9.2e18: Int64(d)
        default: nil
        }
    }
    /// The number as a double, if this is a number.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }
    /// The boolean, if this is a boolean.
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    /// The members, if this is an object.
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }

    /// Member lookup on objects; `nil` otherwise.
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { o[key] } else { nil }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue {
    /// Serialises the value compactly, object keys sorted, as UTF-8.
    public var jsonBytes: [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.bytes
    }

    /// Serialises the value compactly, object keys sorted.
    public var jsonString: String { String(decoding: jsonBytes, as: UTF8.self) }

    /// Parses one JSON document strictly (RFC 8259; duplicate keys rejected).
    public init(parsing bytes: some Collection<UInt8>) throws(JSONParseError) {
        let array = Array(bytes)
        var scanner = JSONScanner(array.span)
        self = try scanner.parseValue(depth: 0)
        try scanner.expectEnd()
    }

    /// Parses one JSON document from a string.
    public init(parsing string: String) throws(JSONParseError) {
        try self.init(parsing: Array(string.utf8))
    }

    /// `true` when every number in the value is finite (JSON cannot carry NaN or infinity).
    package var isSerialisable: Bool {
        switch self {
        case .double(let d): d.isFinite
        case .array(let a): a.allSatisfy(\.isSerialisable)
        case .object(let o): o.values.allSatisfy(\.isSerialisable)
        default: true
        }
    }
}

/// Why a JSON document was refused.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, in plain words.
    public let reason: String
    /// Byte offset of the problem.
    public let offset: Int
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }

    package init(reason: String, offset: Int) {
        self.reason = reason
        self.offset = offset
    }
}

/// A compact JSON writer into a byte buffer.
package struct JSONWriter {
    package var bytes: [UInt8]

    package init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @usableFromInline static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    package mutating func raw(_ s: StaticString) {
        // Sound: a StaticString's UTF-8 is a literal in the binary, valid for the program's
        // lifetime, and is only read here for the length it reports.
        s.withUTF8Buffer { unsafe bytes.append(contentsOf: $0) }
    }

    /// Appends bytes that are already JSON (a pre-encoded member name).
    package mutating func raw(_ encoded: [UInt8]) { bytes.append(contentsOf: encoded) }

    package mutating func byte(_ b: UInt8) { bytes.append(b) }

    package mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.makeContiguousUTF8()  // a no-op for native strings; a bridged one is copied once
        let utf8 = s.utf8.span
        var clean = true
        for index in 0..<utf8.count where Self.needsEscape(utf8[index]) {
            clean = false
            break
        }
        if clean {
            // The common case: nothing to escape, one bulk copy.
            bytes.append(contentsOf: s.utf8)
        } else {
            for index in 0..<utf8.count {
                let c = utf8[index]
                guard Self.needsEscape(c) else {
                    bytes.append(c)
                    continue
                }
                switch c {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                default:
                    bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30])
                    bytes.append(Self.hex[Int(c >> 4)])
                    bytes.append(Self.hex[Int(c & 0x0F)])
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private static func needsEscape(_ c: UInt8) -> Bool {
        c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\")
    }

    package mutating func int(_ value: Int64) {
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var divisor: UInt64 = 1
        while divisor <= magnitude / 10 { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude / divisor))
            magnitude %= divisor
            divisor /= 10
        }
    }

    package mutating func double(_ value: Double) {
        if value.rounded(.towardZero) == value, abs(value) < 1e15 {
            int(Int64(value))
        } else {
            bytes.append(contentsOf: "\(value)".utf8)
        }
    }

    package mutating func write(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let b): b ? raw("true") : raw("false")
        case .int(let i): int(i)
        case .double(let d): double(d)
        case .string(let s): string(s)
        case .array(let elements):
            byte(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { byte(UInt8(ascii: ",")) }
                write(element)
            }
            byte(UInt8(ascii: "]"))
        case .object(let members):
            byte(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { byte(UInt8(ascii: ",")) }
                string(key)
                byte(UInt8(ascii: ":"))
                if let member = members[key] { write(member) }
            }
            byte(UInt8(ascii: "}"))
        }
    }
}

extension JSONValue {
    /// Serialises the value with two-space indentation and sorted keys, for people.
    public var prettyString: String {
        var output = ""
        func write(_ value: JSONValue, indent: String) {
            switch value {
            case .array(let elements) where !elements.isEmpty:
                output += "[\n"
                for (index, element) in elements.enumerated() {
                    output += indent + "  "
                    write(element, indent: indent + "  ")
                    output += index == elements.count - 1 ? "\n" : ",\n"
                }
                output += indent + "]"
            case .object(let members) where !members.isEmpty:
                output += "{\n"
                let keys = members.keys.sorted()
                for (index, key) in keys.enumerated() {
                    output += indent + "  " + JSONValue.string(key).jsonString + ": "
                    if let member = members[key] { write(member, indent: indent + "  ") }
                    output += index == keys.count - 1 ? "\n" : ",\n"
                }
                output += indent + "}"
            default:
                output += value.jsonString
            }
        }
        write(self, indent: "")
        return output
    }
}
