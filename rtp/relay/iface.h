/*
 * rtp/relay/iface.h — srtpd's named media interfaces (docs/srtpd.md
 * "Media interfaces"): each name has at most one IPv4 and one IPv6
 * address, each with the address srtpd binds and the address it
 * advertises (what the SIP side writes into SDP: c=, o=, a=rtcp). One
 * name is the default for legs that name none.
 *
 * Syntax of one `interface` value (config file or --interface, repeatable;
 * several items in one value separated by ';'):
 *   item = [NAME "/"] BIND-ADDRESS ["!" ADVERTISED-ADDRESS]
 * NAME is 1..31 of [A-Za-z0-9_.-]; without one the item belongs to the
 * interface "default". `interface6 = ADDR[!ADV]` is the IPv6 address of
 * "default" (the older form). Refused at start, with one line naming the
 * interface: a second address of one family under one name, an advertised
 * address that is unspecified (0.0.0.0, ::: "hold" in SDP) or multicast,
 * a wildcard bind without an advertised address, and any bind address
 * the host cannot bind (relay_ifaces_probe, the real errno named).
 *
 * The media port range is shared: every interface allocates from
 * port-min..port-max (a port number may be in use on two addresses).
 */
#ifndef SDESGATE_RELAY_IFACE_H
#define SDESGATE_RELAY_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "relay/config.h"

#define RELAY_IFACE_MAX      16
#define RELAY_IFACE_NAME_MAX 32
#define RELAY_IFACE_DEFAULT  "default"

/* One address family of an interface. */
typedef struct relay_iface_addr {
    bool set;
    struct sockaddr_storage bind; /* port 0 */
    char bind_s[64];              /* as configured, for logs */
    char adv_s[64];               /* the advertised literal (canonical form) */
} relay_iface_addr;

typedef struct relay_iface {
    char name[RELAY_IFACE_NAME_MAX];
    relay_iface_addr fam[2]; /* [0] IPv4, [1] IPv6 */
} relay_iface;

typedef struct relay_ifaces {
    relay_iface list[RELAY_IFACE_MAX];
    int n;
    int def; /* legs without an interface use this one */
} relay_ifaces;

/* Index 0 for AF_INET, 1 for AF_INET6. */
static inline int relay_fam_idx(int family)
{
    return family == AF_INET6;
}

/* Builds the interfaces from cfg (its `interface` values and
 * `interface6`; 127.0.0.1 when none). false with one line in err naming
 * the interface and the value. */
bool relay_ifaces_parse(const relay_config *cfg, relay_ifaces *out, char *err, size_t errlen);

/* Test-binds every address (a socket on port 0): false with one line in
 * err naming the interface, the address and the errno (name and text). */
bool relay_ifaces_probe(const relay_ifaces *ifs, char *err, size_t errlen);

/* The interface named name[0, len), or -1. */
int relay_ifaces_find(const relay_ifaces *ifs, const char *name, size_t len);

/* "internal (10.0.0.5), external (198.51.100.5!203.0.113.5, 2001:db8::5)"
 * into buf, for the start-up log line. */
void relay_ifaces_describe(const relay_ifaces *ifs, char *buf, size_t cap);

#endif
