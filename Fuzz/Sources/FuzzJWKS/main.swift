// The JWKS parser in both modes: lenient (a remote issuer's set, as the verifier reads it)
// and strict (key storage and configuration).
import FastAuth
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(fuzzInput(data, size))
    blocking {
        if let lenient = try? JWKSet(json: bytes, strict: false) {
            _ = lenient.keySet
        }
        if let strict = try? JWKSet(json: bytes, strict: true) {
            require(strict.skipped.isEmpty, "strict mode skipped a key instead of refusing the set")
        }
    }
    return 0
}

runFuzzer(fuzzOne)
