// Getting started: a configuration, a token pair, custom claims and a database.
// snippet.hide
import FastAuth
import FastAuthDatabase
import FastAuthSQL

let secret = try SecretGenerator.generate()
// snippet.show

// snippet.configure
let config = try FastAuthConfig(
    secret: secret,  // at least 32 bytes: `fastauth generate-secret`
    jwt: JWTConfig(issuer: "https://auth.example.com", audience: ["api"]))
// snippet.end

// snippet.issue
let tokens = try await TokenService(config: config)
let user = UserAccount(id: .generate(), email: "ada@example.com", name: "Ada", createdAt: .now)
let pair = try await tokens.issuePair(for: user, sessionID: .generate())
let verified = try tokens.verifyAccessToken(pair.access.token)
// snippet.end
print(verified.claims.subject == user.id.rawValue)

// snippet.claims
struct PlanClaims: EventHooks {
    func modifyJWT(_ claims: TokenClaims, user: UserAccount, tokenType: TokenType) async throws -> TokenClaims {
        var claims = claims
        if tokenType == .access { claims[custom: "plan"] = "pro" }
        return claims
    }
}
let withPlan = try FastAuthConfig(secret: secret, hooks: PlanClaims())
// snippet.end
_ = withPlan

// snippet.database
let connection = try DatabaseConnection.open("sqlite://fastauth.db")  // or postgres://user:pass@host:5432/db
let store = SQLAuthStore(connection)  // the connection knows its engine (SQLite or PostgreSQL)
try await store.createTables()  // versioned migrations, safe on every start
let auth = try await AuthService(config: config, store: store)
// snippet.end
_ = auth
await connection.shutdown()
