/*
 * rtp/relay/switch.c — the pending send-key switches of a call (see
 * switch.h). A short list per call: one entry per (stream, leg) at most,
 * and only between an edge-initiated rekey's answer and its ACK.
 */
#include "relay/switch.h"

#include <stdlib.h>
#include <string.h>

relay_switch *relay_switch_find(relay_call *call, int stream, int leg)
{
    for (relay_switch *sw = call->switches; sw; sw = sw->next)
        if (sw->stream == stream && sw->leg == leg)
            return sw;
    return NULL;
}

relay_switch *relay_switch_arm(relay_call *call, int stream, int leg)
{
    relay_switch *sw = relay_switch_find(call, stream, leg);
    if (sw) {
        relay_switch *next = sw->next;
        memset(sw, 0, sizeof(*sw));
        sw->next = next;
    } else {
        sw = calloc(1, sizeof(*sw));
        if (!sw)
            return NULL;
        sw->next = call->switches;
        call->switches = sw;
    }
    sw->stream = stream;
    sw->leg = leg;
    return sw;
}

void relay_switch_drop(relay_call *call, relay_switch *sw)
{
    for (relay_switch **pp = &call->switches; *pp; pp = &(*pp)->next) {
        if (*pp == sw) {
            *pp = sw->next;
            free(sw);
            return;
        }
    }
}

void relay_switch_drop_all(relay_call *call)
{
    while (call->switches)
        relay_switch_drop(call, call->switches);
}

int64_t relay_switch_next_due(relay_call *calls)
{
    int64_t due = INT64_MAX;
    for (relay_call *c = calls; c; c = c->next)
        for (relay_switch *sw = c->switches; sw; sw = sw->next)
            if (sw->due_ms < due)
                due = sw->due_ms;
    return due;
}
