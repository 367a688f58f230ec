/*
 * modules/sdes/call/bridge.c — flags to engine policy, and the stateless
 * offer check used by sdes_check()/sdes_offer() (RFC 4568 §7.1: an offer is
 * acceptable when at least one a=crypto per SRTP stream passes the policy).
 * The policy goes through the engine's own text parser, so both sides agree
 * on every limit and the engine's reason reaches the script unchanged.
 */
#include "sdes/call/bridge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* Append text to buf (always NUL-terminated); returns -1 when cut short. */
static int cat(char *buf, size_t cap, const char *text)
{
    size_t n = strlen(buf), t = strlen(text);
    if (n + t + 1 > cap)
        return -1;
    memcpy(buf + n, text, t + 1);
    return 0;
}

int sdes_call_engine_policy(const sdes_call_flags *f, sdes_policy *p, char *err, size_t errlen)
{
    char text[512] = "", tmp[64];
    int over = 0;

    if (errlen)
        err[0] = '\0';
    sdes_policy_default(p);
    switch (f->policy) {
    case SDES_CALL_POLICY_REQUIRE:
        over |= cat(text, sizeof(text), "srtp=require");
        break;
    case SDES_CALL_POLICY_STRONG:
        /* "Strong": 80-bit or longer tags (no _32), 128-bit keys or more,
         * and none of RFC 4568 §6.3.2's weakening session parameters. */
        over |= cat(text, sizeof(text),
                    "srtp=require,min-tag=80,min-key=128,forbid=unencrypted:unauthenticated");
        break;
    default:
        over |= cat(text, sizeof(text), "srtp=optional");
        break;
    }
    if ((f->set & SDES_CALL_F_SUITES) && f->n_suites) {
        over |= cat(text, sizeof(text), ",suites=");
        for (size_t i = 0; i < f->n_suites; i++) {
            const sg_suite *s = sg_suite_get(f->suites[i]);
            if (i)
                over |= cat(text, sizeof(text), ":");
            over |= cat(text, sizeof(text), s ? s->name : "?");
        }
    }
    if (f->set & SDES_CALL_F_MKI) {
        snprintf(tmp, sizeof(tmp), ",gen-mki=%u", f->mki_len);
        over |= cat(text, sizeof(text), tmp);
    }
    if (f->set & SDES_CALL_F_MKI_USE)
        over |= cat(text, sizeof(text),
                    f->mki_use == SDES_CALL_MKI_USE_ALWAYS ? ",gen-mki-use=always"
                                                           : ",gen-mki-use=peer");
    if (f->set & SDES_CALL_F_NOMKI)
        over |= cat(text, sizeof(text),
                    f->nomki == SDES_CALL_NOMKI_KEEP ? ",nomki=keep" : ",nomki=change");
    if (f->set & SDES_CALL_F_LIFETIME) {
        unsigned e = 0;
        while (e < 64 && (UINT64_C(1) << e) != f->lifetime)
            e++;
        if (e < 64)
            snprintf(tmp, sizeof(tmp), ",gen-lifetime=2^%u,max-lifetime=2^%u", e, e);
        else
            snprintf(tmp, sizeof(tmp), ",gen-lifetime=%llu,max-lifetime=%llu",
                     (unsigned long long)f->lifetime, (unsigned long long)f->lifetime);
        over |= cat(text, sizeof(text), tmp);
    }
    if (f->set & SDES_CALL_F_ROC)
        over |= cat(text, sizeof(text), f->roc == SDES_CALL_ROC_RESET ? ",roc=reset" : ",roc=keep");
    if (f->set & SDES_CALL_F_KEYS) {
        snprintf(tmp, sizeof(tmp), ",gen-keys=%u", f->keys);
        over |= cat(text, sizeof(text), tmp);
    }
    if (over) {
        if (errlen)
            snprintf(err, errlen, "flags make too long a policy");
        return -1;
    }
    return sdes_policy_parse(text, p, err, errlen);
}

int sdes_call_engine_rc(sdes_rej code)
{
    switch (code) {
    case SDES_REJ_OK:
        return 1;
    case SDES_REJ_NO_ACCEPTABLE_CRYPTO:
    case SDES_REJ_SRTP_REQUIRED:
    case SDES_REJ_SRTP_FORBIDDEN:
    case SDES_REJ_MODE_MISMATCH:
        return -2;
    case SDES_REJ_TOO_LARGE:
    case SDES_REJ_MULTIPART:
    case SDES_REJ_NOT_SDP:
    case SDES_REJ_MALFORMED:
    case SDES_REJ_TOO_MANY_MEDIA:
    case SDES_REJ_TOO_MANY_CRYPTO:
        return -4;
    default:
        return -1;
    }
}

sdes_rej sdes_call_engine_check(const sdes_call_flags *f, const char *body, size_t len,
                                char *reason, size_t reason_len, char *suite, size_t suite_len)
{
    sdes_policy pol;
    sdes_config cfg;
    sdes_state *st;
    sdes_result *res;
    char err[200];
    sdes_rej code;

    if (reason_len)
        reason[0] = '\0';
    if (suite_len)
        suite[0] = '\0';
    if (!f || !body) {
        if (reason_len)
            snprintf(reason, reason_len, "%s", sdes_rej_str(SDES_REJ_BAD_PARAM));
        return SDES_REJ_BAD_PARAM;
    }
    if (sdes_call_engine_policy(f, &pol, err, sizeof(err)) < 0) {
        if (reason_len)
            snprintf(reason, reason_len, "policy: %s", err);
        return SDES_REJ_BAD_PARAM;
    }
    /* Both are large (about 100 and 50 KiB): heap, not a worker's stack. */
    st = calloc(1, sizeof(*st));
    res = calloc(1, sizeof(*res));
    if (!st || !res) {
        free(st);
        free(res);
        if (reason_len)
            snprintf(reason, reason_len, "%s", sdes_rej_str(SDES_REJ_ALLOC));
        return SDES_REJ_ALLOC;
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.mode = f->mode == SDES_CALL_MODE_REKEY         ? SDES_MODE_REKEY
               : f->mode == SDES_CALL_MODE_PASSTHROUGH ? SDES_MODE_PASSTHROUGH
                                                       : SDES_MODE_DECRYPT;
    cfg.policy = &pol;
    sdes_state_init(st);
    code = sdes_offer(&cfg, body, len, NULL, 0, st, res);
    if (code == SDES_REJ_OK) {
        for (int i = 0; i < res->n_media; i++) {
            const sdes_keyset *k = &res->media[i].a_rx;
            const sg_suite *s = k->srtp ? sg_suite_get(k->suite) : NULL;
            if (s) {
                if (suite_len)
                    snprintf(suite, suite_len, "%s", s->name);
                break;
            }
        }
    } else if (reason_len) {
        snprintf(reason, reason_len, "%s", res->reason[0] ? res->reason : sdes_rej_str(code));
    }
    /* The engine made keys for an answer nobody will send: wipe them. */
    sdes_result_free(res);
    sdes_state_wipe(st);
    OPENSSL_cleanse(res, sizeof(*res));
    free(res);
    free(st);
    return code;
}
