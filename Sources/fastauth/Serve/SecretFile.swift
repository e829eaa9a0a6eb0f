import FastAuth
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading secrets from files: `FASTAUTH_SECRET_FILE` (the deployment's), and the generated
/// development secret `.fastauth/secret` (created owner-only and refused if anyone else could
/// read or replace it).
enum SecretFile {
    /// Why a secret file cannot be used, in plain words.
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// The secret in the file at `path`: its contents without surrounding whitespace.
    static func read(_ path: String) throws(Problem) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw Problem(
                description: exists
                    ? (isDirectory.boolValue ? "\(path) is a directory" : "\(path) cannot be read (permission denied?)")
                    : "\(path) does not exist")
        }
        let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { throw Problem(description: "\(path) is empty") }
        return secret
    }

    /// The development secret in `directory/secret`, generated on first use; the second value
    /// says where it came from. A new file is created with `O_CREAT | O_EXCL` at mode 0600 (no
    /// moment when it exists with wider permissions, and never through a planted symlink); an
    /// existing one must be a regular file owned by this user that neither group nor others
    /// can read or write.
    static func development(directory: String) throws(Problem) -> (secret: String, notice: String) {
        let path = directory + "/secret"
        if let secret = try existing(path) {
            return (
                secret,
                "WARNING: FASTAUTH_SECRET is not set; using the development secret in \(path). Never do this in production."
            )
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw Problem(description: "cannot create \(directory): \(error.localizedDescription)")
        }
        let secret: String
        do {
            secret = try SecretGenerator.generate()
        } catch {
            throw Problem(description: "cannot generate a secret: \(error)")
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            // Another process created it first: use theirs, after the same checks.
            if errno == EEXIST, let secret = try existing(path) {
                return (
                    secret,
                    "WARNING: FASTAUTH_SECRET is not set; using the development secret in \(path). Never do this in production."
                )
            }
            throw Problem(description: "cannot create \(path): \(reason)")
        }
        let bytes = Array(secret.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let closed = close(descriptor)
        guard written == bytes.count, closed == 0 else {
            unlink(path)
            throw Problem(description: "cannot write \(path)")
        }
        return (
            secret,
            "WARNING: FASTAUTH_SECRET is not set; generated a development secret into \(path). Never do this in production."
        )
    }

    /// The secret in an existing development secret file after its checks, or `nil` when
    /// there is no file.
    private static func existing(_ path: String) throws(Problem) -> String? {
        // FileManager reads the entry itself (lstat): a symlink is reported as one, not followed.
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            if !FileManager.default.fileExists(atPath: path) { return nil }
            throw Problem(description: "cannot inspect \(path): \(error.localizedDescription)")
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw Problem(description: "\(path) is not a regular file (a symlink or a directory); remove it")
        }
        let owner = (attributes[.ownerAccountID] as? NSNumber)?.uint32Value
        guard owner == geteuid() else {
            throw Problem(
                description:
                    "\(path) belongs to user \(owner.map(String.init) ?? "?"), not to this user (\(geteuid())); "
                    + "remove it or set FASTAUTH_SECRET")
        }
        let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value ?? 0o777
        let permissions = mode & 0o777
        guard permissions & 0o077 == 0 else {
            throw Problem(
                description: "\(path) has mode \(String(permissions, radix: 8)): group or others can read or change "
                    + "the secret; run `chmod 600 \(path)` (or remove it to generate a new one)")
        }
        return try read(path)
    }
}
