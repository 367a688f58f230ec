/*
 * rtp/relay/call.c — building a leg's SRTP contexts from the key specs
 * that arrive over the control protocol (suite, MKI length, session
 * parameters of RFC 4568 §6.3, master keys with MKI and lifetime), the
 * call's opaque sdes-state, and the names of the drop counters.
 */
#include "relay/call.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *relay_drop_name(relay_drop d)
{
    switch (d) {
#define RELAY_DROP_NAME_(n, s) \
    case RELAY_DROP_##n: \
        return s;
        RELAY_DROP_MAP(RELAY_DROP_NAME_)
#undef RELAY_DROP_NAME_
    case RELAY_DROP_COUNT:
        break;
    }
    return "?";
}

sg_status relay_crypto_build(const relay_crypto_spec *spec, sg_srtp_dir dir, sg_srtp_ctx **out,
                             const char **why)
{
    *out = NULL;
    sg_srtp_params p = spec->params;
    p.suite = spec->suite;
    p.dir = dir;
    sg_srtp_ctx *ctx;
    sg_status st = sg_srtp_ctx_new(&p, &ctx);
    if (st != SG_OK) {
        *why = "cannot create the SRTP context";
        return st;
    }
    for (size_t i = 0; i < spec->nkeys; i++) {
        sg_srtp_key k = {
            .master_key = spec->keys[i].master_key,
            .master_salt = spec->keys[i].master_salt,
            .mki = p.mki_len ? spec->keys[i].mki : NULL,
            .lifetime = spec->keys[i].lifetime,
        };
        st = sg_srtp_add_key(ctx, &k);
        if (st != SG_OK) {
            *why = "cannot add a master key";
            sg_srtp_ctx_free(ctx);
            return st;
        }
    }
    if (spec->has_use && dir == SG_SRTP_PROTECT && p.mki_len) {
        st = sg_srtp_use_key(ctx, spec->use_mki, p.mki_len);
        if (st != SG_OK) {
            *why = "cannot select the send key";
            sg_srtp_ctx_free(ctx);
            return st;
        }
    }
    *out = ctx;
    return SG_OK;
}

void relay_crypto_spec_wipe(relay_crypto_spec *spec)
{
    OPENSSL_cleanse(spec->keys, sizeof(spec->keys));
}

/* The next sdes-version: one counter for every call (control thread
 * only), from a random start at each srtpd run, so a version names one
 * store of one call of one run. A SIP side holding a version from before
 * a restart, or of a call deleted and made again with the same Call-ID,
 * can then never match (if-version) the state that is there now. */
static uint64_t relay_next_version(void)
{
    static uint64_t next;
    if (!next) {
        uint8_t r[6] = {0};
        RAND_bytes(r, sizeof(r)); /* on failure the time alone still differs per run */
        for (size_t i = 0; i < sizeof(r); i++)
            next = next << 8 | r[i];
        next ^= (uint64_t)time(NULL) << 16;
        next = (next & ((UINT64_C(1) << 52) - 1)) | 1; /* > 0, far below int64's limit */
    }
    return next++;
}

void relay_call_set_state(relay_call *call, uint8_t *buf, size_t len)
{
    if (call->sdes_state) {
        OPENSSL_cleanse(call->sdes_state, call->sdes_state_len);
        free(call->sdes_state);
    }
    call->sdes_state = buf;
    call->sdes_state_len = buf ? len : 0;
    call->sdes_version = relay_next_version();
}
