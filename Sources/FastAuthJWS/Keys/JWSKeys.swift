/// The keys one verification may use: the key that signs now, every key that may verify (by
/// `kid`), and the key for tokens without a `kid`.
package struct JWSKeys: Sendable {
    package let signing: JWSKey?
    package let byID: [KeyID: JWSKey]
    package let keyless: JWSKey?

    /// A key set; the signing key is added to the keys by id.
    package init(signing: JWSKey?, verifying: [JWSKey] = [], keyless: JWSKey? = nil) {
        var keys: [KeyID: JWSKey] = [:]
        for key in verifying { keys[key.id] = key }
        if let signing { keys[signing.id] = signing }
        self.signing = signing
        self.byID = keys
        self.keyless = keyless
    }
}
