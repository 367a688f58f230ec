/*
 * rtp/tools/pcap_frame.h — find the UDP payload in a captured frame and write
 * a frame with a new payload, lengths and checksums fixed (srtp-pcap).
 *
 * Link types: Ethernet (with 802.1Q/802.1ad tags), Linux cooked v1 (SLL) and
 * v2 (SLL2), raw IP (DLT_RAW, DLT_IPV4, DLT_IPV6) and BSD loopback
 * (DLT_NULL/DLT_LOOP). Network: IPv4 (RFC 791) and IPv6 (RFC 8200, with
 * hop-by-hop, routing and destination-options headers skipped). Transport:
 * UDP (RFC 768). Fragments are not reassembled: pcap_frame_parse() says
 * SKIP for them, as for anything else that is not a whole UDP datagram.
 * Known limit: behind an IPv6 routing header the UDP checksum is computed
 * with the header's destination address, not the final one (RFC 8200 §8.1);
 * such captures of RTP are rare enough not to carry the extra parsing.
 */
#ifndef SDESGATE_TOOLS_PCAP_FRAME_H
#define SDESGATE_TOOLS_PCAP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum pcap_frame_result {
    PCAP_FRAME_UDP = 0, /* a whole UDP datagram was found */
    PCAP_FRAME_SKIP,    /* not UDP, a fragment, or truncated: pass through */
} pcap_frame_result;

typedef struct pcap_frame {
    int ip_version;     /* 4 or 6 */
    size_t ip_off;      /* offset of the IP header in the frame */
    size_t udp_off;     /* offset of the UDP header */
    size_t payload_off; /* offset of the UDP payload */
    size_t payload_len; /* UDP payload length (from the UDP length field) */
    uint16_t sport, dport;
    bool udp_csum_zero; /* IPv4 datagram sent without a UDP checksum */
} pcap_frame;

/* True when this pcap link type (DLT_*) is one of the supported ones. */
bool pcap_frame_linktype_ok(int dlt);

/* Finds the UDP payload of a frame of link type dlt; caplen bytes were
 * captured of wirelen. Never reads outside data[0..caplen). */
pcap_frame_result pcap_frame_parse(int dlt, const uint8_t *data, size_t caplen, size_t wirelen,
                                   pcap_frame *f);

/*
 * Writes into out (cap bytes) the frame's headers from `data` followed by
 * the new UDP payload (payload, len) with the IP and UDP lengths, the IPv4
 * header checksum and the UDP checksum recomputed (an IPv4 datagram sent
 * without UDP checksum keeps 0). Bytes after the IP datagram (Ethernet
 * padding) are dropped. Returns the new frame length, or 0 when it does not
 * fit (cap, or the 65535-byte IP/UDP length limits).
 */
size_t pcap_frame_rewrite(const uint8_t *data, const pcap_frame *f, const uint8_t *payload,
                          size_t len, uint8_t *out, size_t cap);

/* The Internet checksum (RFC 1071) of a UDP datagram over its pseudo-header
 * (RFC 768 / RFC 8200 §8.1), as it would be written; for tests and rewrite. */
uint16_t pcap_frame_udp_csum(const uint8_t *frame, const pcap_frame *f);
/* The IPv4 header checksum as it would be written. */
uint16_t pcap_frame_ipv4_csum(const uint8_t *frame, const pcap_frame *f);

#endif
