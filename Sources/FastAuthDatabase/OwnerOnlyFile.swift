#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Creating an SQLite database file readable and writable by its owner only.
enum OwnerOnlyFile {
    /// Creates an empty file at `path` with mode 0600 unless something is there already. SQLite
    /// then opens it as a new database, and gives its `-wal` and `-shm` files the database
    /// file's mode: none of the three (which hold password hashes and session state) is ever
    /// group or world readable. Failures are left for SQLite to report when it opens the path.
    static func create(_ path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 { close(descriptor) }
    }
}
