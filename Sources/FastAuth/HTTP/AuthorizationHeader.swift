/// Reading the `Authorization` request header.
package enum AuthorizationHeader {
    /// The token of an `Authorization: Bearer <token>` value (scheme case-insensitive,
    /// surrounding spaces and tabs ignored); `nil` for any other scheme or an empty token.
    /// Works on the UTF-8 bytes: Foundation's `trimmingCharacters` went through UTF-16 and
    /// cost more than verifying the token.
    package static func bearerToken(_ header: String) -> String? {
        let bytes = Array(header.utf8)
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isBlank(bytes[start]) { start += 1 }
        while end > start, isBlank(bytes[end - 1]) { end -= 1 }
        let scheme = Array("bearer".utf8)
        guard end - start > scheme.count, isBlank(bytes[start + scheme.count]) else { return nil }
        for (offset, expected) in scheme.enumerated() where bytes[start + offset] | 0x20 != expected { return nil }
        var tokenStart = start + scheme.count
        while tokenStart < end, isBlank(bytes[tokenStart]) { tokenStart += 1 }
        guard tokenStart < end else { return nil }
        return String(decoding: bytes[tokenStart..<end], as: UTF8.self)
    }
}
