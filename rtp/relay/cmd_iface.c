/*
 * rtp/relay/cmd_iface.c — which media interface and address family each
 * leg of a stream in an offer/answer/update gets (docs/protocol.md "Leg
 * fields": "interface"), checked before anything changes. A new leg takes
 * the interface it names (an unknown name refuses the whole request: a
 * call never starts on another network than the one asked for) or the
 * default one; its family is the one its address or "family" gives, else
 * the interface's only family, else the other leg's, else IPv4. An
 * existing leg keeps its interface: naming another one is refused (its
 * sockets are bound there).
 */
#include "relay/cmd.h"

#include <stdio.h>
#include <string.h>

static void known_names(const relay_daemon *d, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < d->ifaces.n && o + 1 < cap; i++) {
        int n = snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", d->ifaces.list[i].name);
        if (n < 0)
            return;
        o += (size_t)n;
    }
}

/* The printable form of a requested name for an error (it comes from the
 * SIP side's flags: no control bytes into a reply or the log). */
static const char *shown(const char *name)
{
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e || *p == '"')
            return "(not a valid name)";
    return name;
}

bool relay_legs_iface(relay_daemon *d, relay_leg_update *u, const relay_stream *old, char *why,
                      size_t whylen, int *bad_leg)
{
    const relay_ifaces *ifs = &d->ifaces;
    for (int l = 0; l < 2; l++) {
        *bad_leg = l;
        int idx = ifs->def;
        if (u[l].has_iface) {
            idx = relay_ifaces_find(ifs, u[l].ifname, strlen(u[l].ifname));
            if (idx < 0) {
                char names[200];
                known_names(d, names, sizeof(names));
                snprintf(why, whylen,
                         "interface \"%s\": no such media interface configured (srtpd has %s)",
                         shown(u[l].ifname), names);
                return false;
            }
        }
        if (old) {
            if (u[l].has_iface && idx != old->leg[l].iface) {
                snprintf(why, whylen, "interface cannot change (the leg is on %s, not %s)",
                         ifs->list[old->leg[l].iface].name, ifs->list[idx].name);
                return false;
            }
            u[l].iface = old->leg[l].iface;
        } else {
            u[l].iface = idx;
        }
    }
    if (old)
        return true; /* the family of an existing leg is checked by the caller */
    /* New legs: the family from the address or "family" first, so a leg
     * without one can follow the other. */
    for (int pass = 0; pass < 2; pass++)
        for (int l = 0; l < 2; l++) {
            relay_leg_update *x = &u[l];
            const relay_iface *f = &ifs->list[x->iface];
            *bad_leg = l;
            if (pass == 0 && !x->has_family)
                continue;
            if (pass == 1 && !x->has_family) {
                const relay_leg_update *y = &u[1 - l];
                if (f->fam[0].set != f->fam[1].set)
                    x->family = f->fam[1].set ? AF_INET6 : AF_INET;
                else
                    x->family = y->has_family ? y->family : AF_INET;
                x->has_family = true;
            } else if (pass == 1) {
                continue;
            }
            if (!f->fam[relay_fam_idx(x->family)].set) {
                bool v6 = x->family == AF_INET6;
                if (ifs->n == 1 && x->iface == ifs->def)
                    snprintf(why, whylen, "no %s media interface configured",
                             v6 ? "IPv6 (--interface6)" : "IPv4");
                else
                    snprintf(why, whylen,
                             "interface %s: no %s address (no such media interface configured)",
                             f->name, v6 ? "IPv6" : "IPv4");
                return false;
            }
        }
    return true;
}
