/*
 * modules/sdes/engine/policy.c — parse, print and apply the encryption policy
 * (use case 2, cfg/edge-policy.cfg). The checks follow RFC 4568: suite strength from
 * §6.2 / RFC 6188 / RFC 7714 lengths, session parameters from §6.3
 * (UNENCRYPTED_*, UNAUTHENTICATED_SRTP weaken the stream), lifetimes §6.1.
 */
#include "sdes/engine/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sg_suite_id default_suites[] = {
    SG_SUITE_AES_CM_128_HMAC_SHA1_80, SG_SUITE_AES_CM_128_HMAC_SHA1_32,
    SG_SUITE_AES_256_CM_HMAC_SHA1_80, SG_SUITE_AES_256_CM_HMAC_SHA1_32,
    SG_SUITE_AES_192_CM_HMAC_SHA1_80, SG_SUITE_AES_192_CM_HMAC_SHA1_32,
    SG_SUITE_AEAD_AES_128_GCM,        SG_SUITE_AEAD_AES_256_GCM,
};

void sdes_policy_default(sdes_policy *p)
{
    memset(p, 0, sizeof *p);
    p->srtp = SDES_SRTP_OPTIONAL;
    p->n_suites = sizeof default_suites / sizeof default_suites[0];
    memcpy(p->suites, default_suites, sizeof default_suites);
    p->forbid_unencrypted = true;
    p->forbid_unauthenticated = true;
    p->mki = SDES_MKI_ANY;
    p->offer_max = 2;
    p->gen_keys = 1;
    p->roc = SG_ROC_KEEP;
}

static bool val_is(const char *v, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(v, lit, n) == 0;
}

static bool parse_uint(const char *v, size_t n, uint64_t max, uint64_t *out)
{
    uint64_t x = 0;
    if (n == 0 || n > 20)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        unsigned d = (unsigned)(v[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return false;
        x = x * 10 + d;
    }
    if (x > max)
        return false;
    *out = x;
    return true;
}

/* N or 2^N, 1..2^48 (RFC 3711 §9.2 maximum). */
static bool parse_lifetime(const char *v, size_t n, uint64_t *life, uint8_t *exp)
{
    uint64_t x;
    *exp = 0;
    if (n > 2 && v[0] == '2' && v[1] == '^') {
        if (!parse_uint(v + 2, n - 2, 48, &x) || x == 0)
            return false;
        *life = UINT64_C(1) << x;
        *exp = (uint8_t)x;
        return true;
    }
    if (!parse_uint(v, n, UINT64_C(1) << 48, &x) || x == 0)
        return false;
    *life = x;
    return true;
}

static int fail(char *err, size_t errlen, const char *what, const char *item, size_t n)
{
    if (err && errlen)
        snprintf(err, errlen, "policy: %s in \"%.*s\"", what, (int)(n > 64 ? 64 : n), item);
    return -1;
}

static int parse_item(const char *it, size_t n, sdes_policy *p, char *err, size_t errlen)
{
    const char *eq = memchr(it, '=', n);
    if (!eq)
        return fail(err, errlen, "expected key=value", it, n);
    size_t kn = (size_t)(eq - it);
    const char *v = eq + 1;
    size_t vn = n - kn - 1;
    uint64_t x;
    if (val_is(it, kn, "srtp")) {
        if (val_is(v, vn, "off"))
            p->srtp = SDES_SRTP_OFF;
        else if (val_is(v, vn, "optional"))
            p->srtp = SDES_SRTP_OPTIONAL;
        else if (val_is(v, vn, "require"))
            p->srtp = SDES_SRTP_REQUIRE;
        else
            return fail(err, errlen, "srtp must be off, optional or require", it, n);
    } else if (val_is(it, kn, "suites")) {
        p->n_suites = 0;
        size_t i = 0;
        while (i <= vn) {
            size_t j = i;
            while (j < vn && v[j] != ':')
                j++;
            const sg_suite *s = sg_suite_by_name(v + i, j - i);
            if (!s)
                return fail(err, errlen, "unknown suite", v + i, j - i);
            for (size_t k = 0; k < p->n_suites; k++)
                if (p->suites[k] == s->id)
                    return fail(err, errlen, "suite listed twice", v + i, j - i);
            p->suites[p->n_suites++] = s->id;
            i = j + 1;
        }
    } else if (val_is(it, kn, "min-key")) {
        if (!parse_uint(v, vn, 256, &x))
            return fail(err, errlen, "min-key must be bits up to 256", it, n);
        p->min_key_bits = (uint16_t)x;
    } else if (val_is(it, kn, "min-tag")) {
        if (!parse_uint(v, vn, 128, &x))
            return fail(err, errlen, "min-tag must be bits up to 128", it, n);
        p->min_tag_bits = (uint16_t)x;
    } else if (val_is(it, kn, "forbid") || val_is(it, kn, "allow")) {
        bool on = it[0] == 'f';
        size_t i = 0;
        while (i <= vn) {
            size_t j = i;
            while (j < vn && v[j] != ':')
                j++;
            if (val_is(v + i, j - i, "unencrypted"))
                p->forbid_unencrypted = on;
            else if (val_is(v + i, j - i, "unauthenticated"))
                p->forbid_unauthenticated = on;
            else
                return fail(err, errlen, "expected unencrypted or unauthenticated", it, n);
            i = j + 1;
        }
    } else if (val_is(it, kn, "mki")) {
        if (val_is(v, vn, "any"))
            p->mki = SDES_MKI_ANY;
        else if (val_is(v, vn, "require"))
            p->mki = SDES_MKI_REQUIRE;
        else if (val_is(v, vn, "forbid"))
            p->mki = SDES_MKI_FORBID;
        else
            return fail(err, errlen, "mki must be any, require or forbid", it, n);
    } else if (val_is(it, kn, "max-lifetime")) {
        uint8_t e;
        if (!parse_lifetime(v, vn, &p->max_lifetime, &e))
            return fail(err, errlen, "max-lifetime must be 1..2^48 (N or 2^N)", it, n);
    } else if (val_is(it, kn, "offer-max")) {
        if (!parse_uint(v, vn, SDES_MAX_OFFER_LINES, &x) || x == 0)
            return fail(err, errlen, "offer-max must be 1..4", it, n);
        p->offer_max = (uint8_t)x;
    } else if (val_is(it, kn, "gen-mki")) {
        if (!parse_uint(v, vn, SDES_MAX_GEN_MKI, &x))
            return fail(err, errlen, "gen-mki must be 0..4 bytes", it, n);
        p->gen_mki_len = (uint8_t)x;
    } else if (val_is(it, kn, "gen-mki-use")) {
        if (val_is(v, vn, "peer"))
            p->gen_mki_use = SDES_MKI_USE_PEER;
        else if (val_is(v, vn, "always"))
            p->gen_mki_use = SDES_MKI_USE_ALWAYS;
        else
            return fail(err, errlen, "gen-mki-use must be peer or always", it, n);
    } else if (val_is(it, kn, "gen-lifetime")) {
        if (!parse_lifetime(v, vn, &p->gen_lifetime, &p->gen_lifetime_exp))
            return fail(err, errlen, "gen-lifetime must be 1..2^48 (N or 2^N)", it, n);
    } else if (val_is(it, kn, "gen-keys")) {
        if (!parse_uint(v, vn, SDES_MAX_DIR_KEYS, &x) || x == 0)
            return fail(err, errlen, "gen-keys must be 1..4", it, n);
        p->gen_keys = (uint8_t)x;
    } else if (val_is(it, kn, "nomki")) {
        if (val_is(v, vn, "keep"))
            p->nomki_keep = true;
        else if (val_is(v, vn, "change"))
            p->nomki_keep = false;
        else
            return fail(err, errlen, "nomki must be change or keep", it, n);
    } else if (val_is(it, kn, "roc")) {
        if (val_is(v, vn, "keep"))
            p->roc = SG_ROC_KEEP;
        else if (val_is(v, vn, "reset"))
            p->roc = SG_ROC_RESET;
        else
            return fail(err, errlen, "roc must be keep or reset", it, n);
    } else {
        return fail(err, errlen, "unknown policy item", it, n);
    }
    return 0;
}

int sdes_policy_parse(const char *text, sdes_policy *p, char *err, size_t errlen)
{
    if (!text || !p)
        return -1;
    size_t len = strlen(text), i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != ',')
            j++;
        if (j > i && parse_item(text + i, j - i, p, err, errlen) < 0)
            return -1;
        i = j + 1;
    }
    if (p->n_suites == 0)
        return fail(err, errlen, "no suite allowed", text, len);
    if (p->gen_keys > 1 && p->gen_mki_len == 0)
        return fail(err, errlen, "gen-keys > 1 needs gen-mki >= 1 (RFC 4568 6.1)", text, len);
    if (p->mki == SDES_MKI_REQUIRE && p->gen_mki_len == 0)
        p->gen_mki_len = 1; /* our own keys obey our own rule */
    if (p->mki == SDES_MKI_FORBID && (p->gen_mki_len || p->gen_keys > 1))
        return fail(err, errlen, "mki=forbid contradicts gen-mki/gen-keys", text, len);
    if (p->max_lifetime && p->gen_lifetime > p->max_lifetime)
        return fail(err, errlen, "gen-lifetime above max-lifetime", text, len);
    return 0;
}

void sdes_policy_format(const sdes_policy *p, char *buf, size_t cap)
{
    static const char *lv[] = {"off", "optional", "require"};
    static const char *mk[] = {"any", "require", "forbid"};
    size_t n = 0;
    n += (size_t)snprintf(buf + n, cap > n ? cap - n : 0, "srtp=%s,suites=", lv[p->srtp]);
    for (size_t i = 0; i < p->n_suites; i++)
        n += (size_t)snprintf(buf + n, cap > n ? cap - n : 0, "%s%s", i ? ":" : "",
                              sg_suite_get(p->suites[i])->name);
    snprintf(buf + n, cap > n ? cap - n : 0,
             ",min-key=%u,min-tag=%u,forbid=%s%s%s,mki=%s,max-lifetime=%llu,offer-max=%u,"
             "gen-mki=%u,gen-mki-use=%s,gen-lifetime=%llu,gen-keys=%u,roc=%s,nomki=%s",
             p->min_key_bits, p->min_tag_bits, p->forbid_unencrypted ? "unencrypted" : "",
             p->forbid_unencrypted && p->forbid_unauthenticated ? ":" : "",
             p->forbid_unauthenticated ? "unauthenticated" : "", mk[p->mki],
             (unsigned long long)p->max_lifetime, p->offer_max, p->gen_mki_len,
             p->gen_mki_use == SDES_MKI_USE_ALWAYS ? "always" : "peer",
             (unsigned long long)p->gen_lifetime, p->gen_keys,
             p->roc == SG_ROC_RESET ? "reset" : "keep", p->nomki_keep ? "keep" : "change");
}

bool sdes_policy_mki_toward(const sdes_policy *p, uint8_t peer_mki_len)
{
    if (!p->gen_mki_len)
        return false;
    return p->gen_mki_use == SDES_MKI_USE_ALWAYS || p->mki == SDES_MKI_REQUIRE || peer_mki_len != 0;
}

bool sdes_policy_rekey_toward(const sdes_policy *p, uint8_t peer_mki_len)
{
    return !p->nomki_keep || sdes_policy_mki_toward(p, peer_mki_len);
}

int sdes_policy_rank(const sdes_policy *p, const sg_suite *suite)
{
    if (!suite)
        return -1;
    for (int i = 0; i < p->n_suites; i++)
        if (p->suites[i] == suite->id)
            return i;
    return -1;
}

const char *sdes_policy_check(const sdes_policy *p, const sdes_crypto_attr *a)
{
    if (!a->suite)
        return "unknown crypto-suite";
    if (sdes_policy_rank(p, a->suite) < 0)
        return "suite not allowed by policy";
    if (a->suite->key_len * 8u < p->min_key_bits)
        return "key shorter than policy min-key";
    if (a->suite->srtp_tag_len * 8u < p->min_tag_bits)
        return "auth tag shorter than policy min-tag";
    if (p->forbid_unencrypted && (a->unencrypted_srtp || a->unencrypted_srtcp))
        return "UNENCRYPTED_SRTP/SRTCP forbidden by policy";
    if (p->forbid_unauthenticated && a->unauthenticated_srtp)
        return "UNAUTHENTICATED_SRTP forbidden by policy";
    /* RFC 7714: AEAD always authenticates; the relay's SRTP context
     * refuses the combination, so the line is unusable whatever the policy. */
    if (a->unauthenticated_srtp && a->suite->cipher == SG_CIPHER_AES_GCM)
        return "UNAUTHENTICATED_SRTP with an AEAD suite";
    if (a->n_fec_keys || a->fec_order != SDES_FEC_NONE)
        return "FEC_ORDER/FEC_KEY not supported by the relay";
    if (a->n_keys > SDES_MAX_DIR_KEYS)
        return "more keys than the relay takes per direction (4)";
    for (size_t i = 0; i < a->n_keys; i++) {
        if (p->mki == SDES_MKI_REQUIRE && !a->keys[i].mki_len)
            return "MKI required by policy";
        if (p->mki == SDES_MKI_FORBID && a->keys[i].mki_len)
            return "MKI forbidden by policy";
        if (p->max_lifetime && a->keys[i].lifetime > p->max_lifetime)
            return "lifetime above policy max-lifetime";
    }
    return NULL;
}
