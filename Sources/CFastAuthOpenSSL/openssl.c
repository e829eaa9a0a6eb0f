// See include/CFastAuthOpenSSL.h. OpenSSL's types are opaque here: only pointers to them
// cross this file, and the constants are the values OpenSSL 3 fixes in its ABI.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  // dlvsym
#endif
#include "CFastAuthOpenSSL.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_pkey_ctx_st EVP_PKEY_CTX;
typedef struct evp_md_st EVP_MD;

enum {
    FASTAUTH_EVP_PKEY_RSA = 6,            // NID_rsaEncryption
    FASTAUTH_RSA_PKCS1_PADDING = 1,
    FASTAUTH_RSA_PKCS1_PSS_PADDING = 6,
    FASTAUTH_RSA_PSS_SALTLEN_DIGEST = -1,  // salt as long as the digest
};
// OPENSSL_INIT_NO_ATEXIT: no cleanup handler at exit, which could free the library's state
// while another thread of the process is still signing.
static const uint64_t FASTAUTH_OPENSSL_INIT_NO_ATEXIT = 0x00080000L;

static struct {
    int (*init_crypto)(uint64_t, const void *);
    unsigned int (*version_major)(void);
    const char *(*version_text)(int);
    EVP_PKEY *(*d2i_auto_private_key)(EVP_PKEY **, const unsigned char **, long);
    void (*pkey_free)(EVP_PKEY *);
    int (*pkey_base_id)(const EVP_PKEY *);
    int (*pkey_bits)(const EVP_PKEY *);
    EVP_PKEY_CTX *(*ctx_new)(EVP_PKEY *, void *);
    void (*ctx_free)(EVP_PKEY_CTX *);
    int (*sign_init)(EVP_PKEY_CTX *);
    int (*sign)(EVP_PKEY_CTX *, unsigned char *, size_t *, const unsigned char *, size_t);
    int (*set_padding)(EVP_PKEY_CTX *, int);
    int (*set_saltlen)(EVP_PKEY_CTX *, int);
    int (*set_signature_md)(EVP_PKEY_CTX *, const EVP_MD *);
    int (*set_mgf1_md)(EVP_PKEY_CTX *, const EVP_MD *);
    const EVP_MD *(*sha256)(void);
    const EVP_MD *(*sha384)(void);
    const EVP_MD *(*sha512)(void);
    void (*clear_error)(void);
} lib;

static int loaded = 0;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void *resolve(void *handle, const char *name) {
#if defined(__linux__) && defined(__GLIBC__)
    // Every function used here exists since 3.0.0 and carries that symbol version.
    void *symbol = dlvsym(handle, name, "OPENSSL_3.0.0");
    if (symbol != NULL) return symbol;
#endif
    return dlsym(handle, name);
}

#define RESOLVE(field, name)                                   \
    do {                                                       \
        *(void **)(&lib.field) = resolve(handle, name);        \
        if (lib.field == NULL) goto fail;                      \
    } while (0)

static void load(void) {
#if defined(__APPLE__)
    static const char *const names[] = {"libcrypto.3.dylib", NULL};
#else
    static const char *const names[] = {"libcrypto.so.3", NULL};
#endif
    void *handle = NULL;
    for (int index = 0; names[index] != NULL && handle == NULL; index++) {
        handle = dlopen(names[index], RTLD_NOW | RTLD_LOCAL);
    }
    if (handle == NULL) return;
    RESOLVE(version_major, "OPENSSL_version_major");
    if (lib.version_major() != 3) goto fail;
    RESOLVE(init_crypto, "OPENSSL_init_crypto");
    if (lib.init_crypto(FASTAUTH_OPENSSL_INIT_NO_ATEXIT, NULL) != 1) goto fail;
    RESOLVE(version_text, "OpenSSL_version");
    RESOLVE(d2i_auto_private_key, "d2i_AutoPrivateKey");
    RESOLVE(pkey_free, "EVP_PKEY_free");
    RESOLVE(pkey_base_id, "EVP_PKEY_get_base_id");
    RESOLVE(pkey_bits, "EVP_PKEY_get_bits");
    RESOLVE(ctx_new, "EVP_PKEY_CTX_new");
    RESOLVE(ctx_free, "EVP_PKEY_CTX_free");
    RESOLVE(sign_init, "EVP_PKEY_sign_init");
    RESOLVE(sign, "EVP_PKEY_sign");
    RESOLVE(set_padding, "EVP_PKEY_CTX_set_rsa_padding");
    RESOLVE(set_saltlen, "EVP_PKEY_CTX_set_rsa_pss_saltlen");
    RESOLVE(set_signature_md, "EVP_PKEY_CTX_set_signature_md");
    RESOLVE(set_mgf1_md, "EVP_PKEY_CTX_set_rsa_mgf1_md");
    RESOLVE(sha256, "EVP_sha256");
    RESOLVE(sha384, "EVP_sha384");
    RESOLVE(sha512, "EVP_sha512");
    RESOLVE(clear_error, "ERR_clear_error");
    loaded = 1;
    return;
fail:
    memset(&lib, 0, sizeof lib);
    dlclose(handle);
}

int fastauth_openssl_load(void) {
    pthread_once(&load_once, load);
    return loaded;
}

const char *fastauth_openssl_version(void) {
    if (!fastauth_openssl_load()) return NULL;
    return lib.version_text(0);  // OPENSSL_VERSION
}

fastauth_openssl_rsa_key *fastauth_openssl_rsa_key_import(const uint8_t *der, size_t der_length) {
    if (!fastauth_openssl_load() || der == NULL || der_length == 0 || der_length > (size_t)0x7fffffff) return NULL;
    const unsigned char *cursor = der;
    EVP_PKEY *key = lib.d2i_auto_private_key(NULL, &cursor, (long)der_length);
    if (key == NULL) {
        lib.clear_error();
        return NULL;
    }
    if (lib.pkey_base_id(key) != FASTAUTH_EVP_PKEY_RSA || cursor != der + der_length) {
        lib.pkey_free(key);
        return NULL;
    }
    return (fastauth_openssl_rsa_key *)key;
}

int fastauth_openssl_rsa_key_bits(const fastauth_openssl_rsa_key *key) {
    if (key == NULL || !loaded) return 0;
    return lib.pkey_bits((const EVP_PKEY *)key);
}

void fastauth_openssl_rsa_key_free(fastauth_openssl_rsa_key *key) {
    if (key != NULL && loaded) lib.pkey_free((EVP_PKEY *)key);
}

size_t fastauth_openssl_rsa_sign(
    const fastauth_openssl_rsa_key *key, int pss, const uint8_t *digest, size_t digest_length,
    uint8_t *signature, size_t signature_capacity) {
    if (key == NULL || !loaded || digest == NULL || signature == NULL) return 0;
    const EVP_MD *md;
    switch (digest_length) {
    case 32: md = lib.sha256(); break;
    case 48: md = lib.sha384(); break;
    case 64: md = lib.sha512(); break;
    default: return 0;
    }
    // A context per signature: EVP_PKEY_CTX is not safe to share between threads, the key is.
    EVP_PKEY_CTX *context = lib.ctx_new((EVP_PKEY *)key, NULL);
    if (context == NULL) {
        lib.clear_error();
        return 0;
    }
    size_t length = signature_capacity;
    int ok = lib.sign_init(context) > 0 && lib.set_signature_md(context, md) > 0;
    if (ok && pss) {
        ok = lib.set_padding(context, FASTAUTH_RSA_PKCS1_PSS_PADDING) > 0 &&
             lib.set_mgf1_md(context, md) > 0 &&
             lib.set_saltlen(context, FASTAUTH_RSA_PSS_SALTLEN_DIGEST) > 0;
    } else if (ok) {
        ok = lib.set_padding(context, FASTAUTH_RSA_PKCS1_PADDING) > 0;
    }
    ok = ok && lib.sign(context, signature, &length, digest, digest_length) > 0;
    lib.ctx_free(context);
    if (!ok) {
        lib.clear_error();
        return 0;
    }
    return length;
}
