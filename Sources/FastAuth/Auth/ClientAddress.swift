/// An IPv4 or IPv6 address, parsed strictly (no leading zeros in IPv4 octets, at most one
/// `::`, an IPv6 zone is dropped). IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) are the IPv4
/// address they map.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    public var isIPv4: Bool { bytes.count == 4 }

    /// Parses `text`; `nil` when it is not an address.
    public init?(_ text: some StringProtocol) {
        var text = Substring(text)
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        if let v4 = Self.parseIPv4(text) {
            bytes = v4
        } else if let v6 = Self.parseIPv6(text) {
            if v6[0..<10].allSatisfy({ $0 == 0 }) && v6[10] == 0xFF && v6[11] == 0xFF {
                bytes = Array(v6[12..<16])
            } else {
                bytes = v6
            }
        } else {
            return nil
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    private static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                part.count == 1 || part.first != "0", let value = UInt8(part)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    private static func parseIPv6(_ text: Substring) -> [UInt8]? {
        guard text.utf8.count >= 2, text.utf8.count <= 45 else { return nil }
        func groups(_ part: Substring, allowIPv4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if allowIPv4Tail, index == pieces.count - 1, piece.contains(".") {
                    guard let v4 = parseIPv4(piece) else { return nil }
                    result.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                    result.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                    continue
                }
                guard (1...4).contains(piece.utf8.count), piece.utf8.allSatisfy(isHexDigit),
                    let value = UInt16(piece, radix: 16)
                else { return nil }
                result.append(value)
            }
            return result
        }
        let halves = text.split(separator: "::", maxSplits: 2, omittingEmptySubsequences: false)
            .map { $0 }
        var words: [UInt16]
        switch halves.count {
        case 1:
            guard let all = groups(halves[0], allowIPv4Tail: true), all.count == 8 else { return nil }
            words = all
        case 2:
            guard let head = groups(halves[0], allowIPv4Tail: false), let tail = groups(halves[1], allowIPv4Tail: true),
                head.count + tail.count <= 7
            else { return nil }
            words = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        default:
            return nil
        }
        return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// Dotted IPv4, or IPv6 as eight lower-case hex groups with the longest run of zero groups
    /// (two or more) written `::` (RFC 5952).
    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        let words = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        var best: (start: Int, length: Int) = (-1, 0)
        var index = 0
        while index < 8 {
            guard words[index] == 0 else {
                index += 1
                continue
            }
            var end = index
            while end < 8, words[end] == 0 { end += 1 }
            if end - index > best.length { best = (index, end - index) }
            index = end
        }
        let hex = words.map { String($0, radix: 16) }
        guard best.length >= 2 else { return hex.joined(separator: ":") }
        let head = hex[..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }

    /// The first `bits` bits, the rest zero.
    func masked(to bits: Int) -> IPAddress {
        var copy = bytes
        for index in copy.indices {
            let keep = max(0, min(8, bits - index * 8))
            copy[index] &= keep == 8 ? 0xFF : ~(0xFF >> UInt8(keep))
        }
        return IPAddress(bytes: copy)
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }
}

/// An address block: `192.0.2.0/24`, `2001:db8::/32`, or one address.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    /// Parses `10.0.0.0/8`, `::1`, `fd00::/8`; `nil` when it is not an address or block.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let width = address.isIPv4 ? 32 : 128
        var length = width
        if parts.count == 2 {
            guard (1...3).contains(parts[1].count), parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let parsed = Int(parts[1]), parsed <= width
            else { return nil }
            length = parsed
        }
        self.address = address.masked(to: length)
        self.prefixLength = length
    }

    public func contains(_ candidate: IPAddress) -> Bool {
        candidate.bytes.count == address.bytes.count && candidate.masked(to: prefixLength) == address
    }

    public var description: String { "\(address)/\(prefixLength)" }
}

/// Who the client of a request is, given the proxies the deployment trusts.
///
/// The client is the TCP peer, unless the peer is a trusted proxy: then it is the right-most
/// address of `X-Forwarded-For` (or, without that header, of RFC 7239 `Forwarded`) that is not
/// itself a trusted proxy — the address the outermost trusted proxy saw. Forwarding headers from
/// any other peer are ignored, so a client cannot choose its own address. The deployment's proxy
/// must set (append to) the header this reads.
public struct TrustedProxies: Sendable, Hashable {
    public let networks: [IPNetwork]

    public init(_ networks: [IPNetwork]) {
        self.networks = networks
    }

    /// Parses each entry (an address or a CIDR block); the entries that are neither come back
    /// as `invalid`.
    public static func parse(_ entries: [String]) -> (proxies: TrustedProxies, invalid: [String]) {
        var networks: [IPNetwork] = []
        var invalid: [String] = []
        for entry in entries {
            if let network = IPNetwork(entry) { networks.append(network) } else { invalid.append(entry) }
        }
        return (TrustedProxies(networks), invalid)
    }

    public func contains(_ address: IPAddress) -> Bool { networks.contains { $0.contains(address) } }

    /// The client address for a request from `peer` carrying these `X-Forwarded-For` and
    /// `Forwarded` header values (each header's lines in order).
    public func client(peer: String?, forwardedFor: [String], forwarded: [String]) -> String {
        guard let peer else { return "unknown" }
        guard !networks.isEmpty, let peerAddress = IPAddress(peer), contains(peerAddress) else { return peer }
        let hops = forwardedFor.isEmpty ? Self.forwardedHops(forwarded) : Self.forwardedForHops(forwardedFor)
        var client = peerAddress
        for hop in hops.reversed() {
            // An entry that is no address stops the walk: the client is the last hop a trusted proxy vouched for.
            guard let hop else { break }
            client = hop
            if !contains(hop) { break }
        }
        return client.description
    }

    /// `X-Forwarded-For: client, proxy1, proxy2` — addresses, optionally with a port.
    static func forwardedForHops(_ values: [String]) -> [IPAddress?] {
        values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { address(fromNode: $0.trimmingWhitespace()) }
    }

    /// RFC 7239: `Forwarded: for=192.0.2.60;proto=https, for="[2001:db8::1]:4711"`. Elements
    /// without a `for` parameter, and `unknown` or obfuscated nodes, are no address.
    static func forwardedHops(_ values: [String]) -> [IPAddress?] {
        var hops: [IPAddress?] = []
        for value in values {
            for element in splitOutsideQuotes(Substring(value), separator: ",") {
                var node: Substring?
                for pair in splitOutsideQuotes(element, separator: ";") {
                    let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    guard parts.count == 2, parts[0].trimmingWhitespace().lowercased() == "for" else { continue }
                    var raw = parts[1].trimmingWhitespace()
                    if raw.count >= 2, raw.first == "\"", raw.last == "\"" { raw = raw.dropFirst().dropLast() }
                    node = raw
                }
                hops.append(node.flatMap { address(fromNode: $0) })
            }
        }
        return hops
    }

    /// An address from `192.0.2.1`, `192.0.2.1:8080`, `2001:db8::1` or `[2001:db8::1]:8080`.
    static func address(fromNode node: Substring) -> IPAddress? {
        if node.first == "[" {
            guard let close = node.firstIndex(of: "]") else { return nil }
            let rest = node[node.index(after: close)...]
            guard rest.isEmpty || (rest.first == ":" && isPort(rest.dropFirst())) else { return nil }
            return IPAddress(node[node.index(after: node.startIndex)..<close])
        }
        if let address = IPAddress(node) { return address }
        // IPv4 with a port: exactly one colon.
        let parts = node.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, isPort(parts[1]) else { return nil }
        return IPAddress(parts[0]).flatMap { $0.isIPv4 ? $0 : nil }
    }

    private static func isPort(_ text: Substring) -> Bool {
        (1...5).contains(text.utf8.count) && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    private static func splitOutsideQuotes(_ text: Substring, separator: Character) -> [Substring] {
        var parts: [Substring] = []
        var start = text.startIndex
        var quoted = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "\"" {
                quoted.toggle()
            } else if character == "\\", quoted {
                index = text.index(after: index)
                if index == text.endIndex { break }
            } else if character == separator, !quoted {
                parts.append(text[start..<index])
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        parts.append(text[start...])
        return parts
    }
}

extension RequestOrigin {
    /// The key rate limits and lockouts count this client under: its address, or for IPv6 its
    /// /64 (one subscriber usually holds a whole /64, so limiting single addresses would limit
    /// nothing).
    public var limitKey: String {
        guard let address = IPAddress(clientAddress), !address.isIPv4 else { return clientAddress }
        return address.masked(to: 64).description + "/64"
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
