/*
 * modules/sdes/kam_body.c — SDP body access for sdes.so: check Content-Type,
 * parse with Kamailio's SDP parser, count a=crypto lines per stream, and
 * replace the body with a delete lump plus an insert lump (core/data_lump.h).
 * Never logs body text: a=crypto lines carry keys (keys are never logged).
 */
#include "sdes/kam_body.h"

#include <string.h>

#include "core/data_lump.h"
#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/parser/parse_content.h"
#include "core/parser/sdp/sdp.h"

#include "sdes/call/sdpsafe.h"

sdes_kam_body_rc sdes_kam_body_sdp(sip_msg_t *msg, str *body, const char **reason)
{
    int mime;

    body->s = get_body(msg);
    body->len = body->s ? msg->len - (int)(body->s - msg->buf) : 0;
    if (!body->s || body->len <= 0) {
        *reason = "no SDP body";
        return SDES_KAM_BODY_NONE;
    }
    mime = parse_content_type_hdr(msg);
    if (mime < 0) {
        *reason = "unparsable Content-Type";
        return SDES_KAM_BODY_NOT_SDP;
    }
    /* A multipart/mixed body (RFC 5621, e.g. SIP-I's SDP + ISUP) goes to
     * the engine whole: it rewrites the one SDP part and keeps every other
     * byte (multipart.c). Kamailio's parser checks the SDP part first. */
    int multi = mime == MIMETYPE(MULTIPART, MIXED);
    if (mime != 0 && mime != MIMETYPE(APPLICATION, SDP) && !multi) {
        *reason = ((unsigned)mime >> 16) == TYPE_MULTIPART
                      ? "multipart body other than multipart/mixed"
                      : "body is not application/sdp";
        return SDES_KAM_BODY_NOT_SDP;
    }
    int rc = parse_sdp(msg);
    if (rc != 0 || !msg->body) {
        *reason = rc == 1 ? "no SDP body"
                  : multi ? "malformed multipart body or SDP part"
                          : "malformed SDP";
        return rc == 1 ? SDES_KAM_BODY_NONE : SDES_KAM_BODY_BAD;
    }
    if (get_sdp_stream_num(msg) <= 0) {
        *reason = "SDP without media";
        return SDES_KAM_BODY_BAD;
    }
    *reason = "";
    return SDES_KAM_BODY_OK;
}

int sdes_kam_body_replace(sip_msg_t *msg, const char *text, int len)
{
    str body;
    struct lump *anchor;
    char *buf;

    body.s = get_body(msg);
    if (!body.s || len < 0) {
        LM_ERR("no body to replace\n");
        return -1;
    }
    body.len = msg->len - (int)(body.s - msg->buf);
    buf = pkg_malloc(len > 0 ? len : 1);
    if (!buf) {
        PKG_MEM_ERROR;
        return -1;
    }
    memcpy(buf, text, len);
    anchor = del_lump(msg, body.s - msg->buf, body.len, 0);
    if (!anchor) {
        LM_ERR("del_lump failed\n");
        pkg_free(buf);
        return -1;
    }
    if (!insert_new_lump_after(anchor, buf, len, 0)) {
        LM_ERR("insert_new_lump_after failed\n");
        pkg_free(buf); /* the lump did not take it */
        return -1;
    }
    return 0;
}

/* The Content-Type header becomes application/sdp (the neutral body is
 * SDP whatever the refused one was). Skipped when a lump already removes
 * the header (a second refusal of the same message): lumps must not
 * overlap. */
static int fix_content_type(sip_msg_t *msg)
{
    static const char ct[] = "Content-Type: application/sdp\r\n";
    struct hdr_field *h = msg->content_type;
    if (!h || parse_content_type_hdr(msg) == (int)MIMETYPE(APPLICATION, SDP))
        return 0;
    int off = (int)(h->name.s - msg->buf);
    for (struct lump *l = msg->add_rm; l; l = l->next)
        if (l->op == LUMP_DEL && l->u.offset == off)
            return 0;
    struct lump *anchor = del_lump(msg, off, h->len, HDR_CONTENTTYPE_T);
    char *buf = anchor ? pkg_malloc(sizeof(ct) - 1) : NULL;
    if (!buf) {
        LM_ERR("cannot replace Content-Type\n");
        return -1;
    }
    memcpy(buf, ct, sizeof(ct) - 1);
    if (!insert_new_lump_after(anchor, buf, sizeof(ct) - 1, HDR_CONTENTTYPE_T)) {
        LM_ERR("insert_new_lump_after failed\n");
        pkg_free(buf);
        return -1;
    }
    return 0;
}

int sdes_kam_body_neuter(sip_msg_t *msg, int *streams)
{
    /* The last resort when even the builder fails: nothing but a session. */
    static const char minimal[] = "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\n"
                                  "c=IN IP4 0.0.0.0\r\nt=0 0\r\n";
    char *b = get_body(msg);
    int blen = b ? msg->len - (int)(b - msg->buf) : 0;
    *streams = 0;
    if (!b || blen <= 0)
        return 0; /* no body: nothing can leak */
    char *text = pkg_malloc(SDES_NEUTER_CAP);
    if (!text) {
        PKG_MEM_ERROR;
        return -1;
    }
    size_t n = sdes_call_neuter(b, (size_t)blen, text, SDES_NEUTER_CAP, streams);
    if (!n) {
        memcpy(text, minimal, sizeof(minimal) - 1);
        n = sizeof(minimal) - 1;
        *streams = 0;
    }
    /* An earlier rewrite of this body (a step that failed after the new
     * body was in place, or a second call on the same message) goes: ours
     * is the only body lump left. */
    del_nonshm_lump(&msg->body_lumps);
    int rc = sdes_kam_body_replace(msg, text, (int)n);
    pkg_free(text); /* sdes_kam_body_replace copied it */
    if (rc < 0)
        return -1;
    return fix_content_type(msg) < 0 ? -1 : 1;
}
