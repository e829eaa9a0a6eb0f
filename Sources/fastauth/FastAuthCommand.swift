import ArgumentParser
import FastAuth

import Foundation

/// The `fastauth` command-line tool.
@main
struct FastAuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fastauth",
        abstract: "Token authentication for Swift servers: secrets, keys, tokens and the auth server.",
        version: FastAuthVersion.string,
        subcommands: [
            VersionCommand.self, GenerateSecretCommand.self, GenerateKeysCommand.self, TokenCommand.self,
            ServeCommand.self, MigrateCommand.self, KeysCommand.self, UsersCommand.self, RolesCommand.self,
        ]
    )

    /// Parses and runs; a bad argument or a failure prints one `fastauth: error: …` line to
    /// standard error and exits non-zero. `--help` and `--version` print as usual.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            if !(error is ExitCode) {
                let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
                writeError("fastauth: error: \(message)")
            }
            Foundation.exit(code.rawValue)
        }
    }
}

/// Writes a line to standard error.
func writeError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
