import ArgumentParser
import FastAuth

struct GenerateSecretCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-secret",
        abstract: "Print a new random secret for FASTAUTH_SECRET.",
        discussion: """
            Reads N bytes from the system's cryptographically secure random number generator and \
            prints them as URL-safe base64 without padding (64 bytes give 86 characters).
            """)

    @Option(name: .long, help: "Number of random bytes (at least 32).")
    var length: Int = 64

    func validate() throws {
        guard length >= SecretGenerator.minimumBytes else {
            throw ValidationError("--length must be at least \(SecretGenerator.minimumBytes) bytes, not \(length)")
        }
    }

    func run() throws {
        print(try SecretGenerator.generate(byteCount: length))
    }
}
