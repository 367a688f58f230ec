/*
 * rtp/relay/cmd_ops.c — srtpd's operator commands drain and reload, and the
 * dialog tags of offer/answer/update (relay/ops.h, docs/protocol.md).
 */
#include "relay/ops.h"

#include <stdio.h>
#include <string.h>

#include "relay/cmd.h"
#include "relay/log.h"

void relay_cmd_drain(relay_daemon *d, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w)
{
    int64_t on = 1;
    const ctl_be *n = ctl_be_get(doc, req, "drain");
    if (n && (!ctl_be_get_int(doc, req, "drain", &on) || (on != 0 && on != 1))) {
        relay_err(w, "drain: want 0 or 1");
        return;
    }
    if (d->draining != (on == 1))
        relay_log(RELAY_LOG_INFO, "drain %s: %s; %zu call(s) continue", on ? "on" : "off",
                  on ? "new calls refused" : "new calls taken again", d->ncalls);
    d->draining = on == 1;
    ctl_benc_kv_int(w, "calls", (int64_t)d->ncalls);
    ctl_benc_kv_int(w, "draining", d->draining);
    ctl_benc_kv_cstr(w, "result", "ok");
}

void relay_cmd_reload(relay_daemon *d, ctl_benc *w)
{
    char applied[512], ignored[512], err[300];
    if (!relay_reload(d, applied, sizeof(applied), ignored, sizeof(ignored), err, sizeof(err))) {
        relay_err(w, err);
        return;
    }
    ctl_benc_kv_cstr(w, "applied", applied);
    ctl_benc_kv_cstr(w, "restart-only", ignored);
    ctl_benc_kv_cstr(w, "result", "ok");
}

static bool tag_ok(const ctl_be_doc *doc, const ctl_be *req, const char *name, ctl_benc *w)
{
    const ctl_be *t = ctl_be_get(doc, req, name);
    if (!t)
        return true;
    if (t->type != CTL_BE_STR || t->len >= RELAY_TAG_MAX || memchr(t->s, 0, t->len)) {
        char why[96];
        snprintf(why, sizeof(why), "%s: want a string of at most %d bytes", name,
                 RELAY_TAG_MAX - 1);
        relay_err(w, why);
        return false;
    }
    return true;
}

bool relay_tags_check(const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w)
{
    return tag_ok(doc, req, "from-tag", w) && tag_ok(doc, req, "to-tag", w);
}

void relay_tags_store(relay_call *call, const ctl_be_doc *doc, const ctl_be *req)
{
    const ctl_be *f = ctl_be_get(doc, req, "from-tag"), *t = ctl_be_get(doc, req, "to-tag");
    if (f && f->type == CTL_BE_STR && f->len < RELAY_TAG_MAX)
        snprintf(call->from_tag, sizeof(call->from_tag), "%.*s", (int)f->len, f->s);
    if (t && t->type == CTL_BE_STR && t->len < RELAY_TAG_MAX)
        snprintf(call->to_tag, sizeof(call->to_tag), "%.*s", (int)t->len, t->s);
}
