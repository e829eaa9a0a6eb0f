// Request-body decoding as the auth routes do it, framework-free: the first line of the input
// is the `Content-Type`, the rest the body, decoded as that type says (JSON object, or a
// form) — and the body is also decoded as a form and as JSON whatever the type.
import FastAuth
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let lines = input.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false)
    let contentType = lines.first.map { String(decoding: $0, as: UTF8.self) }
    let body = lines.count > 1 ? Array(lines[1]) : []

    let media = RequestBodyDecoding.mediaType(ofContentType: contentType)
    require(RequestBodyDecoding.mediaType(ofContentType: contentType) == media, "classification is not stable")
    switch media {
    case .json:
        if case .object(let fields)? = try? JSONValue(parsing: body) { _ = fields["email"]?.stringValue }
    case .form:
        for (name, value) in RequestBodyDecoding.formFields(body) {
            require(value.stringValue != nil, "form field \(name) is not a string")
        }
    case .missing, .unsupported:
        break
    }
    _ = RequestBodyDecoding.formFields(input)
    _ = try? JSONValue(parsing: input)
    return 0
}

runFuzzer(fuzzOne)
