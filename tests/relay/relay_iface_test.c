/*
 * tests/relay/relay_iface_test.c — srtpd's named media interfaces
 * (docs/srtpd.md "Media interfaces", docs/protocol.md "interface"):
 * refusals at start (an unspecified or multicast advertised address, a bare
 * wildcard bind, an address not on the host with its errno, a second address
 * of one family under a name, a bad name), each in one line naming the
 * interface; bind one address and advertise another (1:1 NAT); legs on two
 * interfaces with their sockets bound on each interface's own address and
 * media relayed between them; an unknown interface name refusing the whole
 * request (nothing created); a leg's interface fixed; the family following
 * an IPv6-only interface; the older --interface / --interface6 form and the
 * ';' form in a config file.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/check.h"
#include "tests/relay/proc_run.h"
#include "tests/relay/relay_util.h"

static const char *srtpd_bin(void)
{
    return getenv("SRTPD") ? getenv("SRTPD") : "build/srtpd";
}

/* Runs srtpd with args; its exit status with stderr in out, or -1 when it
 * is still running after wait_ms (then stopped). */
static int run(const char *const *args, char *out, size_t cap, int wait_ms)
{
    char path[96];
    snprintf(path, sizeof(path), "/tmp/srtpd-iface-%d.err", (int)getpid());
    const char *argv[24] = {srtpd_bin()};
    int n = 1;
    for (int i = 0; args[i] && n < 23; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return pr_run(argv, path, out, cap, wait_ms, (mode_t)-1);
}

/* Each bad interface is refused at start (exit 2) with one line that names
 * the interface and the cause. */
static void refused(const char *value, const char *want1, const char *want2)
{
    char out[2048];
    const char *args[] = {"--listen",    "unix:/tmp/srtpd-iface-refused.sock",
                          "--port-min",  "47400",
                          "--port-max",  "47499",
                          "--interface", value,
                          NULL};
    int rc = run(args, out, sizeof(out), 3000);
    CHECK_MSG(rc == 2, "interface = %s: exit %d, want 2 (refused); output: %s", value, rc, out);
    CHECK_MSG(pr_lines(out) == 1, "interface = %s: want one line: %s", value, out);
    CHECK_MSG(strstr(out, want1) && (!want2 || strstr(out, want2)),
              "interface = %s: want \"%s\"%s%s: %s", value, want1, want2 ? " and " : "",
              want2 ? want2 : "", out);
}

static void test_refused_at_start(void)
{
    /* Advertised 0.0.0.0 / :: is hold in SDP; a bare wildcard bind would
     * advertise it. */
    refused("0.0.0.0", "0.0.0.0", "advertised");
    refused("::", "::", "advertised");
    refused("127.0.0.1!0.0.0.0", "0.0.0.0", "advertised");
    refused("ext/127.0.0.1!0.0.0.0", "interface ext", "advertised");
    refused("127.0.0.1!224.0.0.5", "multicast", NULL);
    /* Not an address on this host: refused at start with the errno, not
     * "no free media port pair" at every call. */
    refused("ext/192.0.2.77", "interface ext", "EADDRNOTAVAIL");
    refused("192.0.2.77!203.0.113.5", "192.0.2.77", "EADDRNOTAVAIL");
    refused("int/127.0.0.1; int/127.0.0.2", "interface int", "second IPv4");
    refused("bad name/127.0.0.1", "name", NULL);
    refused("int/not-an-address", "interface int", "not an IP address");
    refused("int/127.0.0.1!2001:db8::5", "interface int", "different families");
}

/* A leg dict with an interface name (and no address: srtpd picks). */
static void leg_iface(ctl_benc *w, const char *leg, const char *iface, const char *addr,
                      uint16_t port)
{
    ru_leg_begin(w, leg, addr, port);
    if (iface)
        ctl_benc_kv_cstr(w, "interface", iface);
    ctl_benc_end(w);
}

static const ctl_be *offer2(ru_srtpd *d, const char *cid, const char *ifa, const char *addr_a,
                            uint16_t port_a, const char *ifb, const char *addr_b, uint16_t port_b)
{
    static char buf[2048];
    ctl_benc w;
    ru_req_begin(&w, buf, sizeof(buf), "offer", cid);
    leg_iface(&w, "a", ifa, addr_a, port_a);
    leg_iface(&w, "b", ifb, addr_b, port_b);
    return ru_req_end(d, &w);
}

static bool str_at(const ctl_be *r, const char *path, const char *want)
{
    const ctl_be *n = ru_path(r, path);
    return n && n->type == CTL_BE_STR && n->len == strlen(want) && !memcmp(n->s, want, n->len);
}

static void show(const ctl_be *r, const char *path, char *out, size_t cap)
{
    const ctl_be *n = ru_path(r, path);
    snprintf(out, cap, "%.*s", n && n->type == CTL_BE_STR ? (int)n->len : 6,
             n && n->type == CTL_BE_STR ? n->s : "(none)");
}

/* Bind 127.0.0.1, advertise 203.0.113.5 (1:1 NAT): the reply gives the
 * advertised address, the socket is on the bound one. */
static void test_bind_and_advertise(void)
{
    ru_srtpd d;
    const char *extra[] = {"--interface", "127.0.0.1!203.0.113.5", NULL};
    CHECK_MSG(ru_srtpd_start(&d, NULL, extra), "srtpd refused interface = 127.0.0.1!203.0.113.5");
    uint16_t pa, pb;
    int fa = ru_udp(&pa), fb = ru_udp(&pb);
    const ctl_be *r = offer2(&d, "nat-1", NULL, "127.0.0.1", pa, NULL, "127.0.0.1", pb);
    char got[64];
    show(r, "streams.0.a.address", got, sizeof(got));
    CHECK_MSG(r && ru_ok(r) && str_at(r, "streams.0.a.address", "203.0.113.5") &&
                  str_at(r, "streams.0.b.address", "203.0.113.5"),
              "want the advertised 203.0.113.5, got %s", got);
    CHECK(str_at(r, "streams.0.a.interface", "default"));
    uint16_t port_a = (uint16_t)ru_int(r, "streams.0.a.port");
    uint8_t pkt[200], in[400];
    size_t n = ru_rtp(pkt, 0x1234, 1, 160);
    ru_send(fa, port_a, pkt, n); /* bound on 127.0.0.1: relayed to b */
    uint16_t from = 0;
    CHECK_EQ(ru_recv(fb, in, sizeof(in), 1000, &from), (int)n);
    CHECK_EQ(from, ru_int(r, "streams.0.b.port"));
    close(fa);
    close(fb);
    CHECK_EQ(ru_srtpd_stop(&d), 0);
}

/* A UDP socket sending to addr:port. */
static void send_to(int fd, const char *addr, uint16_t port, const void *p, size_t len)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, addr, &a.sin_addr);
    sendto(fd, p, len, 0, (struct sockaddr *)&a, sizeof(a));
}

/* Two names, legs on each: each leg's sockets are bound on its own
 * interface's address only, and media goes from one network to the other. */
static void test_two_interfaces(void)
{
    ru_srtpd d;
    const char *extra[] = {"--interface", "internal/127.0.0.1", "--interface",
                           "external/127.0.0.2!198.51.100.5", NULL};
    CHECK(ru_srtpd_start(&d, NULL, extra));
    uint16_t pa, pb;
    int fa = ru_udp(&pa), fb = ru_udp(&pb);
    const ctl_be *r = offer2(&d, "two-1", "internal", "127.0.0.1", pa, "external", "127.0.0.1", pb);
    CHECK(r && ru_ok(r));
    CHECK(str_at(r, "streams.0.a.address", "127.0.0.1"));
    CHECK(str_at(r, "streams.0.a.interface", "internal"));
    CHECK(str_at(r, "streams.0.b.address", "198.51.100.5"));
    CHECK(str_at(r, "streams.0.b.interface", "external"));
    uint16_t port_a = (uint16_t)ru_int(r, "streams.0.a.port");
    uint16_t port_b = (uint16_t)ru_int(r, "streams.0.b.port");
    uint8_t pkt[200], in[400];
    uint16_t from;
    /* a -> b: in on 127.0.0.1, out from 127.0.0.2. */
    size_t n = ru_rtp(pkt, 0x1111, 1, 160);
    send_to(fa, "127.0.0.1", port_a, pkt, n);
    CHECK_EQ(ru_recv(fb, in, sizeof(in), 1000, &from), (int)n);
    CHECK_EQ(from, port_b);
    /* b -> a on leg b's real address. */
    n = ru_rtp(pkt, 0x2222, 1, 160);
    send_to(fb, "127.0.0.2", port_b, pkt, n);
    CHECK_EQ(ru_recv(fa, in, sizeof(in), 1000, &from), (int)n);
    CHECK_EQ(from, port_a);
    /* Leg b's port on the internal address: nothing listens there. */
    n = ru_rtp(pkt, 0x2222, 2, 160);
    send_to(fb, "127.0.0.1", port_b, pkt, n);
    CHECK_EQ(ru_recv(fa, in, sizeof(in), 300, &from), -1);
    /* A leg stays on its interface: a re-offer naming another is refused. */
    r = offer2(&d, "two-1", "external", NULL, 0, NULL, NULL, 0);
    CHECK(r && !ru_ok(r));
    char why[200];
    show(r, "error-reason", why, sizeof(why));
    CHECK_MSG(strstr(why, "cannot change"), "%s", why);
    /* ... naming the same one is fine. */
    r = offer2(&d, "two-1", "internal", NULL, 0, "external", NULL, 0);
    CHECK(r && ru_ok(r));
    /* `list` names each leg's interface (the operator's view). */
    {
        static const char lq[] = "d7:command4:liste";
        const ctl_be *l = ru_call(&d, lq, sizeof(lq) - 1);
        CHECK(l && str_at(l, "calls.0.streams.0.a.interface", "internal") &&
              str_at(l, "calls.0.streams.0.b.interface", "external"));
    }
    /* A leg that names none: the first interface configured (no "default"). */
    r = offer2(&d, "two-2", NULL, "127.0.0.1", pa, NULL, NULL, 0);
    CHECK(r && ru_ok(r) && str_at(r, "streams.0.b.interface", "internal"));
    close(fa);
    close(fb);
    CHECK_EQ(ru_srtpd_stop(&d), 0);
}

/* An unknown name refuses the whole request: no call on another network. */
static void test_unknown_interface(void)
{
    ru_srtpd d;
    const char *extra[] = {"--interface", "internal/127.0.0.1; external/127.0.0.2", NULL};
    CHECK(ru_srtpd_start(&d, NULL, extra));
    const ctl_be *r = offer2(&d, "unk-1", "internal", "127.0.0.1", 4000, "extrenal", NULL, 0);
    CHECK(r && !ru_ok(r));
    char why[300];
    show(r, "error-reason", why, sizeof(why));
    CHECK_MSG(strstr(why, "leg b") && strstr(why, "\"extrenal\"") &&
                  strstr(why, "no such media interface configured") && strstr(why, "external"),
              "%s", why);
    char q[128];
    int ql = snprintf(q, sizeof(q), "d7:call-id5:unk-17:command5:querye");
    r = ru_call(&d, q, (size_t)ql);
    CHECK(r && !ru_ok(r)); /* nothing created */
    /* A name with a control byte is not echoed. */
    r = offer2(&d, "unk-2", "in\x1bternal", "127.0.0.1", 4000, NULL, NULL, 0);
    CHECK(r && !ru_ok(r));
    show(r, "error-reason", why, sizeof(why));
    CHECK_MSG(!strchr(why, 0x1b), "%s", why);
    CHECK_EQ(ru_srtpd_stop(&d), 0);
}

/* IPv6 outside, IPv4 inside: leg b on an IPv6-only interface is IPv6 even
 * though the request names no family; an IPv4-only interface refuses an
 * IPv6 peer with the reason. */
static void test_family_per_interface(void)
{
    uint16_t p6;
    int f6 = ru_udp6(&p6);
    if (f6 < 0) {
        printf("relay_iface: skipped the IPv6 case (no ::1 here)\n");
        return;
    }
    close(f6);
    ru_srtpd d;
    const char *extra[] = {"--interface", "internal/127.0.0.1", "--interface", "external/::1",
                           NULL};
    CHECK(ru_srtpd_start(&d, NULL, extra));
    const ctl_be *r = offer2(&d, "fam-1", "internal", "127.0.0.1", 4000, "external", NULL, 0);
    CHECK(r && ru_ok(r));
    CHECK(str_at(r, "streams.0.a.family", "IP4"));
    CHECK(str_at(r, "streams.0.b.family", "IP6"));
    CHECK(str_at(r, "streams.0.b.address", "::1"));
    r = offer2(&d, "fam-2", "internal", "::1", 4000, "external", NULL, 0);
    CHECK(r && !ru_ok(r));
    char why[300];
    show(r, "error-reason", why, sizeof(why));
    CHECK_MSG(strstr(why, "interface internal") && strstr(why, "IPv6"), "%s", why);
    CHECK_EQ(ru_srtpd_stop(&d), 0);
    /* One name with both families: each leg takes its peer's. */
    const char *both[] = {"--interface", "edge/127.0.0.1", "--interface", "edge/::1", NULL};
    CHECK(ru_srtpd_start(&d, NULL, both));
    r = offer2(&d, "fam-3", "edge", "::1", 4000, "edge", NULL, 0);
    CHECK(r && ru_ok(r));
    CHECK(str_at(r, "streams.0.a.address", "::1"));
    CHECK(str_at(r, "streams.0.b.address", "::1")); /* follows leg a */
    CHECK_EQ(ru_srtpd_stop(&d), 0);
    /* The older form: --interface ADDR and --interface6 ADDR[!ADV]. */
    const char *old[] = {"--interface", "127.0.0.1", "--interface6", "::1!2001:db8::5", NULL};
    CHECK(ru_srtpd_start(&d, NULL, old));
    r = offer2(&d, "fam-4", NULL, "::1", 4000, NULL, "127.0.0.1", 4002);
    CHECK(r && ru_ok(r));
    CHECK(str_at(r, "streams.0.a.address", "2001:db8::5"));
    CHECK(str_at(r, "streams.0.b.address", "127.0.0.1"));
    CHECK_EQ(ru_srtpd_stop(&d), 0);
}

/* The config file: "interface = a/...; b/..." and repeated lines; the
 * command line replaces the file's interfaces. */
static void test_config_file(void)
{
    char cf[96], out[2048];
    snprintf(cf, sizeof(cf), "/tmp/srtpd-iface-%d.conf", (int)getpid());
    FILE *f = fopen(cf, "w");
    CHECK(f);
    fprintf(f,
            "listen = unix:/tmp/srtpd-iface-%d.sock\nport-min = 47500\nport-max = 47599\n"
            "interface = internal/127.0.0.1; external/127.0.0.2!203.0.113.5\n"
            "interface = lab/127.0.0.3\n",
            (int)getpid());
    fclose(f);
    const char *args[] = {"--config", cf, NULL};
    CHECK_EQ(run(args, out, sizeof(out), 800), -1);
    CHECK_MSG(strstr(out, "internal (127.0.0.1)") &&
                  strstr(out, "external (127.0.0.2!203.0.113.5)") && strstr(out, "lab (127.0.0.3)"),
              "%s", out);
    const char *args2[] = {"--config", cf, "--interface", "only/127.0.0.1", NULL};
    CHECK_EQ(run(args2, out, sizeof(out), 800), -1);
    CHECK_MSG(strstr(out, "only (127.0.0.1)") && !strstr(out, "internal"), "%s", out);
    unlink(cf);
}

int main(void)
{
    RUN(test_refused_at_start);
    RUN(test_bind_and_advertise);
    RUN(test_two_interfaces);
    RUN(test_unknown_interface);
    RUN(test_family_per_interface);
    RUN(test_config_file);
    return check_summary("relay_iface");
}
