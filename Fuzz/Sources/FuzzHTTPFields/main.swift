// The request fields every HTTP adapter hands FastAuthHTTP raw: the `Cookie` header and the
// query string. The input is split at its first NUL into a name and the field's text; the
// readers must never trap, must only return text that was in the field, and must read back a
// value written in the plain form.
import FastAuthHTTP
import FuzzSupport

/// `true` when `needle`'s bytes occur, contiguous, in `haystack`.
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    if needle.isEmpty { return true }
    guard haystack.count >= needle.count else { return false }
    return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let parts = input.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
    let name = parts.first.map { String(decoding: $0, as: UTF8.self) } ?? ""
    let field = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self) : name

    if let value = RequestFields.cookie(name, in: [field, field]) {
        require(!value.utf8.contains(UInt8(ascii: ";")), "a cookie value ran over a ';'")
        // Byte-level: a value may start with a combining mark, which `String.contains` would
        // (rightly, for text) not find inside the grapheme it joins in the header.
        require(contains(Array(field.utf8), Array(value.utf8)), "a cookie value that was not in the header")
    }
    let plain = field.utf8.filter { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: "\"") }
    let value = String(decoding: plain, as: UTF8.self)
    require(
        RequestFields.cookie("fuzz", in: ["other=1; fuzz=" + value + "; last=2"]) == value,
        "a plain cookie value did not read back")

    _ = RequestFields.queryValue(name, in: field)
    let escaped = field.utf8.map { byte in
        let hex = Array("0123456789ABCDEF".utf8)
        return "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
    }.joined()
    require(
        RequestFields.queryValue("q", in: "a=1&q=" + escaped + "&q=second") == field,
        "a percent-encoded query value did not read back")
    return 0
}

runFuzzer(fuzzOne)
