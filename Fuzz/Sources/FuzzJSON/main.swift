// The strict JSON scanner and writer: any input either fails with a JSONParseError or parses
// to a value whose serialisation parses back to the same serialisation.
import FastAuthJWS
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let value = try? JSONValue(parsing: input) else { return 0 }
    let written = value.jsonBytes
    guard let reparsed = try? JSONValue(parsing: written) else {
        require(false, "the writer produced JSON its own scanner refuses")
        return 0
    }
    require(reparsed.jsonBytes == written, "writing is not stable across a round trip")
    _ = value.prettyString
    return 0
}

runFuzzer(fuzzOne)
