import ArgumentParser
import FastAuth
import FastAuthDatabase
import FastAuthSQL
import Foundation
import Logging

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage the stored signing keys of managed mode (FASTAUTH_JWKS_ENABLED=true without key files).",
        discussion: """
            Reads the same FASTAUTH_* variables as `serve` (the secret opens and seals the stored \
            private keys; FASTAUTH_PREVIOUS_SECRETS opens keys sealed under earlier secrets).
            """,
        subcommands: [ListKeys.self, RotateKeys.self, RetireKey.self, RewrapKeys.self])

    struct Options: ParsableArguments {
        @Option(name: .customLong("database-url"), help: "FASTAUTH_DATABASE_URL (default sqlite://fastauth.db)")
        var databaseURL: String?

        /// Opens the store and a key manager for the configuration in the environment, runs
        /// `body`, and closes the database.
        func withKeys<T>(_ body: (KeyManager) async throws -> T) async throws -> T {
            var environment = ProcessInfo.processInfo.environment
            if let databaseURL { environment["FASTAUTH_DATABASE_URL"] = databaseURL }
            let settings: ServeSettings
            do {
                settings = try ServeSettings.load(environment: environment)
            } catch {
                throw ValidationError("\(error)")
            }
            let config = settings.config
            guard config.jwt.jwksEnabled, config.staticPrivateKey == nil, !config.jwt.algorithm.isSymmetric else {
                throw ValidationError(
                    "keys are stored only in managed mode: set FASTAUTH_JWKS_ENABLED=true and an asymmetric FASTAUTH_ALGORITHM, without FASTAUTH_PRIVATE_KEY_FILE"
                )
            }
            let connection = try DatabaseConnection.open(
                settings.databaseURL, logger: Logger(label: "fastauth.database"))
            do {
                let store = SQLAuthStore(connection)
                try await store.createTables()
                let tokens = try await TokenService(config: config)
                let manager = KeyManager(config: config, keyRing: tokens.keyRing, store: store)
                let result = try await body(manager)
                await connection.shutdown()
                return result
            } catch {
                await connection.shutdown()
                throw error
            }
        }
    }

    struct ListKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the stored keys: kid, algorithm, state and their times.")
        @OptionGroup var options: Options

        func run() async throws {
            let keys = try await options.withKeys { try await $0.storedKeys() }
            print(KeysCommand.table(keys), terminator: "")
        }
    }

    struct RotateKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate",
            abstract: "Emergency rotation: the next key signs from now on (one is created if there is none).",
            discussion:
                "Running servers pick the new key up within their reload interval, or at once on a token with its kid.")
        @OptionGroup var options: Options

        func run() async throws {
            let kid = try await options.withKeys { try await $0.rotateNow() }
            print("signing with \(kid.rawValue)")
        }
    }

    struct RetireKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retire",
            abstract:
                "Retire a key: it stops signing (the next key takes over) and is published until its tokens expire.")
        @OptionGroup var options: Options
        @Argument(help: "The kid to retire.") var kid: String

        func run() async throws {
            try await options.withKeys { try await $0.retire(KeyID(kid)) }
            print("retired \(kid)")
        }
    }

    struct RewrapKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rewrap",
            abstract: "Re-encrypt stored private keys under the current secret (after a secret rotation).",
            discussion: "Put the old secret in FASTAUTH_PREVIOUS_SECRETS and the new one in FASTAUTH_SECRET.")
        @OptionGroup var options: Options

        func run() async throws {
            let report = try await options.withKeys { try await $0.rewrap() }
            print(KeysCommand.describe(report), terminator: "")
            if !report.failed.isEmpty { throw ExitCode(1) }
        }
    }

    /// What `keys rewrap` did, a line per key that was resealed or could not be.
    static func describe(_ report: KeyManager.RewrapReport) -> String {
        var text =
            "resealed \(report.resealed.count) key(s) under the current secret"
            + (report.alreadyCurrent.isEmpty ? "" : "; \(report.alreadyCurrent.count) already were") + "\n"
        for kid in report.resealed { text += "  resealed \(kid.rawValue)\n" }
        for (kid, reason) in report.failed.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            text += "  FAILED \(kid.rawValue): \(reason) (is the secret that sealed it in FASTAUTH_PREVIOUS_SECRETS?)\n"
        }
        return text
    }

    /// A plain-text table of keys.
    static func table(_ keys: [StoredSigningKey]) -> String {
        func date(_ value: Date?) -> String { value.map { $0.formatted(.iso8601) } ?? "-" }
        var rows = [["KID", "ALG", "STATE", "CREATED", "ACTIVATED", "RETIRED"]]
        for key in keys.sorted(by: { $0.createdAt < $1.createdAt }) {
            rows.append([
                key.id.rawValue, key.algorithm.rawValue, key.state.rawValue, date(key.createdAt), date(key.activatedAt),
                date(key.retiredAt),
            ])
        }
        let widths = (0..<6).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(
                separator: "  "
            )
            .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }
}
