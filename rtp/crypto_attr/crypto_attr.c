/*
 * rtp/crypto_attr/crypto_attr.c — parse and format one SDES a=crypto attribute
 * (RFC 4568 §9.2 grammar; §6.1 key parameters; §6.3 session parameters).
 *
 * The parser works on a length-delimited copy-free view of the input and
 * names the first thing that is wrong (one status per reason, see
 * crypto_attr.h). Decoded keys go straight into the caller's struct; the
 * scratch buffer used for base64 decoding is wiped before every return.
 * ABNF literals are case-insensitive (RFC 5234 §2.3), so "inline", "KDR" and
 * suite names are matched without regard to case.
 */
#include "crypto_attr/crypto_attr.h"

#include <openssl/crypto.h>
#include <string.h>
#include <strings.h>

#define CA_MAX_INPUT 4096

static const struct {
    const char *text;
    const char *name;
} ca_status_tab[] = {
#define SDES_CA_TAB_(n, num, t) [num] = {t, #n},
    SDES_CA_STATUS_MAP(SDES_CA_TAB_)
#undef SDES_CA_TAB_
};

const char *sdes_ca_status_str(sdes_ca_status st)
{
    if ((unsigned)st >= sizeof ca_status_tab / sizeof ca_status_tab[0] || !ca_status_tab[st].text)
        return "unknown status";
    return ca_status_tab[st].text;
}

const char *sdes_ca_status_name(sdes_ca_status st)
{
    if ((unsigned)st >= sizeof ca_status_tab / sizeof ca_status_tab[0] || !ca_status_tab[st].name)
        return "UNKNOWN";
    return ca_status_tab[st].name;
}

bool sdes_ca_status_soft(sdes_ca_status st)
{
    return st == SDES_CA_UNKNOWN_SUITE || st == SDES_CA_UNKNOWN_PARAM;
}

/* Key bytes live only in keys[0, n_keys) and fec_keys[0, n_fec_keys) of a
 * struct this codec filled (the parser zeroes the struct first and wipes it
 * whole on an error mid-way), so only those are cleansed; the rest is zeroed
 * with memset. A struct whose counts are out of range is cleansed whole.
 * Wiping 6 KiB with OPENSSL_cleanse per attribute was a third of the
 * engine's time per SDP. */
void sdes_crypto_attr_wipe(sdes_crypto_attr *a)
{
    if (!a)
        return;
    if (a->n_keys > SDES_CA_MAX_KEYS || a->n_fec_keys > SDES_CA_MAX_KEYS) {
        OPENSSL_cleanse(a, sizeof *a);
        return;
    }
    OPENSSL_cleanse(a->keys, a->n_keys * sizeof a->keys[0]);
    OPENSSL_cleanse(a->fec_keys, a->n_fec_keys * sizeof a->fec_keys[0]);
    memset(a, 0, sizeof *a);
}

/* ---- base64 (RFC 4648 §4) ---------------------------------------------- */

static const char b64_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Devices differ: some pad, some (rtpengine, several phones) do not. Both
 * are accepted; '=' is allowed only as the last one or two characters of a
 * padded (multiple of 4) string. */
bool sdes_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t pad = 0;
    while (pad < len && pad < 2 && s[len - 1 - pad] == '=')
        pad++;
    if (pad && len % 4 != 0)
        return false;
    size_t n = len - pad;
    if (n == 0 || n % 4 == 1)
        return false;
    size_t total = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
    if (total > cap)
        return false;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_val((unsigned char)s[i]);
        if (v < 0)
            return false;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    acc = 0;
    *out_len = o;
    return true;
}

size_t sdes_base64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = b64_chars[(v >> 18) & 63];
        out[o++] = b64_chars[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64_chars[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64_chars[v & 63] : '=';
    }
    out[o] = '\0';
    return o;
}

/* ---- small scanners ----------------------------------------------------- */

typedef struct span {
    const char *p;
    size_t n;
} span;

static bool all_digits(span s)
{
    if (s.n == 0)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
    return true;
}

/* Decimal digits to uint64; false on overflow. */
static bool dec_u64(span s, uint64_t *v)
{
    uint64_t x = 0;
    for (size_t i = 0; i < s.n; i++) {
        unsigned d = (unsigned)(s.p[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return false;
        x = x * 10 + d;
    }
    *v = x;
    return true;
}

static bool span_ieq(span s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && strncasecmp(s.p, lit, n) == 0;
}

static bool span_iprefix(span s, const char *lit, span *rest)
{
    size_t n = strlen(lit);
    if (s.n < n || strncasecmp(s.p, lit, n) != 0)
        return false;
    rest->p = s.p + n;
    rest->n = s.n - n;
    return true;
}

/* Next field separated by `sep` from *s; false when *s is exhausted. */
static bool next_field(span *s, char sep, span *f)
{
    if (!s->p)
        return false;
    const char *e = memchr(s->p, sep, s->n);
    f->p = s->p;
    if (!e) {
        f->n = s->n;
        s->p = NULL;
        s->n = 0;
    } else {
        f->n = (size_t)(e - s->p);
        s->n -= f->n + 1;
        s->p = e + 1;
    }
    return true;
}

static bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* Next whitespace-separated token; false at the end. */
static bool next_token(span *s, span *t)
{
    while (s->n && is_wsp(*s->p)) {
        s->p++;
        s->n--;
    }
    if (!s->n)
        return false;
    t->p = s->p;
    while (s->n && !is_wsp(*s->p)) {
        s->p++;
        s->n--;
    }
    t->n = (size_t)(s->p - t->p);
    return true;
}

/* ---- key-params (RFC 4568 §6.1) ---------------------------------------- */

/* lifetime = ["2^"] 1*(DIGIT) */
static sdes_ca_status parse_lifetime(span f, const sg_suite *suite, sdes_key_param *k)
{
    span d;
    if (span_iprefix(f, "2^", &d)) {
        if (!all_digits(d))
            return SDES_CA_BAD_LIFETIME;
        uint64_t e;
        if (!dec_u64(d, &e) || e > 63)
            return SDES_CA_LIFETIME_MAX;
        k->lifetime = UINT64_C(1) << e;
        k->lifetime_exp = (uint8_t)e;
    } else {
        if (!all_digits(f))
            return SDES_CA_BAD_LIFETIME;
        if (!dec_u64(f, &k->lifetime))
            return SDES_CA_LIFETIME_MAX;
        k->lifetime_exp = 0;
    }
    if (k->lifetime == 0)
        return SDES_CA_LIFETIME_ZERO;
    if (k->lifetime > suite->max_lifetime_srtp)
        return SDES_CA_LIFETIME_MAX;
    return SDES_CA_OK;
}

/* mki = mki-value ":" mki-length; the value is a decimal number written into
 * mki-length bytes big-endian (RFC 4568 §6.1: it must fit). */
static sdes_ca_status parse_mki(span f, sdes_key_param *k)
{
    const char *colon = memchr(f.p, ':', f.n);
    if (!colon)
        return SDES_CA_BAD_MKI;
    span v = {f.p, (size_t)(colon - f.p)};
    span l = {colon + 1, f.n - v.n - 1};
    if (!all_digits(v) || !all_digits(l))
        return SDES_CA_BAD_MKI;
    uint64_t len;
    if (l.n > 3 || !dec_u64(l, &len) || len < 1 || len > SDES_CA_MAX_MKI_LEN)
        return SDES_CA_MKI_LENGTH;
    memset(k->mki, 0, sizeof k->mki);
    for (size_t i = 0; i < v.n; i++) {
        unsigned carry = (unsigned)(v.p[i] - '0');
        for (size_t j = (size_t)len; j-- > 0;) {
            unsigned x = k->mki[j] * 10u + carry;
            k->mki[j] = (uint8_t)x;
            carry = x >> 8;
        }
        if (carry)
            return SDES_CA_MKI_VALUE;
    }
    k->mki_len = (uint8_t)len;
    return SDES_CA_OK;
}

static sdes_ca_status parse_key_param(span f, const sg_suite *suite, sdes_key_param *k)
{
    span rest, part;
    if (!span_iprefix(f, "inline:", &rest))
        return SDES_CA_BAD_KEY_METHOD;
    next_field(&rest, '|', &part);
    uint8_t tmp[64];
    size_t n = 0;
    sdes_ca_status st = SDES_CA_OK;
    if (!sdes_base64_decode(part.p, part.n, tmp, sizeof tmp, &n)) {
        /* Distinguish a bad alphabet from a merely oversized key. */
        bool alpha_ok = part.n > 0;
        for (size_t i = 0; i < part.n && alpha_ok; i++)
            alpha_ok = b64_val((unsigned char)part.p[i]) >= 0 || part.p[i] == '=';
        st = alpha_ok && part.n > 80 ? SDES_CA_KEY_LENGTH : SDES_CA_BAD_BASE64;
        goto out;
    }
    if (n != (size_t)suite->key_len + suite->salt_len) {
        st = SDES_CA_KEY_LENGTH;
        goto out;
    }
    memcpy(k->key_salt, tmp, n);
    k->key_salt_len = (uint8_t)n;
    bool have_life = false, have_mki = false;
    while (next_field(&rest, '|', &part)) {
        if (have_mki) {
            st = SDES_CA_TRAILING;
            goto out;
        }
        if (memchr(part.p, ':', part.n)) {
            st = parse_mki(part, k);
            have_mki = true;
        } else if (!have_life) {
            st = parse_lifetime(part, suite, k);
            have_life = true;
        } else {
            st = SDES_CA_TRAILING;
        }
        if (st != SDES_CA_OK)
            goto out;
    }
out:
    OPENSSL_cleanse(tmp, sizeof tmp);
    return st;
}

/* key-params = key-param *(";" key-param); several keys need distinct MKIs of
 * one length (RFC 4568 §6.1: the MKI selects the key). */
static sdes_ca_status parse_key_params(span s, const sg_suite *suite, sdes_key_param *keys,
                                       uint8_t *n_keys)
{
    span f;
    size_t n = 0;
    while (next_field(&s, ';', &f)) {
        if (n == SDES_CA_MAX_KEYS)
            return SDES_CA_TOO_MANY_KEYS;
        sdes_ca_status st = parse_key_param(f, suite, &keys[n]);
        if (st != SDES_CA_OK)
            return st;
        n++;
    }
    if (n == 0)
        return SDES_CA_NO_KEY_PARAMS;
    if (n > 1) {
        for (size_t i = 0; i < n; i++) {
            if (!keys[i].mki_len)
                return SDES_CA_MKI_MISSING;
            if (keys[i].mki_len != keys[0].mki_len)
                return SDES_CA_MKI_LEN_MISMATCH;
            for (size_t j = 0; j < i; j++)
                if (memcmp(keys[i].mki, keys[j].mki, keys[i].mki_len) == 0)
                    return SDES_CA_DUPLICATE_MKI;
        }
    }
    *n_keys = (uint8_t)n;
    return SDES_CA_OK;
}

/* ---- session parameters (RFC 4568 §6.3) -------------------------------- */

enum {
    SP_KDR = 1,
    SP_UE_SRTP = 2,
    SP_UE_SRTCP = 4,
    SP_UA_SRTP = 8,
    SP_FEC_ORDER = 16,
    SP_FEC_KEY = 32,
    SP_WSH = 64
};

static sdes_ca_status parse_session_param(span t, sdes_crypto_attr *a, unsigned *seen)
{
    span v;
    unsigned bit;
    sdes_ca_status st = SDES_CA_OK;
    if (span_iprefix(t, "KDR=", &v)) {
        bit = SP_KDR;
        uint64_t x;
        /* kdr = "KDR=" 1*2(DIGIT). The ABNF comment says 0..24 but the
         * normative text (RFC 4568 §6.3.1) says n in {1..24}, no leading
         * zeroes. We take the text: "KDR=0" would mean re-deriving for every
         * packet (2^0) to a peer reading the ABNF and "never" to one reading
         * RFC 3711's rate 0, so accepting it risks a silent mismatch. */
        if (!all_digits(v) || v.n > 2 || (v.n == 2 && v.p[0] == '0') || !dec_u64(v, &x) || x < 1 ||
            x > 24)
            return SDES_CA_BAD_KDR;
        a->has_kdr = true;
        a->kdr = (uint8_t)x;
    } else if (span_ieq(t, "UNENCRYPTED_SRTP")) {
        bit = SP_UE_SRTP;
        a->unencrypted_srtp = true;
    } else if (span_ieq(t, "UNENCRYPTED_SRTCP")) {
        bit = SP_UE_SRTCP;
        a->unencrypted_srtcp = true;
    } else if (span_ieq(t, "UNAUTHENTICATED_SRTP")) {
        bit = SP_UA_SRTP;
        a->unauthenticated_srtp = true;
    } else if (span_iprefix(t, "FEC_ORDER=", &v)) {
        bit = SP_FEC_ORDER;
        if (span_ieq(v, "FEC_SRTP"))
            a->fec_order = SDES_FEC_FEC_SRTP;
        else if (span_ieq(v, "SRTP_FEC"))
            a->fec_order = SDES_FEC_SRTP_FEC;
        else
            return SDES_CA_BAD_FEC_ORDER;
    } else if (span_iprefix(t, "FEC_KEY=", &v)) {
        bit = SP_FEC_KEY;
        if (*seen & bit)
            return SDES_CA_DUPLICATE_PARAM;
        st = parse_key_params(v, a->suite, a->fec_keys, &a->n_fec_keys);
        if (st != SDES_CA_OK) {
            OPENSSL_cleanse(a->fec_keys, sizeof a->fec_keys);
            a->n_fec_keys = 0;
            return SDES_CA_BAD_FEC_KEY;
        }
    } else if (span_iprefix(t, "WSH=", &v)) {
        bit = SP_WSH;
        uint64_t x;
        /* wsh = "WSH=" 2*DIGIT; minimum 64 */
        if (!all_digits(v) || v.n < 2 || !dec_u64(v, &x) || x < 64 || x > UINT32_MAX)
            return SDES_CA_BAD_WSH;
        a->wsh = (uint32_t)x;
    } else {
        /* RFC 4568 §6.3: an unknown session parameter makes the attribute
         * unusable. Keep its name (up to '=') for the reason. */
        if (a->n_unknown < SDES_CA_MAX_UNKNOWN) {
            const char *eq = memchr(t.p, '=', t.n);
            size_t n = eq ? (size_t)(eq - t.p) : t.n;
            if (n >= SDES_CA_MAX_UNKNOWN_LEN)
                n = SDES_CA_MAX_UNKNOWN_LEN - 1;
            memcpy(a->unknown[a->n_unknown], t.p, n);
            a->unknown[a->n_unknown][n] = '\0';
        }
        if (a->n_unknown < UINT8_MAX)
            a->n_unknown++;
        return SDES_CA_OK;
    }
    if (*seen & bit)
        return SDES_CA_DUPLICATE_PARAM;
    *seen |= bit;
    return st;
}

/* ---- parse -------------------------------------------------------------- */

static sdes_ca_status parse_inner(span s, unsigned flags, sdes_crypto_attr *a)
{
    span t, rest;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return SDES_CA_BAD_CHAR;
    }
    if (span_iprefix(s, "a=crypto:", &rest))
        s = rest;
    if (!next_token(&s, &t))
        return SDES_CA_EMPTY;
    if (all_digits(t)) {
        uint64_t tag;
        if (t.n > 9 || !dec_u64(t, &tag))
            return SDES_CA_BAD_TAG;
        a->tag = (uint32_t)tag;
        a->has_tag = true;
        if (!next_token(&s, &t))
            return SDES_CA_NO_SUITE;
    } else if (!(flags & SDES_CA_PARSE_TAG_OPTIONAL)) {
        return SDES_CA_BAD_TAG;
    }
    /* crypto-suite = 1*(ALPHA / DIGIT / "_") */
    for (size_t i = 0; i < t.n; i++) {
        char c = t.p[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return SDES_CA_BAD_SUITE;
    }
    size_t nn = t.n < SDES_CA_MAX_SUITE_NAME - 1 ? t.n : SDES_CA_MAX_SUITE_NAME - 1;
    memcpy(a->suite_name, t.p, nn);
    a->suite_name[nn] = '\0';
    a->suite = sg_suite_by_name(t.p, t.n);
    if (!a->suite && t.n == nn) {
        char up[SDES_CA_MAX_SUITE_NAME];
        for (size_t i = 0; i <= nn; i++)
            up[i] =
                (char)((a->suite_name[i] >= 'a' && a->suite_name[i] <= 'z') ? a->suite_name[i] - 32
                                                                            : a->suite_name[i]);
        a->suite = sg_suite_by_name(up, nn);
        if (a->suite)
            memcpy(a->suite_name, up, nn + 1);
    }
    if (!a->suite)
        return SDES_CA_UNKNOWN_SUITE;
    if (!next_token(&s, &t))
        return SDES_CA_NO_KEY_PARAMS;
    sdes_ca_status st = parse_key_params(t, a->suite, a->keys, &a->n_keys);
    if (st != SDES_CA_OK)
        return st;
    unsigned seen = 0;
    while (next_token(&s, &t)) {
        st = parse_session_param(t, a, &seen);
        if (st != SDES_CA_OK)
            return st;
    }
    return a->n_unknown ? SDES_CA_UNKNOWN_PARAM : SDES_CA_OK;
}

sdes_ca_status sdes_crypto_attr_parse(const char *s, size_t len, unsigned flags,
                                      sdes_crypto_attr *out)
{
    if (!out)
        return SDES_CA_BAD_PARAM;
    memset(out, 0, sizeof *out);
    if (!s)
        return SDES_CA_BAD_PARAM;
    if (len > CA_MAX_INPUT)
        return SDES_CA_TOO_LONG;
    /* One trailing line end and trailing blanks are not part of the value. */
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || is_wsp(s[len - 1])))
        len--;
    sdes_ca_status st = parse_inner((span){s, len}, flags, out);
    if (st == SDES_CA_UNKNOWN_SUITE) {
        /* Keep the tag and name only: nothing after them was checked. */
        uint32_t tag = out->tag;
        bool has_tag = out->has_tag;
        char name[SDES_CA_MAX_SUITE_NAME];
        memcpy(name, out->suite_name, sizeof name);
        memset(out, 0, sizeof *out); /* no key was read yet */
        out->tag = tag;
        out->has_tag = has_tag;
        memcpy(out->suite_name, name, sizeof name);
    } else if (st != SDES_CA_OK && st != SDES_CA_UNKNOWN_PARAM) {
        /* A key slot may be half written and not counted yet. */
        OPENSSL_cleanse(out, sizeof *out);
    }
    return st;
}

/* ---- format ------------------------------------------------------------- */

typedef struct outbuf {
    char *p;
    size_t cap, n;
    bool overflow;
} outbuf;

static void put(outbuf *o, const char *s, size_t n)
{
    if (o->overflow || o->n + n >= o->cap) {
        o->overflow = true;
        return;
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
    o->p[o->n] = '\0';
}

static void puts_(outbuf *o, const char *s)
{
    put(o, s, strlen(s));
}

static void put_u64(outbuf *o, uint64_t v)
{
    char d[24];
    size_t i = sizeof d;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(o, d + i, sizeof d - i);
}

/* Big-endian MKI bytes to decimal by repeated division (up to 128 bytes,
 * i.e. at most 309 digits). */
static void put_mki(outbuf *o, const uint8_t *mki, size_t len)
{
    uint8_t num[SDES_CA_MAX_MKI_LEN];
    char dig[320];
    size_t nd = 0;
    memcpy(num, mki, len);
    for (;;) {
        bool zero = true;
        unsigned rem = 0;
        for (size_t i = 0; i < len; i++) {
            unsigned x = (rem << 8) | num[i];
            num[i] = (uint8_t)(x / 10);
            rem = x % 10;
            if (num[i])
                zero = false;
        }
        dig[nd++] = (char)('0' + rem);
        if (zero)
            break;
    }
    for (size_t i = 0; i < nd / 2; i++) {
        char c = dig[i];
        dig[i] = dig[nd - 1 - i];
        dig[nd - 1 - i] = c;
    }
    put(o, dig, nd);
}

static void put_keys(outbuf *o, const sdes_key_param *keys, size_t n, unsigned flags)
{
    char b64[SDES_CA_MAX_KEY_SALT / 3 * 4 + 8];
    for (size_t i = 0; i < n; i++) {
        const sdes_key_param *k = &keys[i];
        if (i)
            put(o, ";", 1);
        puts_(o, "inline:");
        size_t bn = sdes_base64_encode(k->key_salt, k->key_salt_len, b64);
        if (flags & SDES_CA_FMT_MASK_KEYS)
            memset(b64, '*', bn);
        put(o, b64, bn);
        if (k->lifetime) {
            put(o, "|", 1);
            if (k->lifetime_exp && k->lifetime == UINT64_C(1) << k->lifetime_exp) {
                puts_(o, "2^");
                put_u64(o, k->lifetime_exp);
            } else {
                put_u64(o, k->lifetime);
            }
        }
        if (k->mki_len) {
            put(o, "|", 1);
            put_mki(o, k->mki, k->mki_len);
            put(o, ":", 1);
            put_u64(o, k->mki_len);
        }
    }
    OPENSSL_cleanse(b64, sizeof b64);
}

sdes_ca_status sdes_crypto_attr_format(const sdes_crypto_attr *a, unsigned flags, char *buf,
                                       size_t cap, size_t *out_len)
{
    if (!a || !buf || cap == 0)
        return SDES_CA_BAD_PARAM;
    buf[0] = '\0';
    if (!a->suite || a->n_unknown || a->n_keys == 0 || a->n_keys > SDES_CA_MAX_KEYS ||
        a->n_fec_keys > SDES_CA_MAX_KEYS || (a->has_tag && a->tag > SDES_CA_TAG_MAX))
        return SDES_CA_BAD_PARAM;
    size_t want = (size_t)a->suite->key_len + a->suite->salt_len;
    for (size_t i = 0; i < a->n_keys; i++)
        if (a->keys[i].key_salt_len != want || a->keys[i].mki_len > SDES_CA_MAX_MKI_LEN)
            return SDES_CA_BAD_PARAM;
    for (size_t i = 0; i < a->n_fec_keys; i++)
        if (a->fec_keys[i].key_salt_len != want || a->fec_keys[i].mki_len > SDES_CA_MAX_MKI_LEN)
            return SDES_CA_BAD_PARAM;
    outbuf o = {buf, cap, 0, false};
    if (flags & SDES_CA_FMT_PREFIX)
        puts_(&o, "a=crypto:");
    if (a->has_tag) {
        put_u64(&o, a->tag);
        put(&o, " ", 1);
    }
    puts_(&o, a->suite->name);
    put(&o, " ", 1);
    put_keys(&o, a->keys, a->n_keys, flags);
    if (a->has_kdr) {
        puts_(&o, " KDR=");
        put_u64(&o, a->kdr);
    }
    if (a->unencrypted_srtp)
        puts_(&o, " UNENCRYPTED_SRTP");
    if (a->unencrypted_srtcp)
        puts_(&o, " UNENCRYPTED_SRTCP");
    if (a->unauthenticated_srtp)
        puts_(&o, " UNAUTHENTICATED_SRTP");
    if (a->fec_order == SDES_FEC_FEC_SRTP)
        puts_(&o, " FEC_ORDER=FEC_SRTP");
    else if (a->fec_order == SDES_FEC_SRTP_FEC)
        puts_(&o, " FEC_ORDER=SRTP_FEC");
    if (a->n_fec_keys) {
        puts_(&o, " FEC_KEY=");
        put_keys(&o, a->fec_keys, a->n_fec_keys, flags);
    }
    if (a->wsh) {
        puts_(&o, " WSH=");
        put_u64(&o, a->wsh);
    }
    if (o.overflow) {
        OPENSSL_cleanse(buf, cap);
        buf[0] = '\0';
        return SDES_CA_BUFFER_SMALL;
    }
    if (out_len)
        *out_len = o.n;
    return SDES_CA_OK;
}
