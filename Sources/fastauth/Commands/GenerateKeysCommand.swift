import ArgumentParser
import FastAuth
import Foundation

struct GenerateKeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-keys",
        abstract: "Generate a signing key pair as private.pem (mode 0600) and public.pem.",
        discussion: """
            Prints the key id (kid): the RFC 7638 thumbprint of the public key, the same value \
            FastAuth puts in token headers and in the JWKS. Use the files with \
            FASTAUTH_PRIVATE_KEY_FILE and FASTAUTH_PUBLIC_KEY_FILE.
            """)

    static let algorithms: [SigningAlgorithm] = [
        .rs256, .rs384, .rs512, .ps256, .ps384, .ps512, .es256, .es384, .eddsa,
    ]

    @Option(name: .long, help: "RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or EdDSA.")
    var algorithm: String = "RS256"

    @Option(name: .long, help: "RSA modulus size: 2048, 3072 or 4096 (RS*/PS* only).")
    var bits: Int = 2048

    @Option(name: .long, help: "Directory to write the files to (created if missing).")
    var out: String = "."

    @Flag(name: .long, help: "Overwrite existing private.pem/public.pem.")
    var force = false

    func validate() throws {
        guard Self.algorithms.contains(SigningAlgorithm(algorithm)) else {
            throw ValidationError(
                "--algorithm must be one of \(Self.algorithms.map(\.rawValue).joined(separator: ", ")), not \"\(algorithm)\""
            )
        }
        guard [2048, 3072, 4096].contains(bits) else {
            throw ValidationError("--bits must be 2048, 3072 or 4096, not \(bits)")
        }
    }

    func run() throws {
        let kid = try KeyFiles.generate(
            algorithm: SigningAlgorithm(algorithm), rsaBits: bits, directory: out, overwrite: force)
        print(kid.rawValue)
    }
}

/// Writing PEM key pairs to disk.
enum KeyFiles {
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// Generates a key pair and writes `private.pem` (0600) and `public.pem` (0644) into
    /// `directory`; refuses to replace existing files unless `overwrite`. Returns the kid.
    static func generate(algorithm: SigningAlgorithm, rsaBits: Int, directory: String, overwrite: Bool) throws -> KeyID
    {
        let files = FileManager.default
        let privatePath = directory + "/private.pem"
        let publicPath = directory + "/public.pem"
        if !overwrite {
            for path in [privatePath, publicPath] where files.fileExists(atPath: path) {
                throw Refusal(description: "\(path) already exists; use --force to overwrite it")
            }
        }
        let material = try KeyMaterial.generate(algorithm: algorithm, rsaBits: rsaBits)
        guard let privatePEM = material.privateKeyPEM, let publicPEM = material.publicKeyPEM,
            let kid = material.thumbprint
        else { throw Refusal(description: "\(algorithm) keys cannot be exported as PEM") }
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try write(privatePEM, to: privatePath, mode: 0o600)
        try write(publicPEM, to: publicPath, mode: 0o644)
        return kid
    }

    private static func write(_ text: String, to path: String, mode: Int) throws {
        let files = FileManager.default
        // Create empty with the final mode first, so the private key is never readable by others.
        if files.fileExists(atPath: path) { try files.removeItem(atPath: path) }
        guard files.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: mode]) else {
            throw Refusal(description: "cannot create \(path)")
        }
        try files.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw Refusal(description: "cannot open \(path)") }
        defer { try? handle.close() }
        try handle.write(contentsOf: Array(text.utf8))
    }
}
