import Crypto
public import Logging
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The published key set as the JWKS route serves it: serialised once per change.
public struct PublishedKeySet: Sendable, Hashable {
    /// `{"keys":[…]}` as UTF-8.
    public let json: [UInt8]
    /// A strong ETag (quoted) over ``json``.
    public let etag: String
    /// The key ids in the set.
    public let keyIDs: [KeyID]

    init(keys: [SigningKey]) {
        let members = keys.compactMap(\.publicJWK).map(JSONValue.object)
        json = JSONValue.object(["keys": .array(members)]).jsonBytes
        etag = "\"" + Base64URL.encode(Array(SHA256.hash(data: json)).prefix(18)) + "\""
        keyIDs = keys.map(\.id)
    }
}

/// Owns the access-token signing keys of an instance: loads them (PEM or the store), publishes
/// the JWKS, reloads on a schedule and on an unknown `kid`, and applies ``RotationPolicy``.
public final class KeyManager: Sendable {
    /// The ring the token engine signs and verifies with.
    public let keyRing: KeyRing
    private let store: (any SigningKeyStore)?
    private let config: FastAuthConfig
    private let clock: any WallClock
    private let sealing: KeySealing
    private let logger: Logger
    /// The rotation rules.
    public let policy: RotationPolicy
    private let state = Mutex<(published: PublishedKeySet?, lastUnknownKidReload: Date?)>((nil, nil))
    private let unopenable = Mutex<Set<KeyID>>([])

    /// Stored keys whose private half this instance cannot open (sealed under a secret it was
    /// not given): it publishes them but cannot sign with them.
    public var unopenableKeyIDs: Set<KeyID> { unopenable.withLock { $0 } }

    /// Unknown-`kid` reloads happen at most this often.
    public static let unknownKeyReloadInterval: TimeInterval = 5

    /// Creates the manager. `store` is required in managed mode (`jwksEnabled` without PEM).
    public init(
        config: FastAuthConfig, keyRing: KeyRing, store: (any SigningKeyStore)?, clock: any WallClock = SystemClock(),
        logger: Logger = Logger(label: "fastauth.keys")
    ) {
        self.config = config
        self.keyRing = keyRing
        self.store = store
        self.clock = clock
        self.logger = logger
        self.sealing = KeySealing(secret: config.secret, previousSecrets: config.previousSecrets)
        self.policy = RotationPolicy(
            interval: config.jwt.keyRotationInterval, jwksMaxAge: config.jwt.jwksMaxAge,
            accessTokenTTL: config.jwt.accessTokenTTL, leeway: config.jwt.leeway)
        if !isManaged, !config.jwt.algorithm.isSymmetric, let key = keyRing.snapshot.access.signingKey {
            state.withLock { $0.published = PublishedKeySet(keys: [key]) }
        }
    }

    /// `true` when keys live in the store (managed mode).
    public var isManaged: Bool {
        config.jwt.jwksEnabled && config.staticPrivateKey == nil && !config.jwt.algorithm.isSymmetric
    }

    /// The JWKS to serve; `nil` until keys are loaded (and always for HMAC configurations).
    public var published: PublishedKeySet? { state.withLock { $0.published } }

    // MARK: Loading

    /// Reads the managed keys from the store and installs them; returns the key ids.
    @discardableResult
    public func reload() async throws -> [KeyID] {
        guard isManaged, let store else { return published?.keyIDs ?? [] }
        let stored = try await store.signingKeys()
        var keys: [SigningKey] = []
        var signing: SigningKey?
        var cannotOpen: Set<KeyID> = []
        for record in stored.sorted(by: { order($0) < order($1) }) {
            do {
                if record.state == .current {
                    do {
                        let pem = try sealing.open(record.sealedPrivateKey, id: record.id).pem
                        let material = try KeyMaterial.privateKey(pem: pem, algorithm: record.algorithm)
                        let key = try SigningKey(
                            material: material, id: record.id, rsaBackend: config.jwt.rsaSigningBackend)
                        signing = signing ?? key
                        keys.append(key)
                        continue
                    } catch {
                        // Keep publishing its public half: verifiers must not see the key set flip
                        // because this instance was started with another secret.
                        cannotOpen.insert(record.id)
                        if !unopenable.withLock({ $0.contains(record.id) }) {
                            logger.critical(
                                "the current signing key's private half cannot be opened with FASTAUTH_SECRET or FASTAUTH_PREVIOUS_SECRETS: this instance cannot sign tokens until it is given the secret that sealed it; its public key stays published",
                                metadata: ["kid": "\(record.id)", "error": "\(error)"])
                        }
                    }
                }
                let jwk = try JSONValue(parsing: record.publicJWK)
                guard case .object(let members) = jwk else { continue }
                keys.append(try SigningKey(jwk: members, algorithm: record.algorithm))
            } catch {
                logger.error(
                    "skipping a stored signing key that cannot be loaded",
                    metadata: ["kid": "\(record.id)", "error": "\(error)"])
            }
        }
        unopenable.withLock { $0 = cannotOpen }
        keyRing.installAccessKeys(KeySet(signingKey: signing, verificationKeys: keys))
        let published = PublishedKeySet(keys: keys)
        let changed = state.withLock { state -> Bool in
            defer { state.published = published }
            return state.published?.etag != published.etag
        }
        if changed { logger.info("key set loaded", metadata: ["kids": "\(published.keyIDs.map(\.rawValue))"]) }
        return published.keyIDs
    }

    private func order(_ key: StoredSigningKey) -> Int {
        switch key.state {
        case .current: 0
        case .next: 1
        case .retired: 2
        }
    }

    /// Reloads because a token named an unknown `kid`, at most once per
    /// ``unknownKeyReloadInterval``; `true` when a reload happened.
    public func reloadForUnknownKeyID() async -> Bool {
        guard isManaged else { return false }
        let now = clock.now()
        let allowed = state.withLock { state -> Bool in
            if let last = state.lastUnknownKidReload, now.timeIntervalSince(last) < Self.unknownKeyReloadInterval {
                return false
            }
            state.lastUnknownKidReload = now
            return true
        }
        guard allowed else { return false }
        return (try? await reload()) != nil
    }

    // MARK: Rotation

    /// The instant on the manager's wall clock (the clock ``tick()`` decides by).
    public var now: Date { clock.now() }

    /// Applies rotation actions until the policy says wait, then reloads. Returns when to
    /// tick again.
    @discardableResult
    public func tick() async throws -> Date {
        guard isManaged, let store else { return clock.now().addingTimeInterval(86_400) }
        for _ in 0..<8 {
            let now = clock.now()
            let action = policy.tick(keys: try await store.signingKeys(), now: now)
            switch action {
            case .wait(let until):
                try await reload()
                return until
            case .createCurrent:
                try await create(state: .current, now: now)
            case .createNext:
                try await create(state: .next, now: now)
            case .promote(let next, let current):
                if try await store.promoteSigningKey(next: next, current: current, now: now) {
                    logger.notice(
                        "key rotated: new signing key",
                        metadata: ["kid": "\(next)", "retired": "\(current?.rawValue ?? "-")"])
                }
            case .retire(let id):
                _ = try await store.retireSigningKey(id, from: .current, now: now)
            case .remove(let id):
                if try await store.deleteRetiredSigningKey(id) {
                    logger.info("retired key removed from the key set", metadata: ["kid": "\(id)"])
                }
            }
        }
        try await reload()
        return clock.now().addingTimeInterval(1)
    }

    private func create(state: KeyState, now: Date) async throws {
        guard let store else { return }
        let material = try KeyMaterial.generate(algorithm: config.jwt.algorithm)
        guard let id = material.thumbprint, let pem = material.privateKeyPEM, var jwk = material.thumbprintMembers
        else {
            throw KeyError(.invalidKey, "a generated \(config.jwt.algorithm) key cannot be exported")
        }
        jwk["kid"] = .string(id.rawValue)
        jwk["alg"] = .string(config.jwt.algorithm.rawValue)
        jwk["use"] = "sig"
        let record = StoredSigningKey(
            id: id, algorithm: config.jwt.algorithm, state: state, createdAt: now,
            activatedAt: state == .current ? now : nil,
            publicJWK: JSONValue.object(jwk).jsonString, sealedPrivateKey: try sealing.seal(pem, id: id))
        if try await store.insertSigningKey(record) {
            logger.notice("signing key created", metadata: ["kid": "\(id)", "state": "\(state.rawValue)"])
        }
    }

    /// Emergency rotation: the next key (created if needed) signs from now on.
    public func rotateNow() async throws -> KeyID {
        guard let store else {
            throw KeyError(.unsupportedAlgorithm, "keys are not managed (set jwksEnabled without PEM keys)")
        }
        for _ in 0..<4 {
            let keys = try await store.signingKeys()
            let current = keys.first { $0.state == .current }
            guard let next = keys.first(where: { $0.state == .next }) else {
                try await create(state: .next, now: clock.now())
                continue
            }
            if try await store.promoteSigningKey(next: next.id, current: current?.id, now: clock.now()) {
                try await reload()
                return next.id
            }
        }
        throw KeyError(.invalidKey, "the key set kept changing; try again")
    }

    /// Retires `id` now (it stops signing if it was current; a next key takes over).
    public func retire(_ id: KeyID) async throws {
        guard let store else {
            throw KeyError(.unsupportedAlgorithm, "keys are not managed (set jwksEnabled without PEM keys)")
        }
        let keys = try await store.signingKeys()
        guard let key = keys.first(where: { $0.id == id }) else {
            throw KeyError(.invalidKey, "no stored key has kid \(id)")
        }
        switch key.state {
        case .retired: return
        case .next: _ = try await store.retireSigningKey(id, from: .next, now: clock.now())
        case .current:
            _ = try await rotateNow()
        }
        try await reload()
    }

    /// What ``rewrap()`` did with each stored key.
    public struct RewrapReport: Sendable, Hashable {
        /// Keys resealed under the current secret.
        public var resealed: [KeyID] = []
        /// Keys already sealed under the current secret.
        public var alreadyCurrent: [KeyID] = []
        /// Keys that could not be opened (or written), with why.
        public var failed: [KeyID: String] = [:]
    }

    /// Re-encrypts every stored private key under the current secret (after a secret
    /// rotation, with the old one in `previousSecrets`). A key that cannot be opened with any
    /// of the secrets is reported and skipped; the others are resealed all the same.
    public func rewrap() async throws -> RewrapReport {
        var report = RewrapReport()
        guard let store else { return report }
        for key in try await store.signingKeys() {
            do {
                let opened = try sealing.open(key.sealedPrivateKey, id: key.id)
                if opened.current {
                    report.alreadyCurrent.append(key.id)
                    continue
                }
                try await store.resealSigningKey(key.id, sealedPrivateKey: try sealing.seal(opened.pem, id: key.id))
                report.resealed.append(key.id)
            } catch {
                report.failed[key.id] = "\(error)"
            }
        }
        return report
    }

    /// The stored keys, for `fastauth keys list`.
    public func storedKeys() async throws -> [StoredSigningKey] {
        try await store?.signingKeys() ?? []
    }
}
