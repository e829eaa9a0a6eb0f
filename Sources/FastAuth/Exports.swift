// The wire engine's public types (JSONValue, TokenClaims, TokenHeader, TokenError, TokenType,
// SigningAlgorithm, KeyID, KeyError) are part of FastAuth's API: `import FastAuth` brings them.
@_exported public import FastAuthJWS
