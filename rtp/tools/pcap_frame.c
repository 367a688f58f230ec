/*
 * rtp/tools/pcap_frame.c — locate the UDP datagram in a captured frame and
 * rebuild the frame around a new payload (see pcap_frame.h). Every read is
 * bounds-checked against the captured length: a capture is untrusted input.
 */
#include "tools/pcap_frame.h"

#include <string.h>

#include <pcap/dlt.h>

#define ETH_VLAN     0x8100
#define ETH_QINQ     0x88a8
#define ETH_QINQ_OLD 0x9100
#define ETH_IPV4     0x0800
#define ETH_IPV6     0x86dd
#define IPPROTO_UDP_ 17

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

bool pcap_frame_linktype_ok(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case DLT_NULL:
    case DLT_LOOP:
        return true;
    default:
        return false;
    }
}

/* Offset of the IP header, or (size_t)-1 when the frame carries no IP. The
 * EtherType (or SLL protocol) is only a hint: the version nibble decides. */
static size_t link_header(int dlt, const uint8_t *d, size_t caplen)
{
    size_t off;
    uint16_t type;
    switch (dlt) {
    case DLT_EN10MB:
        if (caplen < 14)
            return (size_t)-1;
        off = 14;
        type = rd16(d + 12);
        while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
            if (caplen < off + 4)
                return (size_t)-1;
            type = rd16(d + off + 2);
            off += 4;
        }
        return (type == ETH_IPV4 || type == ETH_IPV6) ? off : (size_t)-1;
    case DLT_LINUX_SLL: /* 16-byte header, protocol last (pcap-linktype(7)) */
        if (caplen < 16)
            return (size_t)-1;
        type = rd16(d + 14);
        return (type == ETH_IPV4 || type == ETH_IPV6) ? 16 : (size_t)-1;
    case DLT_LINUX_SLL2: /* 20-byte header, protocol first */
        if (caplen < 20)
            return (size_t)-1;
        type = rd16(d);
        return (type == ETH_IPV4 || type == ETH_IPV6) ? 20 : (size_t)-1;
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        return 0;
    case DLT_NULL:
    case DLT_LOOP:
        return caplen >= 4 ? 4 : (size_t)-1;
    default:
        return (size_t)-1;
    }
}

pcap_frame_result pcap_frame_parse(int dlt, const uint8_t *d, size_t caplen, size_t wirelen,
                                   pcap_frame *f)
{
    memset(f, 0, sizeof *f);
    if (!d || caplen < wirelen || caplen == 0)
        return PCAP_FRAME_SKIP; /* truncated capture: payload incomplete */
    size_t ip = link_header(dlt, d, caplen);
    if (ip == (size_t)-1 || caplen < ip + 1)
        return PCAP_FRAME_SKIP;
    size_t end, udp;
    int ver = d[ip] >> 4;
    if (ver == 4) {
        if (caplen < ip + 20)
            return PCAP_FRAME_SKIP;
        size_t ihl = (size_t)(d[ip] & 0x0f) * 4;
        size_t total = rd16(d + ip + 2);
        uint16_t frag = rd16(d + ip + 6);
        if (ihl < 20 || total < ihl || caplen < ip + total)
            return PCAP_FRAME_SKIP;
        if ((frag & 0x2000) || (frag & 0x1fff)) /* MF or non-zero offset */
            return PCAP_FRAME_SKIP;
        if (d[ip + 9] != IPPROTO_UDP_)
            return PCAP_FRAME_SKIP;
        udp = ip + ihl;
        end = ip + total;
    } else if (ver == 6) {
        if (caplen < ip + 40)
            return PCAP_FRAME_SKIP;
        size_t plen = rd16(d + ip + 4);
        if (plen == 0 || caplen < ip + 40 + plen) /* 0: jumbogram, not here */
            return PCAP_FRAME_SKIP;
        end = ip + 40 + plen;
        uint8_t nh = d[ip + 6];
        size_t off = ip + 40;
        /* RFC 8200 §4: skip the headers that may precede UDP. */
        while (nh == 0 || nh == 43 || nh == 60) {
            if (end < off + 8)
                return PCAP_FRAME_SKIP;
            size_t hl = ((size_t)d[off + 1] + 1) * 8;
            nh = d[off];
            off += hl;
        }
        if (nh != IPPROTO_UDP_) /* includes 44, fragments */
            return PCAP_FRAME_SKIP;
        udp = off;
    } else {
        return PCAP_FRAME_SKIP;
    }
    if (end < udp + 8)
        return PCAP_FRAME_SKIP;
    size_t ulen = rd16(d + udp + 4);
    if (ulen < 8 || udp + ulen > end)
        return PCAP_FRAME_SKIP;
    f->ip_version = ver;
    f->ip_off = ip;
    f->udp_off = udp;
    f->payload_off = udp + 8;
    f->payload_len = ulen - 8;
    f->sport = rd16(d + udp);
    f->dport = rd16(d + udp + 2);
    f->udp_csum_zero = ver == 4 && rd16(d + udp + 6) == 0;
    return PCAP_FRAME_UDP;
}

/* RFC 1071 one's-complement sum, continued from `sum`. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
    for (; n > 1; n -= 2, p += 2)
        sum += (uint32_t)(p[0] << 8 | p[1]);
    if (n)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t pcap_frame_udp_csum(const uint8_t *frame, const pcap_frame *f)
{
    const uint8_t *ip = frame + f->ip_off;
    const uint8_t *udp = frame + f->udp_off;
    size_t ulen = rd16(udp + 4);
    uint32_t sum = 0;
    if (f->ip_version == 4) {
        sum = sum16(sum, ip + 12, 8); /* source and destination */
        sum += IPPROTO_UDP_;
        sum += (uint32_t)ulen;
    } else {
        sum = sum16(sum, ip + 8, 32);
        sum += (uint32_t)ulen; /* upper-layer length, < 2^16 here */
        sum += IPPROTO_UDP_;
    }
    sum = sum16(sum, udp, 6); /* header without the checksum field */
    sum = sum16(sum, udp + 8, ulen - 8);
    uint16_t c = fold(sum);
    return c == 0 ? 0xffff : c; /* RFC 768: 0 means "no checksum" */
}

uint16_t pcap_frame_ipv4_csum(const uint8_t *frame, const pcap_frame *f)
{
    const uint8_t *ip = frame + f->ip_off;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    uint32_t sum = sum16(0, ip, 10);
    sum = sum16(sum, ip + 12, ihl - 12);
    return fold(sum);
}

size_t pcap_frame_rewrite(const uint8_t *data, const pcap_frame *f, const uint8_t *payload,
                          size_t len, uint8_t *out, size_t cap)
{
    size_t hdr = f->payload_off;
    size_t ip_hdrs = f->payload_off - f->ip_off; /* IP (+ext) + UDP headers */
    if (len > 65535 - 8 || hdr + len > cap)
        return 0;
    if (f->ip_version == 4 && ip_hdrs + len > 65535)
        return 0;
    if (f->ip_version == 6 && ip_hdrs - 40 + len > 65535)
        return 0;
    memmove(out + hdr, payload, len); /* payload may already live in out */
    if (out != data)
        memcpy(out, data, hdr);
    uint8_t *ip = out + f->ip_off;
    uint8_t *udp = out + f->udp_off;
    wr16(udp + 4, (uint16_t)(8 + len));
    if (f->ip_version == 4) {
        wr16(ip + 2, (uint16_t)(ip_hdrs + len));
        wr16(ip + 10, pcap_frame_ipv4_csum(out, f));
    } else {
        wr16(ip + 4, (uint16_t)(ip_hdrs - 40 + len));
    }
    wr16(udp + 6, 0);
    if (!f->udp_csum_zero)
        wr16(udp + 6, pcap_frame_udp_csum(out, f));
    return hdr + len;
}
