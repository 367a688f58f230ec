/*
 * tests/e2e/ua_sdp.c — SDP and a=crypto handling of the test user agents,
 * on libosip2's parser (sdp_message_parse). a=crypto grammar from RFC 4568
 * §9.1: "TAG SP SUITE SP inline:KEY||SALT[|LIFETIME][|MKI:LENGTH]". Keys
 * are base64 (RFC 4648), padded or not (RTPengine sends them unpadded).
 */
#include "ua_sdp.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <osipparser2/osip_parser.h>
#include <osipparser2/sdp_message.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    size_t keysalt;
} suites[] = {
    {"AES_CM_128_HMAC_SHA1_80", 30}, {"AES_CM_128_HMAC_SHA1_32", 30},
    {"AES_192_CM_HMAC_SHA1_80", 38}, {"AES_192_CM_HMAC_SHA1_32", 38},
    {"AES_256_CM_HMAC_SHA1_80", 46}, {"AES_256_CM_HMAC_SHA1_32", 46},
    {"AEAD_AES_128_GCM", 28},        {"AEAD_AES_256_GCM", 44},
};

size_t ua_suite_keysalt_len(const char *suite)
{
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        if (strcmp(suites[i].name, suite) == 0)
            return suites[i].keysalt;
    return 0;
}

static int b64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    char tmp[128];
    unsigned char dec[96];
    size_t pad = 0;
    if (n == 0 || n + 3 >= sizeof(tmp))
        return -1;
    memcpy(tmp, in, n);
    while (n % 4) /* RTPengine leaves the padding off */
        tmp[n++] = '=';
    tmp[n] = '\0';
    /* EVP_DecodeBlock counts padding as zero bytes: take them off. */
    while (pad < 2 && tmp[n - 1 - pad] == '=')
        pad++;
    int k = EVP_DecodeBlock(dec, (const unsigned char *)tmp, (int)n);
    if (k < 0)
        return -1;
    size_t real = (size_t)k - pad;
    if (real > cap)
        return -1;
    memcpy(out, dec, real);
    *out_len = real;
    return 0;
}

/* One key param "KEY||SALT[|LIFETIME][|MKI:LENGTH]" after "inline:" (RFC
 * 4568 §9.1); *end gets where it stopped (';' before another key param). */
static int parse_key_param(const char *v, size_t want, uint8_t *keysalt, uint8_t *mki,
                           size_t *mki_len, char *lifetime, size_t lifetime_cap, const char **end)
{
    size_t klen = strcspn(v, " |;"), got = 0;
    if (!want || klen == 0 || b64_decode(v, klen, keysalt, UA_MAX_KEYSALT, &got) < 0 || got != want)
        return -1;
    const char *p = v + klen;
    while (*p == '|') {
        p++;
        const char *e = p + strcspn(p, "| ;");
        const char *colon = memchr(p, ':', (size_t)(e - p));
        if (colon) { /* MKI:LENGTH */
            unsigned long val = strtoul(p, NULL, 10), len = strtoul(colon + 1, NULL, 10);
            if (len == 0 || len > UA_MAX_MKI)
                return -1;
            *mki_len = len;
            for (size_t i = 0; i < len; i++)
                mki[len - 1 - i] = i < sizeof(val) ? (uint8_t)(val >> (8 * i)) : 0;
        } else if (lifetime) {
            snprintf(lifetime, lifetime_cap, "%.*s", (int)(e - p), p);
        }
        p = e;
    }
    *end = p;
    return 0;
}

static int parse_crypto(const char *v, ua_crypto *c)
{
    int used = 0;
    memset(c, 0, sizeof(*c));
    if (sscanf(v, "%u %39s inline:%n", &c->tag, c->suite, &used) != 2 || used == 0)
        return -1;
    size_t want = ua_suite_keysalt_len(c->suite);
    const char *p;
    if (parse_key_param(v + used, want, c->keysalt, c->mki, &c->mki_len, c->lifetime,
                        sizeof(c->lifetime), &p) < 0)
        return -1;
    c->keysalt_len = want;
    /* Further key params of the same line (RFC 4568 §9.1 key-params). */
    while (strncmp(p, ";inline:", 8) == 0) {
        if (c->n_more >= UA_MAX_MORE_KEYS)
            return -1;
        size_t k = c->n_more;
        if (parse_key_param(p + 8, want, c->more[k].keysalt, c->more[k].mki, &c->more[k].mki_len,
                            NULL, 0, &p) < 0)
            return -1;
        /* RFC 4568 §6.1: several keys need an MKI each, of one length. */
        if (!c->mki_len || c->more[k].mki_len != c->mki_len)
            return -1;
        c->n_more++;
    }
    return 0;
}

size_t ua_crypto_keys(const ua_crypto *c, ua_crypto *out, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return 0;
    out[n] = *c;
    out[n++].n_more = 0;
    for (size_t i = 0; i < c->n_more && n < cap; i++, n++) {
        out[n] = *c;
        out[n].n_more = 0;
        memcpy(out[n].keysalt, c->more[i].keysalt, c->keysalt_len);
        memcpy(out[n].mki, c->more[i].mki, c->more[i].mki_len);
        out[n].mki_len = c->more[i].mki_len;
    }
    return n;
}

int ua_sdp_parse(const char *body, ua_sdp *out, char *err, size_t errlen)
{
    sdp_message_t *sdp = NULL;
    int media = -1;

    memset(out, 0, sizeof(*out));
    if (sdp_message_init(&sdp) != 0) {
        snprintf(err, errlen, "sdp_message_init failed");
        return -1;
    }
    if (sdp_message_parse(sdp, body) != 0) {
        snprintf(err, errlen, "libosip2 cannot parse the SDP");
        sdp_message_free(sdp);
        return -1;
    }
    for (int i = 0; sdp_message_m_media_get(sdp, i); i++) {
        if (strcmp(sdp_message_m_media_get(sdp, i), "audio") == 0) {
            media = i;
            break;
        }
    }
    if (media < 0) {
        snprintf(err, errlen, "no m=audio in the SDP");
        sdp_message_free(sdp);
        return -1;
    }
    const char *addr = sdp_message_c_addr_get(sdp, media, 0);
    if (!addr)
        addr = sdp_message_c_addr_get(sdp, -1, 0);
    const char *port = sdp_message_m_port_get(sdp, media);
    const char *proto = sdp_message_m_proto_get(sdp, media);
    if (!addr || !port || !proto) {
        snprintf(err, errlen, "SDP lacks c= address, port or proto");
        sdp_message_free(sdp);
        return -1;
    }
    snprintf(out->addr, sizeof(out->addr), "%s", addr);
    out->port = (unsigned)strtoul(port, NULL, 10);
    snprintf(out->proto, sizeof(out->proto), "%s", proto);
    snprintf(out->dir, sizeof(out->dir), "sendrecv");
    for (int i = 0; sdp_message_a_att_field_get(sdp, media, i); i++) {
        const char *fld = sdp_message_a_att_field_get(sdp, media, i);
        if (!strcmp(fld, "sendonly") || !strcmp(fld, "recvonly") || !strcmp(fld, "inactive") ||
            !strcmp(fld, "sendrecv"))
            snprintf(out->dir, sizeof(out->dir), "%s", fld);
        if (strcmp(fld, "crypto") != 0)
            continue;
        const char *v = sdp_message_a_att_value_get(sdp, media, i);
        if (out->n_crypto < UA_MAX_CRYPTO && v && parse_crypto(v, &out->crypto[out->n_crypto]) == 0)
            out->n_crypto++;
        else
            out->n_bad_crypto++;
    }
    sdp_message_free(sdp);
    return 0;
}

int ua_sdp_build(char *buf, size_t cap, const char *addr, unsigned port, const char *proto,
                 const ua_crypto *crypto, size_t n)
{
    return ua_sdp_build_dir(buf, cap, addr, port, proto, crypto, n, "sendrecv");
}

int ua_sdp_build_dir(char *buf, size_t cap, const char *addr, unsigned port, const char *proto,
                     const ua_crypto *crypto, size_t n, const char *dir)
{
    /* One session per agent process: the o= id stays, the version goes up
     * with every SDP we write (RFC 3264 §8: a re-offer increments it). */
    static unsigned long sess, version;
    if (!sess)
        RAND_bytes((unsigned char *)&sess, sizeof(sess) / 2);
    sess |= 1;
    version++;
    const char *fam = strchr(addr, ':') ? "IP6" : "IP4";
    int k = snprintf(buf, cap,
                     "v=0\r\no=- %lu %lu IN %s %s\r\ns=sdesgate-e2e\r\nc=IN %s %s\r\nt=0 0\r\n"
                     "m=audio %u %s 0\r\na=rtpmap:0 PCMU/8000\r\n",
                     sess, version, fam, addr, fam, addr, port, proto);
    if (k < 0 || (size_t)k >= cap)
        return -1;
    size_t pos = (size_t)k;
    for (size_t i = 0; i < n; i++) {
        char b64[96], extra[64] = "";
        EVP_EncodeBlock((unsigned char *)b64, crypto[i].keysalt, (int)crypto[i].keysalt_len);
        if (crypto[i].lifetime[0]) {
            snprintf(extra, sizeof(extra), "|%s", crypto[i].lifetime);
        }
        if (crypto[i].mki_len) {
            unsigned long v = 0;
            /* The value sits in the last bytes (big-endian, zero-padded). */
            size_t first = crypto[i].mki_len > sizeof(v) ? crypto[i].mki_len - sizeof(v) : 0;
            for (size_t j = first; j < crypto[i].mki_len; j++)
                v = (v << 8) | crypto[i].mki[j];
            size_t el = strlen(extra);
            snprintf(extra + el, sizeof(extra) - el, "|%lu:%zu", v, crypto[i].mki_len);
        }
        k = snprintf(buf + pos, cap - pos, "a=crypto:%u %s inline:%s%s\r\n", crypto[i].tag,
                     crypto[i].suite, b64, extra);
        if (k < 0 || (size_t)k >= cap - pos)
            return -1;
        pos += (size_t)k;
    }
    k = snprintf(buf + pos, cap - pos, "a=%s\r\n", dir);
    if (k < 0 || (size_t)k >= cap - pos)
        return -1;
    return (int)(pos + (size_t)k);
}

void ua_sdp_mask(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return;
    while (*in && o + 1 < cap) {
        if (strncmp(in, "inline:", 7) == 0) {
            const char *m = "inline:<masked>";
            while (*m && o + 1 < cap)
                out[o++] = *m++;
            in += 7;
            while (*in && *in != '|' && *in != ' ' && *in != ';' && *in != '\r' && *in != '\n')
                in++;
            continue;
        }
        out[o++] = *in++;
    }
    out[o] = '\0';
}

int ua_crypto_new_key(ua_crypto *c)
{
    size_t n = ua_suite_keysalt_len(c->suite);
    if (!n)
        return -1;
    if (RAND_bytes(c->keysalt, (int)n) != 1)
        return -1;
    c->keysalt_len = n;
    return 0;
}
