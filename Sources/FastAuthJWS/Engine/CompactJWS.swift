#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The compact JWS serialisation (RFC 7515 §7.1): `header.payload.signature`, strictly parsed.
package struct CompactJWS {
    package var header: TokenHeader
    package var payload: [UInt8]
    package var signature: [UInt8]
    /// The byte count of `header.payload` at the start of the token: the signing input.
    package var signingInputCount: Int

    /// Splits and decodes `token` without any cryptography: exactly three segments, a
    /// non-empty header and signature, strict base64url, a header that passes
    /// ``TokenHeader/parse(_:)``.
    ///
    /// When the header segment is byte-for-byte the encoded header of one of `knownKeys` (every
    /// token FastAuth issued with that key), the key's pre-parsed header is used: it is what
    /// ``TokenHeader/parse(_:)`` returns for those bytes, so the result is the same.
    package static func parse(
        _ token: Span<UInt8>, maxBytes: Int, knownKeys: JWSKeys? = nil
    ) throws(TokenError) -> CompactJWS {
        guard token.count <= maxBytes else {
            throw TokenError(.oversized, "the token is \(token.count) bytes, over the \(maxBytes)-byte limit")
        }
        let (dotCount, dots) = Self.dots(in: token)
        guard dotCount == 2 else {
            throw TokenError(.malformed, "a compact JWT has three dot-separated segments, this one has \(dotCount + 1)")
        }
        let headerPart = token.extracting(0..<dots.0)
        let payloadPart = token.extracting((dots.0 + 1)..<dots.1)
        let signaturePart = token.extracting((dots.1 + 1)..<token.count)
        guard !headerPart.isEmpty else { throw TokenError(.malformed, "the header segment is empty") }
        guard !signaturePart.isEmpty else { throw TokenError(.malformed, "the signature segment is empty") }
        let preParsed = knownKeys.flatMap { Self.knownHeader(headerPart, in: $0) }
        let headerBytes: [UInt8]?
        if preParsed == nil {
            guard let decoded = Base64URL.decode(headerPart) else {
                throw TokenError(.malformed, "the header is not valid base64url")
            }
            headerBytes = decoded
        } else {
            headerBytes = nil
        }
        guard let payload = Base64URL.decode(payloadPart) else {
            throw TokenError(.malformed, "the payload is not valid base64url")
        }
        guard let signature = Base64URL.decode(signaturePart) else {
            throw TokenError(.malformed, "the signature is not valid base64url")
        }
        let header: TokenHeader
        if let preParsed {
            header = preParsed
        } else {
            let bytes = headerBytes ?? []
            header = try TokenHeader.parse(bytes.span)
        }
        return CompactJWS(header: header, payload: payload, signature: signature, signingInputCount: dots.1)
    }

    /// How many dots `token` has, and where the first two are.
    private static func dots(in token: Span<UInt8>) -> (count: Int, first: (Int, Int)) {
        var dots: (Int, Int) = (-1, -1)
        var dotCount = 0
        // memchr (vectorised in libc) rather than a byte loop: every dot is counted. Sound: it
        // reads only inside the span's own memory (from `from` for `count - from` bytes), and
        // the pointer does not leave the closure.
        unsafe token.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return }
            let start = unsafe UnsafeRawPointer(base)
            var from = 0
            while from < bytes.count,
                let found = unsafe memchr(start + from, Int32(UInt8(ascii: ".")), bytes.count - from)
            {
                let index = unsafe UnsafeRawPointer(found) - start
                dotCount += 1
                if dotCount == 1 { dots.0 = index } else if dotCount == 2 { dots.1 = index }
                from = index + 1
            }
        }
        return (dotCount, dots)
    }

    /// The pre-parsed header of the key in `keys` whose encoded header is exactly `segment`.
    private static func knownHeader(_ segment: Span<UInt8>, in keys: JWSKeys) -> TokenHeader? {
        func matches(_ key: JWSKey) -> TokenHeader? {
            guard let header = key.header else { return nil }
            let bytes = key.encodedHeader
            let encoded = bytes.span
            guard encoded.count == segment.count else { return nil }
            for index in 0..<encoded.count where encoded[index] != segment[index] { return nil }
            return header
        }
        if let signing = keys.signing, let header = matches(signing) { return header }
        for key in keys.byID.values {
            if let header = matches(key) { return header }
        }
        return nil
    }

    /// Rules 1 and 2: the `kid` selects the key (no fallback), the algorithm must be allowed
    /// and must be the one the key is pinned to.
    package func selectKey(
        from keys: JWSKeys, allowedAlgorithms: Set<SigningAlgorithm>?
    ) throws(TokenError) -> JWSKey {
        let algorithm = SigningAlgorithm(header.algorithm)
        // A configuration allows one or a few algorithms: comparing is cheaper than hashing.
        if let allowedAlgorithms,
            !(allowedAlgorithms.count <= 4
                ? allowedAlgorithms.contains(where: { $0 == algorithm }) : allowedAlgorithms.contains(algorithm))
        {
            throw TokenError(
                .algorithmNotAllowed, "algorithm \(TokenError.printable(header.algorithm)) is not accepted here")
        }
        let key: JWSKey
        if let kid = header.keyID {
            // The signing key is among the keys by id too, so trying it first finds the same
            // key without hashing the kid.
            if let signing = keys.signing, signing.id == kid {
                key = signing
            } else {
                guard let found = keys.byID[kid] else {
                    throw TokenError(.unknownKeyID, "no key has the token's kid")
                }
                key = found
            }
        } else {
            guard let keyless = keys.keyless else { throw TokenError(.missingKeyID, "the token has no kid") }
            key = keyless
        }
        guard key.algorithm == algorithm else {
            throw TokenError(
                .algorithmMismatch,
                "the token says \(TokenError.printable(header.algorithm)) but its key is \(key.algorithm)")
        }
        return key
    }

    /// Checks the signature over the received `header.payload` bytes of `token`.
    package func verifySignature(of token: Span<UInt8>, with key: JWSKey) throws(TokenError) {
        guard key.isValidSignature(signature, over: token.extracting(0..<signingInputCount)) else {
            throw TokenError(.invalidSignature, "the signature does not verify")
        }
    }

    /// Signs `payload` with `key`: `encodedHeader.base64url(payload).base64url(signature)`.
    package static func sign(payload: [UInt8], with key: JWSKey) throws(TokenError) -> String {
        var output = key.encodedHeader
        output.reserveCapacity(output.count + Base64URL.encodedLength(payload.count) + 200)
        output.append(UInt8(ascii: "."))
        Base64URL.encode(payload, into: &output)
        let signature: [UInt8]
        do {
            signature = try key.signature(over: output.span)
        } catch {
            throw TokenError(.signingFailed, "the \(key.algorithm) key could not sign")
        }
        output.append(UInt8(ascii: "."))
        Base64URL.encode(signature, into: &output)
        return String(decoding: output, as: UTF8.self)
    }
}
