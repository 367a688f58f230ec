/*
 * tests/fuzz/fuzz_ctl.c — libFuzzer target for the control-message path:
 * ng framing, the bencode decoder, authentication checks and the server's
 * dispatch (with and without a secret), plus a walk of every decoded node.
 * Any crash, out-of-bounds read or sanitizer report is a bug.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ctl/bencode.h"
#include "ctl/ng.h"
#include "ctl/server.h"

static void fz_handler(void *arg, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w)
{
    (void)arg;
    char buf[64];
    int64_t v;
    /* Exercise the getters the daemon uses. */
    ctl_be_get_cstr(doc, req, "command", buf, sizeof(buf));
    ctl_be_get_int(doc, req, "stream", &v);
    const ctl_be *l = ctl_be_get(doc, req, "streams");
    for (const ctl_be *c = ctl_be_first(doc, l); c; c = ctl_be_next(doc, c))
        ctl_be_get_cstr(doc, c, "transport", buf, sizeof(buf));
    ctl_benc_kv_cstr(w, "result", "ok");
}

static ctl_be_doc doc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ctl_server *plain, *authd;
    if (!plain) {
        plain = ctl_server_new(-1, NULL, 0, fz_handler, NULL);
        authd = ctl_server_new(-1, "k", 1, fz_handler, NULL);
    }
    const char *msg = (const char *)data;
    const ctl_be *r = ctl_be_decode(&doc, msg, size);
    if (r) {
        /* Every node must lie inside the input. */
        for (size_t i = 0; i < doc.count; i++) {
            const ctl_be *n = &doc.nodes[i];
            if (n->raw < msg || n->raw + n->raw_len > msg + size)
                __builtin_trap();
            if (n->type == CTL_BE_STR && (n->s < msg || n->s + n->len > msg + size))
                __builtin_trap();
        }
    }
    const char *reply;
    size_t rl;
    ctl_server_handle(plain, msg, size, &reply, &rl);
    ctl_server_handle(authd, msg, size, &reply, &rl);
    return 0;
}
