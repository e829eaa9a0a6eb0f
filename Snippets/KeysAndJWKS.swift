// Asymmetric keys: a static PEM pair, or managed keys generated, stored and rotated.
// snippet.hide
import FastAuth
import Foundation

// The pair `fastauth generate-keys --algorithm RS256 --out keys` writes.
let privatePEM = (try? String(contentsOfFile: "keys/private.pem", encoding: .utf8)) ?? ""
let publicPEM = (try? String(contentsOfFile: "keys/public.pem", encoding: .utf8)) ?? ""
// snippet.show

// snippet.pem
let pemMode = JWTConfig(algorithm: .rs256, jwksEnabled: true, privateKey: privatePEM, publicKey: publicPEM)
// snippet.end

// snippet.managed
let managed = JWTConfig(algorithm: .es256, jwksEnabled: true, keyRotationInterval: .seconds(86_400))
// snippet.end
print(pemMode.algorithm, managed.algorithm)
