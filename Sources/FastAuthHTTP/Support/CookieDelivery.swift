import FastAuth

/// Token responses in both delivery modes: the JSON token pair, or HttpOnly cookies
/// with a `{"message": "Authentication successful"}` body.
struct CookieDelivery: Sendable {
    let config: FastAuthConfig
    let csrf: CSRFTokens

    func tokenResponse(_ pair: TokenPair, status: Int) -> AuthHTTPResponse {
        guard config.tokenDelivery == .cookie else {
            var json = JSONWriter(capacity: pair.access.token.utf8.count + pair.refresh.token.utf8.count + 96)
            json.raw("{\"access_token\":")
            json.string(pair.access.token)
            json.raw(",\"refresh_token\":")
            json.string(pair.refresh.token)
            json.raw(",\"token_type\":\"bearer\",\"expires_in\":")
            json.int(pair.expiresIn)
            json.byte(UInt8(ascii: "}"))
            return JSONResponse.make(status, bytes: json.bytes)
        }
        var response = JSONResponse.make(status, ["message": "Authentication successful"])
        setTokenCookies(pair, on: &response)
        return response
    }

    /// Sets the access, refresh and CSRF cookies of `pair` on `response` (whatever the delivery
    /// mode: a social sign-in that ends in a redirect hands its tokens over this way).
    func setTokenCookies(_ pair: TokenPair, on response: inout AuthHTTPResponse) {
        let cookie = config.cookie
        let refreshLifetime = Int(
            pair.refresh.claims.expiresAt - (pair.refresh.claims.issuedAt ?? pair.refresh.claims.expiresAt))
        response.setCookie(
            value(cookie.accessTokenName, pair.access.token, maxAge: Int(pair.expiresIn), path: "/", httpOnly: true))
        response.setCookie(
            value(
                cookie.refreshTokenName, pair.refresh.token, maxAge: refreshLifetime,
                path: config.routePrefix + "/refresh", httpOnly: true))
        response.setCookie(
            value(cookie.csrfTokenName, csrf.make(), maxAge: refreshLifetime, path: "/", httpOnly: false))
    }

    /// Adds expired cookies that remove the token cookies (cookie mode).
    func clearing(_ response: AuthHTTPResponse) -> AuthHTTPResponse {
        guard config.tokenDelivery == .cookie else { return response }
        var response = response
        let cookie = config.cookie
        response.setCookie(value(cookie.accessTokenName, "", maxAge: 0, path: "/", httpOnly: true))
        response.setCookie(
            value(cookie.refreshTokenName, "", maxAge: 0, path: config.routePrefix + "/refresh", httpOnly: true))
        response.setCookie(value(cookie.csrfTokenName, "", maxAge: 0, path: "/", httpOnly: false))
        return response
    }

    /// A cookie with the configured domain and `Secure` flag, `SameSite=Lax`.
    func value(_ name: String, _ string: String, maxAge: Int, path: String, httpOnly: Bool) -> SetCookie {
        SetCookie(
            name: name, value: string, maxAge: maxAge, domain: config.cookie.domain, path: path,
            secure: config.cookie.secure, httpOnly: httpOnly)
    }
}
