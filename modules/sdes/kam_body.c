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
    if (mime != 0 && mime != MIMETYPE(APPLICATION, SDP)) {
        /* multipart bodies (e.g. SDP + ISUP) are not handled yet: say so. */
        *reason = ((unsigned)mime >> 16) == TYPE_MULTIPART
                      ? "multipart body not supported (application/sdp only)"
                      : "body is not application/sdp";
        return SDES_KAM_BODY_NOT_SDP;
    }
    int rc = parse_sdp(msg);
    if (rc != 0 || !msg->body) {
        *reason = rc == 1 ? "no SDP body" : "malformed SDP";
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
