/*
 * rtp/tools/srtp_pcap.c — build/srtp-pcap: decrypt (or encrypt) the SRTP and
 * SRTCP in a capture with the keys of SDP a=crypto lines, so an operator can
 * read a call in Wireshark.
 *
 *   srtp-pcap decrypt|encrypt --crypto 'LINE' [--crypto 'LINE' ...]
 *             [--port N] [--keep-failed] IN.pcap OUT.pcap
 *   srtp-pcap check [--port N] [--tag-len N] [--mki-len N] IN.pcap
 *             (srtp_pcap_check.h: keystream reuse, no keys needed)
 *
 * Contract (docs/srtp-pcap.md): RTP and RTCP in UDP over IPv4/IPv6, on Ethernet,
 * Linux cooked (v1, v2), raw IP and loopback captures. RTCP is told from RTP
 * by the second byte (RFC 5761 §4: RTCP packet types 192-223, i.e. RTP
 * payload types 64-95 with the marker bit, are never RTP), so rtcp-mux
 * streams work. One SRTP context per SSRC and flow (pcap_streams.h says why
 * the flow): when decrypting, a new one tries each --crypto line until one
 * authenticates and is then bound to it; when encrypting, the n-th SSRC seen
 * uses the n-th line (the last line for any further SSRC), in every flow. Packets that fail authentication or the replay check are
 * left out of OUT unless --keep-failed; every other packet is copied
 * unchanged. Changed packets get their IP/UDP lengths and checksums fixed.
 * Exit 0 when the files and keys were usable, whatever the packets were; 1
 * with one line on stderr for a bad line, file or capture; 2 for bad usage.
 * A summary goes to stderr. Keys are never printed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <pcap/pcap.h>

#include "tools/pcap_frame.h"
#include "tools/pcap_streams.h"
#include "tools/srtp_pcap_check.h"
#include "tools/srtp_pcap_keys.h"
#include "sdesgate_version.h"

#define MAX_LINES   16
#define MAX_STREAMS 65536
#define FRAME_MAX   (65536 + 256)

typedef struct counters {
    unsigned long read, done, failed, replayed, skipped, written;
} counters;

typedef struct run {
    bool encrypt;
    bool keep_failed;
    long port;        /* -1: every port */
    uint32_t max_roc; /* decrypt: a new SSRC may start at ROC 0..max_roc */
    srtp_pcap_line lines[MAX_LINES];
    int n_lines;
    pcap_streams streams; /* (SSRC, flow) -> line, context */
    pcap_streams ssrcs;   /* SSRC -> line (encrypt: the n-th SSRC, line n) */
    counters c;
} run;

static const char usage_line[] =
    "usage: srtp-pcap decrypt|encrypt --crypto 'LINE' [--crypto 'LINE' ...] "
    "[--crypto-file FILE] [--port N] [--keep-failed] [--max-roc N] IN.pcap OUT.pcap; "
    "srtp-pcap check [--port N] [--tag-len N] [--mki-len N] IN.pcap";

static void usage_full(void)
{
    printf("%s\n\n"
           "  LINE          an SDP a=crypto attribute, with or without \"a=crypto:\" and tag,\n"
           "                e.g. 'AES_CM_128_HMAC_SHA1_80 inline:BASE64KEYSALT'\n"
           "  --crypto-file FILE  LINEs from a file: the a=crypto lines of an SDP,\n"
           "                or one LINE per line ('#' comments); keeps keys off the\n"
           "                command line\n"
           "  --port N      only UDP packets from or to port N (RTCP also on N+1)\n"
           "  --keep-failed keep packets that fail authentication or replay, unchanged\n"
           "  --max-roc N   decrypt: a stream first seen mid-call may have wrapped its\n"
           "                sequence number up to N times already (default 7)\n"
           "  check         no keys: report every SRTP/SRTCP index a flow and SSRC sent\n"
           "                twice with different bytes (keystream reuse); exit 3 if any\n"
           "  --tag-len N   check: auth tag bytes (10: *_80, default; 4: *_32; 0: AEAD)\n"
           "  --mki-len N   check: MKI bytes in each packet (default 0)\n"
           "Packets failing authentication or replay are otherwise left out of OUT;\n"
           "all other packets are copied unchanged. Summary on stderr.\n"
           "srtp-pcap --version prints the version.\n",
           usage_line);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The flow of a UDP datagram: addresses and ports, one direction. */
static void flow_of(const uint8_t *frame, const pcap_frame *f, pcap_flow *flow)
{
    memset(flow, 0, sizeof *flow); /* padding too: the table hashes bytes */
    flow->ipv = (uint8_t)f->ip_version;
    const uint8_t *ip = frame + f->ip_off;
    if (f->ip_version == 4) {
        memcpy(flow->src, ip + 12, 4);
        memcpy(flow->dst, ip + 16, 4);
    } else {
        memcpy(flow->src, ip + 8, 16);
        memcpy(flow->dst, ip + 24, 16);
    }
    flow->sport = f->sport;
    flow->dport = f->dport;
}

static sg_status transform(run *r, sg_srtp_ctx *ctx, bool rtcp, const uint8_t *in, size_t len,
                           uint8_t *out, size_t cap, size_t *out_len)
{
    if (r->encrypt)
        return rtcp ? sg_srtcp_protect(ctx, in, len, out, cap, out_len)
                    : sg_srtp_protect(ctx, in, len, out, cap, out_len);
    return rtcp ? sg_srtcp_unprotect(ctx, in, len, out, cap, out_len)
                : sg_srtp_unprotect(ctx, in, len, out, cap, out_len);
}

/*
 * Transforms one RTP/RTCP payload with the context of its SSRC and flow,
 * binding a new one to a line first. Returns the status of the transform
 * (SG_OK with *out_len set), or SG_TOO_MANY_SSRC when the table is full.
 */
static sg_status process(run *r, bool rtcp, uint32_t ssrc, const pcap_flow *flow, const uint8_t *in,
                         size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    pcap_stream *s = pcap_streams_find(&r->streams, ssrc, flow);
    if (s)
        return transform(r, s->ctx, rtcp, in, len, out, cap, out_len);
    sg_srtp_dir dir = r->encrypt ? SG_SRTP_PROTECT : SG_SRTP_UNPROTECT;
    if (r->encrypt) {
        /* The SSRC's line if it was seen in another flow, else the next. */
        pcap_stream *known = pcap_streams_find(&r->ssrcs, ssrc, NULL);
        int line = known                             ? known->line
                   : r->ssrcs.n < (size_t)r->n_lines ? (int)r->ssrcs.n
                                                     : r->n_lines - 1;
        if (!known && !pcap_streams_add(&r->ssrcs, ssrc, NULL, line, NULL))
            return SG_TOO_MANY_SSRC;
        sg_srtp_ctx *ctx = NULL;
        sg_status st = srtp_pcap_line_ctx(&r->lines[line], dir, &ctx);
        if (st != SG_OK)
            return st;
        if (!pcap_streams_add(&r->streams, ssrc, flow, line, ctx)) {
            sg_srtp_ctx_free(ctx);
            return SG_TOO_MANY_SSRC;
        }
        return transform(r, ctx, rtcp, in, len, out, cap, out_len);
    }
    /* Decrypt: the first line whose keys authenticate this packet wins
     * (RFC 3711 §3.3: a failed check leaves the context unchanged). A
     * capture that starts after the sender's sequence number wrapped needs
     * the right ROC, which only the authentication tag reveals (the ROC is
     * in the MAC, or in the GCM IV): SRTP tries ROC 0..max_roc. SRTCP
     * carries its index, so one try. */
    sg_status first = SG_AUTH_FAIL;
    for (int i = 0; i < r->n_lines; i++) {
        sg_srtp_ctx *ctx = NULL;
        sg_status st = srtp_pcap_line_ctx(&r->lines[i], dir, &ctx);
        if (st != SG_OK)
            return st;
        uint32_t tries = rtcp ? 1 : r->max_roc + 1;
        for (uint32_t roc = 0; roc < tries; roc++) {
            if (roc > 0 && sg_srtp_set_roc(ctx, ssrc, roc) != SG_OK)
                break;
            st = transform(r, ctx, rtcp, in, len, out, cap, out_len);
            if (st != SG_AUTH_FAIL)
                break; /* OK, or a failure no ROC changes (MALFORMED, MKI) */
        }
        if (st == SG_OK) {
            if (!pcap_streams_add(&r->streams, ssrc, flow, i, ctx)) {
                sg_srtp_ctx_free(ctx);
                return SG_TOO_MANY_SSRC;
            }
            if (!pcap_streams_find(&r->ssrcs, ssrc, NULL))
                pcap_streams_add(&r->ssrcs, ssrc, NULL, i, NULL); /* for the count */
            return SG_OK;
        }
        sg_srtp_ctx_free(ctx);
        if (i == 0)
            first = st;
    }
    return first;
}

/* Handles one captured frame: writes it (changed, unchanged) or leaves it
 * out. Returns 0, or -1 after printing an error that stops the run. */
static int frame(run *r, int dlt, const struct pcap_pkthdr *h, const uint8_t *data,
                 pcap_dumper_t *dump, uint8_t *buf, uint8_t *payload_out)
{
    r->c.read++;
    pcap_frame f;
    bool pass = true;
    const uint8_t *p = NULL;
    size_t len = 0;
    if (pcap_frame_parse(dlt, data, h->caplen, h->len, &f) == PCAP_FRAME_UDP) {
        p = data + f.payload_off;
        len = f.payload_len;
        pass = false;
    }
    bool rtcp = false;
    if (!pass) {
        /* RTP/RTCP version 2 (RFC 3550 §5.1); RTCP by packet type. */
        rtcp = len >= 8 && p[1] >= 192 && p[1] <= 223;
        if (len < (rtcp ? 8u : 12u) || (p[0] >> 6) != 2)
            pass = true;
    }
    if (!pass && r->port >= 0) {
        bool on = f.sport == r->port || f.dport == r->port;
        bool on_rtcp = rtcp && (f.sport == r->port + 1 || f.dport == r->port + 1);
        pass = !on && !on_rtcp;
    }
    if (pass) {
        r->c.skipped++;
        pcap_dump((u_char *)dump, h, data);
        r->c.written++;
        return 0;
    }
    uint32_t ssrc = rd32(p + (rtcp ? 4 : 8));
    pcap_flow flow;
    flow_of(data, &f, &flow);
    size_t out_len = 0;
    sg_status st = process(r, rtcp, ssrc, &flow, p, len, payload_out, FRAME_MAX, &out_len);
    if (st == SG_OK) {
        size_t n = pcap_frame_rewrite(data, &f, payload_out, out_len, buf, FRAME_MAX);
        if (n == 0) {
            /* The grown datagram would exceed 65535 bytes: keep it as is. */
            r->c.skipped++;
            pcap_dump((u_char *)dump, h, data);
            r->c.written++;
            return 0;
        }
        struct pcap_pkthdr nh = *h;
        nh.caplen = nh.len = (bpf_u_int32)n;
        pcap_dump((u_char *)dump, &nh, buf);
        r->c.done++;
        r->c.written++;
        return 0;
    }
    if (st == SG_ALLOC || st == SG_CRYPTO) {
        fprintf(stderr, "srtp-pcap: packet %lu: %s\n", r->c.read, sg_status_str(st));
        return -1;
    }
    if (st == SG_REPLAY || st == SG_REPLAY_OLD)
        r->c.replayed++;
    else
        r->c.failed++;
    if (r->keep_failed) {
        pcap_dump((u_char *)dump, h, data);
        r->c.written++;
    }
    return 0;
}

/* The timestamp precision to read (and write) with: nanoseconds only for a
 * nanosecond pcap file (magic a1b23c4d, either byte order), so a
 * microsecond capture stays a microsecond capture. pcapng is read at
 * microseconds. */
static int file_precision(const char *path)
{
    unsigned char m[4] = {0};
    FILE *f = fopen(path, "rb");
    if (f) {
        if (fread(m, 1, 4, f) != 4)
            memset(m, 0, sizeof m);
        fclose(f);
    }
    bool nano = (m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0x3c && m[3] == 0x4d) ||
                (m[0] == 0x4d && m[1] == 0x3c && m[2] == 0xb2 && m[3] == 0xa1);
    return nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO;
}

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static void cleanup(run *r)
{
    pcap_streams_free(&r->streams);
    pcap_streams_free(&r->ssrcs);
    for (int i = 0; i < r->n_lines; i++)
        srtp_pcap_line_wipe(&r->lines[i]);
}

int main(int argc, char **argv)
{
    static run r;
    r.port = -1;
    r.max_roc = 7;
    pcap_streams_init(&r.streams, MAX_STREAMS);
    pcap_streams_init(&r.ssrcs, MAX_STREAMS);
    static const struct option opts[] = {
        {"crypto", required_argument, NULL, 'c'},  {"crypto-file", required_argument, NULL, 'f'},
        {"port", required_argument, NULL, 'p'},    {"keep-failed", no_argument, NULL, 'k'},
        {"max-roc", required_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},       {"tag-len", required_argument, NULL, 't'},
        {"mki-len", required_argument, NULL, 'm'}, {NULL, 0, NULL, 0},
    };
    int o, rc = 1, tag_len = 10, mki_len = 0;
    opterr = 0;
    /* GNU getopt_long permutes argv: options may come anywhere, and the
     * positional arguments end up in argv[optind..]. */
    while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (o) {
        case 'c': {
            if (r.n_lines == MAX_LINES) {
                fprintf(stderr, "srtp-pcap: more than %d --crypto lines\n", MAX_LINES);
                goto out;
            }
            const char *why = NULL;
            if (srtp_pcap_line_parse(&r.lines[r.n_lines], optarg, &why) != 0) {
                fprintf(stderr, "srtp-pcap: --crypto #%d: %s\n", r.n_lines + 1, why);
                OPENSSL_cleanse(optarg, strlen(optarg));
                goto out;
            }
            /* The key is now ours; keep it out of /proc/PID/cmdline. */
            OPENSSL_cleanse(optarg, strlen(optarg));
            r.n_lines++;
            break;
        }
        case 'f': {
            char why[512];
            if (srtp_pcap_lines_from_file(optarg, r.lines, &r.n_lines, MAX_LINES, why,
                                          sizeof why) != 0) {
                fprintf(stderr, "srtp-pcap: --crypto-file %s\n", why);
                goto out;
            }
            break;
        }
        case 'p': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || v < 1 || v > 65535) {
                fprintf(stderr, "srtp-pcap: --port: not a port number 1..65535\n");
                rc = 2;
                goto out;
            }
            r.port = v;
            break;
        }
        case 't':
        case 'm': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || v < 0 || v > 128) {
                fprintf(stderr, "srtp-pcap: --%s: a number 0..128\n",
                        o == 't' ? "tag-len" : "mki-len");
                rc = 2;
                goto out;
            }
            *(o == 't' ? &tag_len : &mki_len) = (int)v;
            break;
        }
        case 'k':
            r.keep_failed = true;
            break;
        case 'r': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || v < 0 || v > 65535) {
                fprintf(stderr, "srtp-pcap: --max-roc: a number 0..65535\n");
                rc = 2;
                goto out;
            }
            r.max_roc = (uint32_t)v;
            break;
        }
        case 'h':
            usage_full();
            rc = 0;
            goto out;
        case 'V':
            printf("srtp-pcap %s\n", SDESGATE_VERSION);
            rc = 0;
            goto out;
        case ':':
            fprintf(stderr, "srtp-pcap: %s needs a value; %s\n", argv[optind - 1], usage_line);
            rc = 2;
            goto out;
        default:
            fprintf(stderr, "srtp-pcap: unknown option %s; %s\n", argv[optind - 1], usage_line);
            rc = 2;
            goto out;
        }
    }
    /* Positional arguments: MODE IN OUT. */
    const char *pos[3];
    int n_pos = argc - optind;
    for (int i = 0; i < n_pos && i < 3; i++)
        pos[i] = argv[optind + i];
    if (n_pos >= 1 && strcmp(pos[0], "check") == 0) {
        /* No key is used: refuse them rather than seem to use them. */
        if (n_pos != 2 || r.n_lines || r.keep_failed) {
            fprintf(stderr, "srtp-pcap: check takes no key and one capture; %s\n", usage_line);
            rc = 2;
            goto out;
        }
        rc = srtp_pcap_check(pos[1], r.port, tag_len, mki_len);
        goto out;
    }
    if (n_pos != 3) {
        fprintf(stderr, "srtp-pcap: %s\n", usage_line);
        rc = 2;
        goto out;
    }
    if (strcmp(pos[0], "decrypt") == 0) {
        r.encrypt = false;
    } else if (strcmp(pos[0], "encrypt") == 0) {
        r.encrypt = true;
    } else {
        fprintf(stderr, "srtp-pcap: mode must be decrypt, encrypt or check; %s\n", usage_line);
        rc = 2;
        goto out;
    }
    if (r.n_lines == 0) {
        fprintf(stderr, "srtp-pcap: at least one --crypto LINE or --crypto-file is needed; %s\n",
                usage_line);
        rc = 2;
        goto out;
    }
    const char *in_path = pos[1], *out_path = pos[2];
    if (same_file(in_path, out_path)) {
        fprintf(stderr, "srtp-pcap: %s: input and output are the same file\n", out_path);
        goto out;
    }
    char err[PCAP_ERRBUF_SIZE] = "";
    pcap_t *in = pcap_open_offline_with_tstamp_precision(in_path, file_precision(in_path), err);
    if (!in) {
        fprintf(stderr, "srtp-pcap: %s: %s\n", in_path, err);
        goto out;
    }
    int dlt = pcap_datalink(in);
    if (!pcap_frame_linktype_ok(dlt)) {
        const char *name = pcap_datalink_val_to_name(dlt);
        fprintf(stderr, "srtp-pcap: %s: unsupported link type %s (%d)\n", in_path,
                name ? name : "unknown", dlt);
        pcap_close(in);
        goto out;
    }
    /* Output: same link type, timestamp precision and snaplen (at least
     * 65535, leaving room for the tags a grown packet gets). */
    int snap = pcap_snapshot(in);
    pcap_t *dead = pcap_open_dead_with_tstamp_precision(dlt, snap > 65535 ? snap : 65535,
                                                        pcap_get_tstamp_precision(in));
    pcap_dumper_t *dump = dead ? pcap_dump_open(dead, out_path) : NULL;
    if (!dump) {
        fprintf(stderr, "srtp-pcap: %s: %s\n", out_path, dead ? pcap_geterr(dead) : "pcap");
        if (dead)
            pcap_close(dead);
        pcap_close(in);
        goto out;
    }
    static uint8_t buf[FRAME_MAX], payload[FRAME_MAX];
    struct pcap_pkthdr *h;
    const u_char *data;
    int got;
    rc = 0;
    while ((got = pcap_next_ex(in, &h, &data)) == 1) {
        if (frame(&r, dlt, h, data, dump, buf, payload) != 0) {
            rc = 1;
            break;
        }
    }
    if (got == PCAP_ERROR) {
        fprintf(stderr, "srtp-pcap: %s: %s (after %lu packets)\n", in_path, pcap_geterr(in),
                r.c.read);
        rc = 1;
    }
    if (pcap_dump_flush(dump) != 0) {
        fprintf(stderr, "srtp-pcap: %s: write failed\n", out_path);
        rc = 1;
    }
    pcap_dump_close(dump);
    pcap_close(dead);
    pcap_close(in);
    OPENSSL_cleanse(payload, sizeof payload);
    OPENSSL_cleanse(buf, sizeof buf);
    fprintf(stderr,
            "srtp-pcap: %lu packets read: %lu %s, %lu %s, %lu replayed, "
            "%lu skipped; %lu written, %zu SSRCs in %zu streams\n",
            r.c.read, r.c.done, r.encrypt ? "encrypted" : "decrypted", r.c.failed,
            r.encrypt ? "failed (e.g. key lifetime exhausted)" : "failed authentication",
            r.c.replayed, r.c.skipped, r.c.written, r.ssrcs.n, r.streams.n);
out:
    cleanup(&r);
    return rc;
}
