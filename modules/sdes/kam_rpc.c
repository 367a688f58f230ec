/*
 * modules/sdes/kam_rpc.c — RPC sdes.rekey (kam_rpc.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/dprint.h"
#include "core/str.h"

#include "ctl/bencode.h"

#include "sdes/kam_relay.h"
#include "sdes/kam_rpc.h"

/* sdes.rekey CALL-ID: the one rekey Kamailio can do without originating a
 * re-INVITE. srtpd already holds every key the SDP offered (several keys
 * per a=crypto line, RFC 4568 §6.1, or the old keys a sdes_rekey()
 * re-INVITE left installed: it never retires them), so each SRTP
 * leg's send side moves to the next installed key with srtpd's "rekey"
 * "next" (docs/protocol.md; the peer already knows that key and picks it by
 * MKI, RFC 3711 §8.1: zero loss). New keys need a re-offer: sdes_rekey()
 * on a re-INVITE. No key ever appears in the reply or the log. */
#define RPC_REKEY_NO_NEXT "no other key installed" /* srtpd's reason (cmd_rekey.c) */

void sdes_kam_rpc_rekey(rpc_t *rpc, void *ctx)
{
    str callid = STR_NULL;
    if (rpc->scan(ctx, "S", &callid) < 1) {
        rpc->fault(ctx, 400, "Call-ID expected");
        return;
    }
    if (!callid.s || callid.len <= 0 || callid.len > 255) {
        rpc->fault(ctx, 400, "Call-ID: want 1..255 bytes");
        return;
    }
    char err[256] = "", reason[2][256] = {"", ""};
    const ctl_be_doc *doc;
    const ctl_be *root;
    int relay = sdes_kam_relay_find(callid.s, (size_t)callid.len, &doc, &root, err, sizeof(err));
    if (relay == -2) {
        sdes_kam_relay_wipe_reply();
        rpc->fault(ctx, 404, "unknown call-id");
        return;
    }
    if (relay < 0) {
        sdes_kam_relay_wipe_reply();
        rpc->fault(ctx, 502, "%s", err[0] ? err : "no relay answered");
        return;
    }
    /* Which legs are SRTP: from the state reply (any stream), read before
     * the next request reuses the reply buffer; then wipe it (it carries
     * the sdes-state, which holds keys). */
    bool srtp[2] = {false, false};
    for (const ctl_be *st = ctl_be_first(doc, ctl_be_get(doc, root, "streams")); st;
         st = ctl_be_next(doc, st))
        for (int k = 0; k < 2; k++) {
            const ctl_be *t = ctl_be_get(doc, ctl_be_get(doc, st, k ? "b" : "a"), "transport");
            if (t && ctl_be_str_eq(t, "SRTP"))
                srtp[k] = true;
        }
    sdes_kam_relay_wipe_reply();
    if (!srtp[0] && !srtp[1]) {
        rpc->fault(ctx, 409, "call has no SRTP leg to rekey");
        return;
    }
    int64_t streams[2] = {-1, -1};
    int switched = 0, worst = 409; /* 409 unless some leg failed for another reason */
    for (int k = 0; k < 2; k++) {
        if (!srtp[k])
            continue;
        char body[512];
        ctl_benc w;
        ctl_benc_init(&w, body, sizeof(body));
        ctl_benc_dict(&w); /* bencode dict keys in sorted order */
        ctl_benc_kv_str(&w, "call-id", callid.s, (size_t)callid.len);
        ctl_benc_kv_cstr(&w, "command", "rekey");
        ctl_benc_kv_cstr(&w, "dir", "send");
        ctl_benc_kv_cstr(&w, "leg", k ? "b" : "a");
        ctl_benc_kv_int(&w, "next", 1);
        ctl_benc_end(&w);
        if (!ctl_benc_ok(&w)) {
            rpc->fault(ctx, 400, "Call-ID too long for a request");
            return;
        }
        int rc = sdes_kam_relay_send(relay, body, w.len, &doc, &root, reason[k], sizeof(reason[k]));
        if (rc == 0) {
            if (!ctl_be_get_int(doc, root, "streams", &streams[k]))
                streams[k] = 0;
            switched++;
        } else if (rc < 0 || !strstr(reason[k], RPC_REKEY_NO_NEXT)) {
            worst = 502;
        }
    }
    const char *rname = sdes_kam_relay_name(relay);
    if (!switched) {
        const char *why = reason[srtp[0] ? 0 : 1];
        if (worst == 502 && srtp[0] && srtp[1] && strstr(why, RPC_REKEY_NO_NEXT))
            why = reason[1]; /* report the failure that made this a 502 */
        LM_NOTICE("sdes.rekey %.*s on %s: %s\n", callid.len, callid.s, rname, why);
        rpc->fault(ctx, worst, "relay %s: %s", rname, why);
        return;
    }
    LM_INFO("sdes.rekey %.*s on %s: %d leg(s) switched to the next key\n", callid.len, callid.s,
            rname, switched);
    void *th, *lh;
    if (rpc->add(ctx, "{", &th) < 0) {
        rpc->fault(ctx, 500, "Internal error creating rpc struct");
        return;
    }
    rpc->struct_add(th, "Ss", "call-id", &callid, "relay", rname);
    for (int k = 0; k < 2; k++) {
        if (!srtp[k] || rpc->struct_add(th, "{", k ? "b" : "a", &lh) < 0)
            continue;
        if (streams[k] >= 0)
            rpc->struct_add(lh, "sd", "result", "switched", "streams", (int)streams[k]);
        else
            rpc->struct_add(lh, "ss", "result", "failed", "reason", reason[k]);
    }
}
