/*
 * rtp/relay/call.c — building a leg's SRTP contexts from the key specs
 * that arrive over the control protocol (suite, MKI length, session
 * parameters of RFC 4568 §6.3, master keys with MKI and lifetime), the
 * call's opaque sdes-state, and the names of the drop counters.
 */
#include "relay/call.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

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

void relay_call_set_state(relay_call *call, uint8_t *buf, size_t len)
{
    if (call->sdes_state) {
        OPENSSL_cleanse(call->sdes_state, call->sdes_state_len);
        free(call->sdes_state);
    }
    call->sdes_state = buf;
    call->sdes_state_len = buf ? len : 0;
    call->sdes_version++;
}
