/// The rules for role names and permissions: short, printable, no spaces — and no `/` in a role
/// name, which travels in URL paths.
enum RoleNames {
    static let maxRoleLength = 64
    static let maxPermissionLength = 128
    /// Names that `POST roles/{name}/permissions` could not reach: `roles/assign` and
    /// `roles/revoke` are routes of their own.
    static let routeWords: Set<String> = ["assign", "revoke"]

    /// Why `name` cannot be a role name, or `nil` when it can.
    static func problem(role name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.count > maxRoleLength { return "must be at most \(maxRoleLength) characters" }
        if name.contains("/") { return "must not contain \"/\"" }
        if routeWords.contains(name) { return "must not be \"\(name)\" (a word of the role routes' paths)" }
        if !isPrintable(name) { return "must not contain spaces or control characters" }
        return nil
    }

    /// Why `permission` cannot be a permission, or `nil` when it can.
    static func problem(permission: String) -> String? {
        if permission.isEmpty { return "must not be empty" }
        if permission.count > maxPermissionLength { return "must be at most \(maxPermissionLength) characters" }
        if !isPrintable(permission) { return "must not contain spaces or control characters" }
        return nil
    }

    private static func isPrintable(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { !$0.properties.isWhitespace && $0.properties.generalCategory != .control }
    }
}
