/*
 * modules/sdes/call/relayspec.h — one relay socket as written in the "relay"
 * module parameter, parsed and checked. Kamailio-free, so tests drive it.
 *
 *   udp:IPV4:PORT[=WEIGHT]     udp:[IPV6]:PORT[=WEIGHT]     unix:/PATH[=WEIGHT]
 *
 * Addresses are numeric (no DNS at start-up or on the call path). WEIGHT is
 * 1..1000 (default 1): new calls are spread over healthy relays in
 * proportion to it. WEIGHT "standby" (weight 0): a relay that takes no new
 * call but is asked, like every relay, for the calls it holds: where a
 * standby srtpd has taken calls over (docs/sdes-module.md "Finding a
 * call"). A udp relay off loopback is "remote": the
 * security rule (docs/sdes-module.md "Parameters") allows it only with a
 * control secret, which sdes_mod.c enforces at start-up.
 */
#ifndef SDESGATE_SDES_CALL_RELAYSPEC_H
#define SDESGATE_SDES_CALL_RELAYSPEC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SDES_CALL_RELAY_MAX_WEIGHT 1000
#define SDES_CALL_RELAY_TEXT_MAX   128

typedef enum sdes_call_relay_proto {
    SDES_CALL_RELAY_UDP = 1,
    SDES_CALL_RELAY_UNIX = 2,
} sdes_call_relay_proto;

typedef struct sdes_call_relay_spec {
    sdes_call_relay_proto proto;
    char text[SDES_CALL_RELAY_TEXT_MAX]; /* canonical "udp:127.0.0.1:2223" */
    struct sockaddr_storage sa;          /* ready for sendto()/connect() */
    socklen_t salen;
    unsigned weight;
    int remote; /* udp, not loopback: needs the control secret */
} sdes_call_relay_spec;

/* Parse one relay. Returns 0, or -1 with a one-line reason in err:
 * unknown protocol, bad address, port not 1..65535, path not absolute or
 * too long, weight not 1..1000. */
int sdes_call_relay_spec_parse(const char *s, size_t len, sdes_call_relay_spec *out, char *err,
                               size_t errlen);

#endif
