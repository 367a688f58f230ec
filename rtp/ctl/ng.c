/*
 * rtp/ctl/ng.c — ng framing ("COOKIE SPACE DICT", the framing of RTPengine's
 * ng protocol) and the HMAC-SHA256 authentication of control messages
 * (format in ng.h and docs/protocol.md). Crypto from OpenSSL only: EVP_MAC
 * for HMAC, RAND_bytes for nonces and cookies, CRYPTO_memcmp for the tag.
 */
#include "ctl/ng.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

bool ctl_ng_split(const char *msg, size_t len, const char **cookie, size_t *cookie_len,
                  const char **body, size_t *body_len)
{
    if (!msg || len < 3)
        return false;
    size_t i = 0;
    while (i < len && i <= CTL_MAX_COOKIE && msg[i] != ' ') {
        unsigned char c = (unsigned char)msg[i];
        if (c < 0x21 || c > 0x7e)
            return false;
        i++;
    }
    if (i == 0 || i > CTL_MAX_COOKIE || i >= len || msg[i] != ' ')
        return false;
    *cookie = msg;
    *cookie_len = i;
    *body = msg + i + 1;
    *body_len = len - i - 1;
    return *body_len > 0;
}

static const char ctl_hexd[] = "0123456789abcdef";

void ctl_hex(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = ctl_hexd[in[i] >> 4];
        out[2 * i + 1] = ctl_hexd[in[i] & 15];
    }
    out[2 * n] = 0;
}

bool ctl_random_hex(char *out, size_t n)
{
    unsigned char r[32];
    if (n > sizeof(r) || RAND_bytes(r, (int)n) != 1)
        return false;
    ctl_hex(r, n, out);
    return true;
}

/* HMAC-SHA256 over three pieces (prefix, the zeroed tag field, suffix) so
 * the message need not be copied to blank its own tag. Hex into out[65]. */
static bool ctl_hmac3(const void *key, size_t key_len, const char *a, size_t alen, const char *b,
                      size_t blen, const char *c, size_t clen, char *out)
{
    bool ok = false;
    unsigned char mac[32];
    size_t mlen = 0;
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    if (!ctx || !EVP_MAC_init(ctx, key, key_len, params) ||
        !EVP_MAC_update(ctx, (const unsigned char *)a, alen) ||
        !EVP_MAC_update(ctx, (const unsigned char *)b, blen) ||
        !EVP_MAC_update(ctx, (const unsigned char *)c, clen) ||
        !EVP_MAC_final(ctx, mac, &mlen, sizeof(mac)) || mlen != 32)
        goto out;
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = ctl_hexd[mac[i] >> 4];
        out[2 * i + 1] = ctl_hexd[mac[i] & 15];
    }
    out[64] = 0;
    ok = true;
out:
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(m);
    OPENSSL_cleanse(mac, sizeof(mac));
    return ok;
}

static const char ctl_zero_tag[CTL_HMAC_HEX + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

bool ctl_auth_sign(const void *secret, size_t secret_len, char *msg, size_t *len, size_t cap,
                   int64_t ts, const char *nonce)
{
    const char *cookie, *body;
    size_t cookie_len, body_len;
    if (!secret || !nonce || strlen(nonce) != CTL_NONCE_HEX ||
        !ctl_ng_split(msg, *len, &cookie, &cookie_len, &body, &body_len) || body[0] != 'd' ||
        msg[*len - 1] != 'e' || *len + CTL_AUTH_OVERHEAD > cap)
        return false;
    size_t n = *len - 1; /* drop the dict's closing 'e' */
    int w = snprintf(msg + n, cap - n,
                     "7:auth-ts"
                     "i%llde"
                     "10:auth-nonce"
                     "32:%s"
                     "9:auth-hmac"
                     "64:%s"
                     "e",
                     (long long)ts, nonce, ctl_zero_tag);
    if (w < 0 || (size_t)w >= cap - n)
        return false;
    n += (size_t)w;
    size_t tag_off = n - 1 - CTL_HMAC_HEX;
    char hex[CTL_HMAC_HEX + 1];
    if (!ctl_hmac3(secret, secret_len, msg, n, "", 0, "", 0, hex))
        return false;
    memcpy(msg + tag_off, hex, CTL_HMAC_HEX);
    *len = n;
    return true;
}

static bool ctl_is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

const char *ctl_auth_verify(const void *secret, size_t secret_len, const char *msg, size_t len,
                            const ctl_be_doc *doc, const ctl_be *root, int64_t now, int64_t skew,
                            char *nonce_out)
{
    const ctl_be *tag = ctl_be_get(doc, root, "auth-hmac");
    const ctl_be *nonce = ctl_be_get(doc, root, "auth-nonce");
    int64_t ts;
    if (!tag || !nonce || !ctl_be_get_int(doc, root, "auth-ts", &ts))
        return "authentication fields missing";
    if (tag->type != CTL_BE_STR || tag->len != CTL_HMAC_HEX || nonce->type != CTL_BE_STR ||
        nonce->len != CTL_NONCE_HEX || !ctl_is_hex(nonce->s, nonce->len))
        return "authentication fields malformed";
    if (tag->s < msg || tag->s + CTL_HMAC_HEX > msg + len)
        return "authentication fields malformed";
    char hex[CTL_HMAC_HEX + 1];
    size_t off = (size_t)(tag->s - msg);
    if (!ctl_hmac3(secret, secret_len, msg, off, ctl_zero_tag, CTL_HMAC_HEX,
                   msg + off + CTL_HMAC_HEX, len - off - CTL_HMAC_HEX, hex))
        return "HMAC computation failed";
    int bad = CRYPTO_memcmp(hex, tag->s, CTL_HMAC_HEX);
    OPENSSL_cleanse(hex, sizeof(hex));
    if (bad)
        return "bad HMAC";
    if (ts < now - skew || ts > now + skew)
        return "timestamp outside the allowed window";
    if (nonce_out) {
        memcpy(nonce_out, nonce->s, CTL_NONCE_HEX);
        nonce_out[CTL_NONCE_HEX] = 0;
    }
    return NULL;
}

/* SHA-256 fetched once: with EVP_sha256() OpenSSL 3 looks the
 * implementation up again on every request (an implicit fetch), a
 * measurable part of a control request's time. */
static EVP_MD *ctl_sha256;

static void ctl_sha256_fetch(void)
{
    ctl_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void ctl_digest(const void *msg, size_t len, uint8_t out[32])
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, ctl_sha256_fetch);
    unsigned int n = 32;
    if (!EVP_Digest(msg, len, out, &n, ctl_sha256 ? ctl_sha256 : EVP_sha256(), NULL))
        memset(out, 0, 32);
}
