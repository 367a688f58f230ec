/*
 * modules/sdes/call/flags.c — parser for the flag strings of the sdes.so cfg
 * functions (syntax in call/flags.h). Rejects, never guesses: an unknown word,
 * a repeated item or an out-of-range number is an error naming the word, so
 * a typo in kamailio.cfg fails at start-up (fixup) instead of changing what
 * a call gets.
 */
#include "sdes/call/flags.h"

#include <stdio.h>
#include <string.h>

static const char *const mode_names[] = {
    [SDES_CALL_MODE_ENCRYPT] = "encrypt", [SDES_CALL_MODE_DECRYPT] = "decrypt",
    [SDES_CALL_MODE_REKEY] = "rekey",     [SDES_CALL_MODE_PASSTHROUGH] = "passthrough",
    [SDES_CALL_MODE_OSRTP] = "osrtp",
};

static const char *const policy_names[] = {
    [SDES_CALL_POLICY_OPTIONAL] = "optional",
    [SDES_CALL_POLICY_REQUIRE] = "require",
    [SDES_CALL_POLICY_STRONG] = "strong",
};

#define N_MODES    (sizeof(mode_names) / sizeof(mode_names[0]))
#define N_POLICIES (sizeof(policy_names) / sizeof(policy_names[0]))

const char *sdes_call_mode_name(sdes_call_mode m)
{
    return ((size_t)m < N_MODES && mode_names[m]) ? mode_names[m] : "unset";
}

const char *sdes_call_policy_name(sdes_call_policy p)
{
    return ((size_t)p < N_POLICIES && policy_names[p]) ? policy_names[p] : "unset";
}

static int word_eq(const char *w, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

static int lookup(const char *const *names, size_t count, const char *w, size_t n)
{
    for (size_t i = 1; i < count; i++)
        if (names[i] && word_eq(w, n, names[i]))
            return (int)i;
    return 0;
}

static void set_err(char *err, size_t errlen, const char *what, const char *w, size_t n)
{
    if (errlen == 0)
        return;
    /* The word is quoted but cut short: flags never hold secrets, yet a log
     * line should stay one short line. */
    snprintf(err, errlen, "%s '%.*s'", what, (int)(n > 40 ? 40 : n), w);
}

/* Unsigned decimal, no sign, no overflow; returns -1 on anything else. */
static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 20)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int parse_suites(const char *v, size_t n, sdes_call_flags *out, char *err, size_t errlen)
{
    size_t i = 0;
    if (n == 0) {
        set_err(err, errlen, "empty suite list in", v, n);
        return -1;
    }
    while (i <= n) {
        size_t j = i;
        while (j < n && v[j] != ',')
            j++;
        const sg_suite *s = sg_suite_by_name(v + i, j - i);
        if (!s) {
            set_err(err, errlen, "unknown crypto suite", v + i, j - i);
            return -1;
        }
        for (size_t k = 0; k < out->n_suites; k++) {
            if (out->suites[k] == s->id) {
                set_err(err, errlen, "suite listed twice:", v + i, j - i);
                return -1;
            }
        }
        out->suites[out->n_suites++] = s->id; /* distinct ids: cannot overflow */
        i = j + 1;
    }
    return 0;
}

static int parse_item(const char *w, size_t n, sdes_call_flags *out, char *err, size_t errlen)
{
    const char *eq = memchr(w, '=', n);
    unsigned bit;
    int idx;

    if (!eq) { /* a bare mode or policy name */
        if ((idx = lookup(mode_names, N_MODES, w, n)) > 0) {
            bit = SDES_CALL_F_MODE;
            if (out->set & bit)
                goto repeated;
            out->mode = (sdes_call_mode)idx;
        } else if (word_eq(w, n, "policy-loosen") || word_eq(w, n, "in-dialog")) {
            bit = w[0] == 'p' ? SDES_CALL_F_LOOSEN : SDES_CALL_F_INDIALOG;
            if (out->set & bit)
                goto repeated;
        } else if ((idx = lookup(policy_names, N_POLICIES, w, n)) > 0) {
            bit = SDES_CALL_F_POLICY;
            if (out->set & bit)
                goto repeated;
            out->policy = (sdes_call_policy)idx;
        } else {
            set_err(err, errlen, "unknown flag", w, n);
            return -1;
        }
        out->set |= bit;
        return 0;
    }

    size_t kn = (size_t)(eq - w);
    const char *v = eq + 1;
    size_t vn = n - kn - 1;
    uint64_t num;

    if (word_eq(w, kn, "mode")) {
        bit = SDES_CALL_F_MODE;
        if (out->set & bit)
            goto repeated;
        if ((idx = lookup(mode_names, N_MODES, v, vn)) == 0) {
            set_err(err, errlen, "unknown mode", v, vn);
            return -1;
        }
        out->mode = (sdes_call_mode)idx;
    } else if (word_eq(w, kn, "policy")) {
        bit = SDES_CALL_F_POLICY;
        if (out->set & bit)
            goto repeated;
        if ((idx = lookup(policy_names, N_POLICIES, v, vn)) == 0) {
            set_err(err, errlen, "unknown policy", v, vn);
            return -1;
        }
        out->policy = (sdes_call_policy)idx;
    } else if (word_eq(w, kn, "suites")) {
        bit = SDES_CALL_F_SUITES;
        if (out->set & bit)
            goto repeated;
        if (parse_suites(v, vn, out, err, errlen) < 0)
            return -1;
    } else if (word_eq(w, kn, "mki")) {
        bit = SDES_CALL_F_MKI;
        if (out->set & bit)
            goto repeated;
        /* RFC 4568 §6.1: MKI length 1..128 bytes; 0 here means "no MKI". */
        if (parse_u64(v, vn, &num) < 0 || num > 128) {
            set_err(err, errlen, "MKI length must be 0..128 bytes, not", v, vn);
            return -1;
        }
        out->mki_len = (unsigned)num;
    } else if (word_eq(w, kn, "mki-use")) {
        bit = SDES_CALL_F_MKI_USE;
        if (out->set & bit)
            goto repeated;
        if (word_eq(v, vn, "peer"))
            out->mki_use = SDES_CALL_MKI_USE_PEER;
        else if (word_eq(v, vn, "always"))
            out->mki_use = SDES_CALL_MKI_USE_ALWAYS;
        else {
            set_err(err, errlen, "mki-use must be peer or always, not", v, vn);
            return -1;
        }
    } else if (word_eq(w, kn, "nomki")) {
        bit = SDES_CALL_F_NOMKI;
        if (out->set & bit)
            goto repeated;
        if (word_eq(v, vn, "change"))
            out->nomki = SDES_CALL_NOMKI_CHANGE;
        else if (word_eq(v, vn, "keep"))
            out->nomki = SDES_CALL_NOMKI_KEEP;
        else {
            set_err(err, errlen, "nomki must be change or keep, not", v, vn);
            return -1;
        }
    } else if (word_eq(w, kn, "lifetime")) {
        bit = SDES_CALL_F_LIFETIME;
        if (out->set & bit)
            goto repeated;
        /* RFC 4568 §6.1 lifetime: decimal or 2^N; RFC 3711 §9.2 caps SRTP at 2^48. */
        if (vn > 2 && v[0] == '2' && v[1] == '^') {
            if (parse_u64(v + 2, vn - 2, &num) < 0 || num < 1 || num > 48) {
                set_err(err, errlen, "lifetime exponent must be 1..48, not", v, vn);
                return -1;
            }
            num = UINT64_C(1) << num;
        } else if (parse_u64(v, vn, &num) < 0 || num == 0 || num > SDES_CALL_MAX_LIFETIME) {
            set_err(err, errlen, "lifetime must be 1..2^48 packets, not", v, vn);
            return -1;
        }
        out->lifetime = num;
    } else if (word_eq(w, kn, "keys")) {
        bit = SDES_CALL_F_KEYS;
        if (out->set & bit)
            goto repeated;
        /* The engine keeps at most SDES_MAX_DIR_KEYS keys per direction. */
        if (parse_u64(v, vn, &num) < 0 || num < 1 || num > SDES_CALL_MAX_KEYS) {
            set_err(err, errlen, "keys must be 1..4 per a=crypto line, not", v, vn);
            return -1;
        }
        out->keys = (unsigned)num;
    } else if (word_eq(w, kn, "direction")) {
        /* Given twice (the offerer's side, then the other), so "repeated"
         * counts the names, not the bit. */
        if (out->n_direction >= 2) {
            set_err(err, errlen, "direction= given more than twice:", w, n);
            return -1;
        }
        if (!sdes_call_ifname_ok(v, vn)) {
            set_err(err, errlen,
                    "direction= wants an interface name (1..31 of A-Z a-z 0-9 _ . -), not", v, vn);
            return -1;
        }
        memcpy(out->direction[out->n_direction], v, vn);
        out->direction[out->n_direction][vn] = '\0';
        out->n_direction++;
        return 0; /* the bit is set when both are there (sdes_call_flags_parse) */
    } else if (word_eq(w, kn, "ice")) {
        bit = SDES_CALL_F_ICE;
        if (out->set & bit)
            goto repeated;
        if (word_eq(v, vn, "strip"))
            out->keep_ice = false;
        else if (word_eq(v, vn, "keep"))
            out->keep_ice = true;
        else {
            set_err(err, errlen, "ice must be strip or keep, not", v, vn);
            return -1;
        }
    } else if (word_eq(w, kn, "roc")) {
        bit = SDES_CALL_F_ROC;
        if (out->set & bit)
            goto repeated;
        if (word_eq(v, vn, "keep"))
            out->roc = SDES_CALL_ROC_KEEP;
        else if (word_eq(v, vn, "reset"))
            out->roc = SDES_CALL_ROC_RESET;
        else {
            set_err(err, errlen, "roc must be keep or reset, not", v, vn);
            return -1;
        }
    } else {
        set_err(err, errlen, "unknown flag", w, kn);
        return -1;
    }
    out->set |= bit;
    return 0;

repeated:
    set_err(err, errlen, "flag given twice:", w, n);
    return -1;
}

int sdes_call_flags_parse(const char *s, size_t len, sdes_call_flags *out, char *err, size_t errlen)
{
    size_t i = 0;

    if (errlen)
        err[0] = '\0';
    if (!out || (!s && len)) {
        if (errlen)
            snprintf(err, errlen, "bad parameter");
        return -1;
    }
    memset(out, 0, sizeof(*out));
    while (i < len) {
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ';'))
            i++;
        size_t j = i;
        while (j < len && s[j] != ' ' && s[j] != '\t' && s[j] != ';') {
            if (s[j] == '\0' || (unsigned char)s[j] < 0x20) {
                if (errlen)
                    snprintf(err, errlen, "control character in flags at offset %zu", j);
                return -1;
            }
            j++;
        }
        if (j > i && parse_item(s + i, j - i, out, err, errlen) < 0)
            return -1;
        i = j;
    }
    if (out->n_direction == 1) {
        if (errlen)
            snprintf(err, errlen,
                     "direction= needs two names: the offerer's side, then the other side's");
        return -1;
    }
    if (out->n_direction == 2)
        out->set |= SDES_CALL_F_DIRECTION;
    out->given = out->set;
    return 0;
}

bool sdes_call_ifname_ok(const char *s, size_t n)
{
    if (n == 0 || n >= SDES_CALL_IFNAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

void sdes_call_flags_apply_defaults(sdes_call_flags *f, const sdes_call_flags *d)
{
    if (!f || !d)
        return;
    if (!(f->set & SDES_CALL_F_DIRECTION) && (d->set & SDES_CALL_F_DIRECTION)) {
        memcpy(f->direction, d->direction, sizeof(f->direction));
        f->n_direction = d->n_direction;
    }
    if (!(f->set & SDES_CALL_F_ICE) && (d->set & SDES_CALL_F_ICE))
        f->keep_ice = d->keep_ice;
    if (!(f->set & SDES_CALL_F_MODE) && (d->set & SDES_CALL_F_MODE))
        f->mode = d->mode;
    if (!(f->set & SDES_CALL_F_POLICY) && (d->set & SDES_CALL_F_POLICY))
        f->policy = d->policy;
    if (!(f->set & SDES_CALL_F_SUITES) && (d->set & SDES_CALL_F_SUITES)) {
        memcpy(f->suites, d->suites, sizeof(f->suites));
        f->n_suites = d->n_suites;
    }
    if (!(f->set & SDES_CALL_F_MKI) && (d->set & SDES_CALL_F_MKI))
        f->mki_len = d->mki_len;
    if (!(f->set & SDES_CALL_F_LIFETIME) && (d->set & SDES_CALL_F_LIFETIME))
        f->lifetime = d->lifetime;
    if (!(f->set & SDES_CALL_F_KEYS) && (d->set & SDES_CALL_F_KEYS))
        f->keys = d->keys;
    if (!(f->set & SDES_CALL_F_ROC) && (d->set & SDES_CALL_F_ROC))
        f->roc = d->roc;
    if (!(f->set & SDES_CALL_F_MKI_USE) && (d->set & SDES_CALL_F_MKI_USE))
        f->mki_use = d->mki_use;
    if (!(f->set & SDES_CALL_F_NOMKI) && (d->set & SDES_CALL_F_NOMKI))
        f->nomki = d->nomki;
    f->set |= d->set;
}

/* Append a piece with truncation; *pos counts what did fit. */
static void put(char *buf, size_t cap, size_t *pos, const char *piece)
{
    size_t n = strlen(piece);
    if (*pos + 1 >= cap)
        return;
    if (n > cap - 1 - *pos)
        n = cap - 1 - *pos;
    memcpy(buf + *pos, piece, n);
    *pos += n;
    buf[*pos] = '\0';
}

size_t sdes_call_flags_format(const sdes_call_flags *f, char *buf, size_t cap)
{
    char tmp[96];
    size_t pos = 0;

    if (!buf || cap == 0)
        return 0;
    buf[0] = '\0';
    if (!f)
        return 0;
    if (f->set & SDES_CALL_F_MODE) {
        snprintf(tmp, sizeof(tmp), " mode=%s", sdes_call_mode_name(f->mode));
        put(buf, cap, &pos, tmp);
    }
    if (f->set & SDES_CALL_F_POLICY) {
        snprintf(tmp, sizeof(tmp), " policy=%s", sdes_call_policy_name(f->policy));
        put(buf, cap, &pos, tmp);
    }
    if (f->set & SDES_CALL_F_SUITES) {
        for (size_t i = 0; i < f->n_suites; i++) {
            const sg_suite *s = sg_suite_get(f->suites[i]);
            put(buf, cap, &pos, i ? "," : " suites=");
            put(buf, cap, &pos, s ? s->name : "?");
        }
    }
    if (f->set & SDES_CALL_F_MKI) {
        snprintf(tmp, sizeof(tmp), " mki=%u", f->mki_len);
        put(buf, cap, &pos, tmp);
    }
    if (f->set & SDES_CALL_F_LIFETIME) {
        unsigned e = 0;
        while (e < 64 && (UINT64_C(1) << e) != f->lifetime)
            e++;
        if (e < 64)
            snprintf(tmp, sizeof(tmp), " lifetime=2^%u", e);
        else
            snprintf(tmp, sizeof(tmp), " lifetime=%llu", (unsigned long long)f->lifetime);
        put(buf, cap, &pos, tmp);
    }
    if (f->set & SDES_CALL_F_ROC)
        put(buf, cap, &pos, f->roc == SDES_CALL_ROC_RESET ? " roc=reset" : " roc=keep");
    if (f->set & SDES_CALL_F_KEYS) {
        snprintf(tmp, sizeof(tmp), " keys=%u", f->keys);
        put(buf, cap, &pos, tmp);
    }
    if (f->set & SDES_CALL_F_MKI_USE)
        put(buf, cap, &pos,
            f->mki_use == SDES_CALL_MKI_USE_ALWAYS ? " mki-use=always" : " mki-use=peer");
    if (f->set & SDES_CALL_F_NOMKI)
        put(buf, cap, &pos, f->nomki == SDES_CALL_NOMKI_KEEP ? " nomki=keep" : " nomki=change");
    if (f->set & SDES_CALL_F_DIRECTION) {
        snprintf(tmp, sizeof(tmp), " direction=%s direction=%s", f->direction[0], f->direction[1]);
        put(buf, cap, &pos, tmp);
    }
    if (f->set & SDES_CALL_F_ICE)
        put(buf, cap, &pos, f->keep_ice ? " ice=keep" : " ice=strip");
    if (f->set & SDES_CALL_F_LOOSEN)
        put(buf, cap, &pos, " policy-loosen");
    if (f->set & SDES_CALL_F_INDIALOG)
        put(buf, cap, &pos, " in-dialog");
    if (pos > 0 && buf[0] == ' ') { /* drop the leading space */
        memmove(buf, buf + 1, pos); /* moves the NUL too */
        pos--;
    }
    return pos;
}
