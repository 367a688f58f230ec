/*
 * rtp/relay/cmd_log.c — the log-level command (docs/protocol.md
 * "log-level"): without "level" it reads srtpd's log level and target,
 * with "level" (error, warn, info, debug) it sets it until the next
 * change or restart. The change itself is logged at info, written while
 * the more verbose of the two levels is in effect, so raising the level
 * from warn shows it and lowering it to warn still records it.
 */
#include "relay/cmd.h"

#include "relay/log.h"

void relay_cmd_log_level(relay_daemon *d, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w)
{
    (void)d;
    relay_log_level old = relay_log_get_level(), lvl = old;
    if (ctl_be_get(doc, req, "level")) {
        char name[16];
        if (!ctl_be_get_cstr(doc, req, "level", name, sizeof(name)) ||
            !relay_log_level_parse(name, &lvl)) {
            relay_err(w, "level: want error, warn, info or debug");
            return;
        }
        if (lvl > old)
            relay_log_set_level(lvl);
        if (lvl != old)
            relay_log(RELAY_LOG_INFO, "log level %s (was %s), set by the control channel",
                      relay_log_level_name(lvl), relay_log_level_name(old));
        relay_log_set_level(lvl);
    }
    ctl_benc_kv_cstr(w, "log-level", relay_log_level_name(lvl));
    ctl_benc_kv_cstr(w, "previous", relay_log_level_name(old));
    ctl_benc_kv_cstr(w, "result", "ok");
    ctl_benc_kv_cstr(w, "target", relay_log_target());
}
