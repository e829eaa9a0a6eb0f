package import JWTKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// jwt-kit's signer for key material: the reference engine the fast-path equivalence tests
/// compare ``SigningKey``'s swift-crypto and OpenSSL primitives against. Not used to sign or
/// verify tokens.
package enum JWTKitReference {
    /// jwt-kit's `JWTAlgorithm` for `material` under `id`.
    package static func signer(for material: KeyMaterial, id: KeyID) async throws -> any JWTAlgorithm {
        let collection = JWTKeyCollection()
        let jwkID = JWKIdentifier(string: id.rawValue)
        await add(material, kid: jwkID, to: collection)
        return try await collection.getKey(for: jwkID)
    }
}

/// jwt-kit as a complete JWS engine, behind the wire engine's protocol: jwt-kit's key
/// collection selects the key, checks the signature and (when signing) serialises the payload
/// with its own JSON encoder. The equivalence tests hold ``FastJWSEngine`` to it; nothing
/// signs or verifies production tokens with it.
package struct JWTKitEngine: JWSEngine {
    package var name: String { "jwt-kit" }
    private let collection: JWTKeyCollection
    private let keyless: KeyID?

    /// An engine over `keys` (the keyless key, if any, is jwt-kit's default key).
    package init(keys: [SigningKey], keyless: SigningKey? = nil) async throws {
        let collection = JWTKeyCollection()
        for key in keys + (keyless.map { [$0] } ?? []) {
            let isDefault = key.id == keyless?.id
            await JWTKitReference.add(
                key.material, kid: isDefault ? nil : JWKIdentifier(string: key.id.rawValue), to: collection)
        }
        self.collection = collection
        self.keyless = keyless?.id
    }

    package func sign(payload: [UInt8], keyID: KeyID) async throws -> String {
        let value = try JSONValue(parsing: payload)
        return try await collection.sign(ReferencePayload(value: value), kid: JWKIdentifier(string: keyID.rawValue))
    }

    package func verify(_ token: String, allowedAlgorithms: Set<SigningAlgorithm>?) async throws -> VerifiedJWS {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(String(parts[0])),
            let payload = Base64URL.decode(String(parts[1]))
        else { throw TokenError(.malformed, "not three base64url segments") }
        if case .object? = try? JSONValue(parsing: payload) {
            // A claim set: jwt-kit's whole pipeline (its parser, key selection, signature).
            _ = try await collection.verify(token, as: ReferencePayload.self)
        } else {
            // Any other payload (the RFC examples sign plain text), which jwt-kit's token API
            // cannot carry: its header type, its key selection and its signature check.
            let jwtHeader = try JSONDecoder().decode(JWTHeader.self, from: Data(headerBytes))
            let signer = try await collection.getKey(
                for: jwtHeader.kid.map { JWKIdentifier(string: $0) }, alg: jwtHeader.alg)
            guard let signature = Base64URL.decode(String(parts[2])),
                try signer.verify(
                    signature, signs: Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count)))
            else { throw TokenError(.invalidSignature, "jwt-kit: the signature does not verify") }
        }
        // jwt-kit has verified the signature; what the token carries is read back.
        let header = try TokenHeader.parse(headerBytes.span)
        if let allowedAlgorithms, !allowedAlgorithms.contains(SigningAlgorithm(header.algorithm)) {
            throw TokenError(.algorithmNotAllowed, "algorithm is not accepted here")
        }
        guard let keyID = header.keyID ?? keyless else { throw TokenError(.missingKeyID, "the token has no kid") }
        return VerifiedJWS(header: header, payload: payload, keyID: keyID)
    }

}

extension JWTKitReference {
    /// Adds `material` to `collection` under `kid` (`nil`: as the default key).
    package static func add(_ material: KeyMaterial, kid jwkID: JWKIdentifier?, to collection: JWTKeyCollection) async {
        let digest: DigestAlgorithm =
            switch material.algorithm.hashByteCount {
            case 48: .sha384
            case 64: .sha512
            default: .sha256
            }
        let isPSS = material.algorithm.family == .rsaPSS
        switch material.backing {
        case .hmac(let key):
            await collection.add(hmac: HMACKey(key: key), digestAlgorithm: digest, kid: jwkID)
        case .rsaPrivate(let key):
            if isPSS {
                await collection.add(pss: key, digestAlgorithm: digest, kid: jwkID)
            } else {
                await collection.add(rsa: key, digestAlgorithm: digest, kid: jwkID)
            }
        case .rsaPublic(let key):
            if isPSS {
                await collection.add(pss: key, digestAlgorithm: digest, kid: jwkID)
            } else {
                await collection.add(rsa: key, digestAlgorithm: digest, kid: jwkID)
            }
        case .p256Private(let key): await collection.add(ecdsa: key, kid: jwkID)
        case .p256Public(let key): await collection.add(ecdsa: key, kid: jwkID)
        case .p384Private(let key): await collection.add(ecdsa: key, kid: jwkID)
        case .p384Public(let key): await collection.add(ecdsa: key, kid: jwkID)
        case .p521Private(let key): await collection.add(ecdsa: key, kid: jwkID)
        case .p521Public(let key): await collection.add(ecdsa: key, kid: jwkID)
        case .ed25519Private(let key): await collection.add(eddsa: key, kid: jwkID)
        case .ed25519Public(let key): await collection.add(eddsa: key, kid: jwkID)
        }
    }
}

/// Any JSON payload, through jwt-kit's Codable pipeline.
private struct ReferencePayload: JWTPayload {
    let value: JSONValue

    init(value: JSONValue) { self.value = value }

    init(from decoder: any Decoder) throws { value = try ReferenceJSON(from: decoder).value }

    func encode(to encoder: any Encoder) throws { try ReferenceJSON(value: value).encode(to: encoder) }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// `Codable` for ``JSONValue``, for the reference engine only.
private struct ReferenceJSON: Codable {
    let value: JSONValue

    init(value: JSONValue) { self.value = value }

    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: Key.self) {
            var members: [String: JSONValue] = [:]
            for key in object.allKeys {
                members[key.stringValue] = try object.decode(ReferenceJSON.self, forKey: key).value
            }
            value = .object(members)
        } else if var array = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            while !array.isAtEnd { elements.append(try array.decode(ReferenceJSON.self).value) }
            value = .array(elements)
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                value = .null
            } else if let bool = try? single.decode(Bool.self) {
                value = .bool(bool)
            } else if let int = try? single.decode(Int64.self) {
                value = .int(int)
            } else if let double = try? single.decode(Double.self) {
                value = .double(double)
            } else {
                value = .string(try single.decode(String.self))
            }
        }
    }

    func encode(to encoder: any Encoder) throws {
        switch value {
        case .object(let members):
            var object = encoder.container(keyedBy: Key.self)
            for (name, member) in members {
                try object.encode(ReferenceJSON(value: member), forKey: Key(stringValue: name))
            }
        case .array(let elements):
            var array = encoder.unkeyedContainer()
            for element in elements { try array.encode(ReferenceJSON(value: element)) }
        case .null:
            var single = encoder.singleValueContainer()
            try single.encodeNil()
        case .bool(let bool):
            var single = encoder.singleValueContainer()
            try single.encode(bool)
        case .int(let int):
            var single = encoder.singleValueContainer()
            try single.encode(int)
        case .double(let double):
            var single = encoder.singleValueContainer()
            try single.encode(double)
        case .string(let string):
            var single = encoder.singleValueContainer()
            try single.encode(string)
        }
    }
}
