/*
 * rtp/relay/opstats.c — the names of srtpd's operation counters (see
 * opstats.h): one table each, so the metrics' label values and the
 * control protocol's names cannot drift.
 */
#include "relay/opstats.h"

#include <string.h>

#define RELAY_OPS_NAME_(n, s) s,
static const char *const relay_ops_cmds[] = {RELAY_OPS_CMD_MAP(RELAY_OPS_NAME_)};
static const char *const relay_ops_events[] = {RELAY_OPS_EVENT_MAP(RELAY_OPS_NAME_)};
static const char *const relay_ops_switches[] = {RELAY_OPS_SWITCH_MAP(RELAY_OPS_NAME_)};
#undef RELAY_OPS_NAME_

static int relay_ops_find(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n - 1; i++)
        if (!strcmp(names[i], s))
            return i;
    return n - 1; /* "other" */
}

int relay_ops_cmd_index(const char *cmd)
{
    return relay_ops_find(relay_ops_cmds, RELAY_OPS_NCMD, cmd);
}

const char *relay_ops_cmd_name(int i)
{
    return i >= 0 && i < RELAY_OPS_NCMD ? relay_ops_cmds[i] : "other";
}

int relay_ops_event_index(const char *type)
{
    return relay_ops_find(relay_ops_events, RELAY_OPS_NEVENT, type);
}

const char *relay_ops_event_name(int i)
{
    return i >= 0 && i < RELAY_OPS_NEVENT ? relay_ops_events[i] : "other";
}

const char *relay_ops_switch_name(int i)
{
    return i >= 0 && i < RELAY_OPS_NSWITCH ? relay_ops_switches[i] : "?";
}
