// RSA signing through the system's OpenSSL 3 libcrypto, loaded at run time.
//
// Nothing here needs OpenSSL's headers or links against libcrypto: the first call to
// fastauth_openssl_load() dlopen()s libcrypto.so.3 (libcrypto.3.dylib on macOS) and resolves
// the few EVP functions below by name, pinned to the OPENSSL_3.0.0 symbol version where the
// platform versions symbols. When the library is absent, older than 3.0 or lacks a function,
// loading fails and callers sign with BoringSSL instead.
#ifndef C_FASTAUTH_OPENSSL_H
#define C_FASTAUTH_OPENSSL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An RSA private key held by libcrypto (an EVP_PKEY).
typedef struct fastauth_openssl_rsa_key fastauth_openssl_rsa_key;

/// Loads libcrypto once per process. Returns 1 when OpenSSL 3 is ready to sign, 0 otherwise.
int fastauth_openssl_load(void);

/// The loaded library's version string ("OpenSSL 3.0.19 27 Jan 2026"), or NULL before a
/// successful load.
const char *fastauth_openssl_version(void);

/// Imports a DER RSA private key (PKCS#1 or PKCS#8). NULL when the library is not loaded or
/// the bytes are not an RSA private key.
fastauth_openssl_rsa_key *fastauth_openssl_rsa_key_import(const uint8_t *der, size_t der_length);

/// The key's modulus size in bits.
int fastauth_openssl_rsa_key_bits(const fastauth_openssl_rsa_key *key);

/// Frees a key from fastauth_openssl_rsa_key_import (NULL is ignored).
void fastauth_openssl_rsa_key_free(fastauth_openssl_rsa_key *key);

/// Signs a SHA-256/384/512 digest (digest_length 32, 48 or 64): RSASSA-PKCS1-v1_5 when pss is
/// 0, RSASSA-PSS with MGF1 of the same hash and a salt as long as the digest otherwise (RFC
/// 7518 §3.5). Writes at most signature_capacity bytes; returns the signature's length, or 0
/// on failure (the thread's OpenSSL error queue is cleared).
size_t fastauth_openssl_rsa_sign(
    const fastauth_openssl_rsa_key *key, int pss, const uint8_t *digest, size_t digest_length,
    uint8_t *signature, size_t signature_capacity);

#ifdef __cplusplus
}
#endif

#endif
