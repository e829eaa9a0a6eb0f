// Strict base64url: decoding never traps, and what decodes re-encodes to the same text
// (the decoder accepts only canonical input); any bytes round-trip through encoding.
import FastAuthJWS
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    if let decoded = Base64URL.decode(input.span) {
        require(Array(Base64URL.encode(decoded).utf8) == Array(input), "a non-canonical encoding was accepted")
    }
    let encoded = Base64URL.encode(input)
    require(Base64URL.decode(encoded) == Array(input), "encoding does not round-trip")
    require(encoded.utf8.count == Base64URL.encodedLength(input.count), "the encoded length is mispredicted")
    return 0
}

runFuzzer(fuzzOne)
