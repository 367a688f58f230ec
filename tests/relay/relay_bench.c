/*
 * tests/relay/relay_bench.c — `make bench`: srtpd against RTPengine 10.5
 * (Debian's rtpengine-daemon, userspace only) in one run, with one load
 * generator (a single thread, sendmmsg/recvmmsg), same calls, same offered
 * rate and duration, 160-byte payloads, for RTP->SRTP and SRTP->SRTP.
 *
 * For each relay and mode it prints the delivered packets/s, loss, the
 * relay's CPU use (utime+stime of all its threads from /proc, in cores),
 * packets/s per core used, and the added latency percentiles (from the
 * kernel's transmit timestamp of each packet the generator sent,
 * SO_TIMESTAMPING's software TX stamp taken as loopback hands it on, to the
 * kernel's receive timestamp on the generator's socket, SO_TIMESTAMPNS; so
 * neither the generator's own lag in reading nor its time spent sending
 * the rest of a batch is charged to the relay; measured per packet by SSRC
 * and sequence number, which SRTP leaves in the clear), then the ratio
 * srtpd/RTPengine of packets/s per core.
 *
 * SRTP->SRTP: RTPengine forwards the offerer's keys and packets untouched
 * when both legs negotiate the same suite, which would compare crypto with
 * no crypto; so leg a uses AES_CM_128_HMAC_SHA1_80 and leg b
 * AES_CM_128_HMAC_SHA1_32 on both relays: both must decrypt and re-encrypt.
 *
 * Saturation (after the fixed-rate table; BENCH_SATURATE=0 skips it): both
 * relays at the same rising offered rates, a fresh process and fresh calls
 * per step; each relay's highest passing rate (no loss, p99 added latency
 * within SAT_MAX_P99_US) and its packets/s per core
 * there, and the ratio at the highest rate both carried without loss (a
 * fixed 60k packets/s spread over 50 calls is ~1 packet per socket per
 * wake-up, which measures wake-up cost more than relaying). A step where the
 * single-threaded generator could not offer the rate ends the search for
 * that relay ("generator short"): the relay was not the limit there.
 *
 * "cores" is the relay's own CPU time (utime+stime of all its threads from
 * /proc/PID/stat, which includes the loopback delivery its sends perform in
 * softirq context) over the run's wall time, read the same way for both
 * relays, each a single process started directly by fork+exec (RTPengine
 * with --foreground; any io_uring worker threads of srtpd belong to its
 * thread group and count too). The kernel scales utime+stime to the exact
 * scheduler runtime, so the figure is not a tick sample. The generator's
 * own CPU is not charged to either relay, and it delivers the same packets
 * to both: what each relay pays is its receive, its processing and its
 * send including the loopback delivery into the generator's socket.
 *
 * srtpd(ep): the fixed-rate table also runs srtpd with its epoll loop
 * (SRTPD_NO_MULTISHOT=1: what it does on a kernel without multishot
 * io_uring), so the gain of the io_uring loop is measured in the same run;
 * BENCH_EPOLL=0 skips it.
 *
 * floor: the same load through a bare kernel-UDP forwarder (bench_floor.c:
 * no crypto, no checks, connected sends, recvmmsg/sendmmsg, coalescing like
 * srtpd), in both tables: what any userspace relay on this box pays per
 * packet in the kernel, so how far the ratio to RTPengine can go at all.
 * BENCH_FLOOR=0 skips it; BENCH_COALESCE_US sets srtpd's --coalesce-us (and
 * the floor's wait). BENCH_RTPENGINE=0 skips RTPengine (an A/B of srtpd
 * builds or settings alone).
 *
 * Scheduling: every relay's packet threads run at SCHED_FIFO
 * BENCH_RT_PRIORITY (default 10; 0 = normal scheduling), srtpd with
 * --rt-priority, RTPengine with --scheduling=fifo --priority, the floor by
 * itself, so all three get the same. At normal priority, kernel threads on
 * the relay's core (kdamond, rcu_preempt here) held it for 1-4 ms at a
 * time (perf sched timehist), and those waits, not the relays, set the p99
 * at 150k packets/s and above.
 *
 * srtpd(B): BENCH_SRTPD_B=PATH adds a row for a second srtpd binary (an
 * A/B of two builds, e.g. before and after a packet-path change) in the
 * fixed-rate table, run right after build/srtpd on the same packets.
 *
 * Bounded: BENCH_SECONDS (default 3) per run, BENCH_RATE packets/s offered
 * (default 60000), BENCH_CALLS calls (default 50); everything started is
 * killed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "ctl/bencode.h"
#include "ctl/client.h"
#include "tests/relay/bench_floor.h"
#include "tests/relay/relay_util.h"
#include "tests/relay/rtpengine_ng.h"

#define MAXCALLS 500
#define PAYLOAD  160
#define BATCH    64

static int calls_n = 50, rate = 60000, seconds = 3;
static char threads[16] = "";  /* BENCH_THREADS: srtpd --workers and rtpengine --num-threads */
static char coalesce[16] = ""; /* BENCH_COALESCE_US: srtpd --coalesce-us */
/* BENCH_RT_PRIORITY (default 10, 0 = off): every relay under test runs its
 * packet threads at SCHED_FIFO this priority, srtpd with --rt-priority,
 * RTPengine with --scheduling=fifo --priority, the floor by itself. On a
 * box where kernel threads and other jobs share the relay's core, they
 * otherwise hold it for milliseconds at a time, and that, not the relay,
 * sets the p99 latency. */
static int rt_prio = 10;
static bool floor_row = true;     /* BENCH_FLOOR=0 skips the bare-forwarder rows */
static bool rtpengine_row = true; /* BENCH_RTPENGINE=0 skips RTPengine (srtpd-only A/B runs) */
/* BENCH_PIN (default on with 2+ cores): the generator runs on CPU 0, every
 * relay process on CPU 1 alone (one core, so one thread each). */
static bool pin_cpus;

static void pin_self(int cpu)
{
    if (!pin_cpus)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof(set), &set);
}

typedef struct relay_run {
    const char *name;
    pid_t pid;
    uint16_t a_port[MAXCALLS]; /* where the generator sends (leg a of each call) */
} relay_run;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double cpu_seconds(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long ut = 0, st = 0;
    /* fields after ')': state(3) ... utime(14) stime(15) */
    int field = 2;
    for (char *t = strtok(p + 1, " "); t; t = strtok(NULL, " ")) {
        field++;
        if (field == 14)
            ut = strtoul(t, NULL, 10);
        if (field == 15) {
            st = strtoul(t, NULL, 10);
            break;
        }
    }
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* ---- RTPengine ---- */

static pid_t start_rtpengine(int ng_port, int pmin, int pmax)
{
    FILE *f = fopen("/tmp/sdesgate-bench-rtpengine.conf", "w");
    if (!f)
        return -1;
    fputs("[rtpengine]\n", f); /* an empty file makes 10.5 exit 255 */
    fclose(f);
    char ng[64], a[16], b[16];
    snprintf(ng, sizeof(ng), "--listen-ng=127.0.0.1:%d", ng_port);
    snprintf(a, sizeof(a), "--port-min=%d", pmin);
    snprintf(b, sizeof(b), "--port-max=%d", pmax);
    pid_t p = fork();
    if (p == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives the bench */
        int dn = open("/dev/null", 1);
        dup2(dn, 1);
        dup2(dn, 2);
        char nt[40], pr[40];
        snprintf(nt, sizeof(nt), "--num-threads=%s", threads);
        snprintf(pr, sizeof(pr), "--priority=%d", rt_prio);
        const char *argv[16] = {"rtpengine",
                                "--config-file=/tmp/sdesgate-bench-rtpengine.conf",
                                "--foreground",
                                "--log-stderr",
                                "--table=-1",
                                "--interface=127.0.0.1",
                                ng,
                                a,
                                b};
        int n = 9;
        if (rt_prio > 0) {
            argv[n++] = "--scheduling=fifo";
            argv[n++] = pr;
        }
        if (threads[0])
            argv[n++] = nt;
        execvp("rtpengine", (char *const *)argv);
        _exit(127);
    }
    return p;
}

static char reply[CTL_MAX_MSG];
static ctl_be_doc doc;

static const ctl_be *ng(ctl_client *c, const char *body, size_t len)
{
    char err[200];
    const ctl_be *r;
    if (ctl_client_call(c, body, len, reply, sizeof(reply), &doc, &r, err, sizeof(err)) != 0) {
        fprintf(stderr, "relay-bench: %s\n", err);
        return NULL;
    }
    return r;
}

static int sdp_port(const ctl_be *r)
{
    const char *s;
    size_t n;
    if (!ctl_be_get_str(&doc, r, "sdp", &s, &n))
        return -1;
    const char *m = memmem(s, n, "m=audio ", 8);
    return m ? atoi(m + 8) : -1;
}

/* Finds "a=crypto:TAG SUITE inline:" for suite in the SDP; returns the tag. */
static int sdp_tag(const ctl_be *r, const char *suite)
{
    const char *s;
    size_t n;
    if (!ctl_be_get_str(&doc, r, "sdp", &s, &n))
        return -1;
    char want[64];
    snprintf(want, sizeof(want), " %s inline:", suite);
    const char *m = memmem(s, n, want, strlen(want));
    if (!m)
        return -1;
    while (m > s && m[-1] != ':')
        m--;
    return atoi(m);
}

static bool rtpengine_calls(ctl_client *c, relay_run *rr, bool srtp_in, uint16_t pa, uint16_t pb)
{
    const sg_suite *s80 = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    for (int i = 0; i < calls_n; i++) {
        char sdp[1024], body[4096], id[32];
        uint8_t key[64];
        snprintf(id, sizeof(id), "bench-%d", i);
        ru_key(s80, 50000 + (unsigned)i, key);
        size_t n = rte_sdp(sdp, sizeof(sdp), 1, pa, false, 1,
                           srtp_in ? "AES_CM_128_HMAC_SHA1_80" : NULL, key);
        size_t len = rte_ng_body(body, sizeof(body), "offer", id, sdp, n);
        const ctl_be *r = ng(c, body, len);
        if (!r)
            return false;
        /* SRTP->SRTP: leg b takes the _32 suite (RTPengine's own key), so
         * RTPengine must decrypt _80 and re-encrypt _32. */
        const char *bs = srtp_in ? "AES_CM_128_HMAC_SHA1_32" : "AES_CM_128_HMAC_SHA1_80";
        int tag = sdp_tag(r, bs);
        if (tag < 0) {
            fprintf(stderr, "relay-bench: RTPengine offered no %s\n", bs);
            return false;
        }
        ru_key(s80, 60000 + (unsigned)i, key);
        n = rte_sdp(sdp, sizeof(sdp), 2, pb, false, tag, bs, key);
        len = rte_ng_body(body, sizeof(body), "answer", id, sdp, n);
        r = ng(c, body, len);
        int port = r ? sdp_port(r) : -1;
        if (port <= 0)
            return false;
        rr->a_port[i] = (uint16_t)port;
    }
    return true;
}

static void rtpengine_delete(ctl_client *c)
{
    for (int i = 0; i < calls_n; i++) {
        char body[256], id[32];
        snprintf(id, sizeof(id), "bench-%d", i);
        ctl_benc w;
        ctl_benc_init(&w, body, sizeof(body));
        ctl_benc_dict(&w);
        ctl_benc_kv_cstr(&w, "call-id", id);
        ctl_benc_kv_cstr(&w, "command", "delete");
        ctl_benc_kv_int(&w, "delete-delay", 0);
        ctl_benc_kv_cstr(&w, "from-tag", "ft");
        ctl_benc_end(&w);
        ng(c, body, w.len);
    }
}

/* ---- srtpd ---- */

static bool srtpd_calls(ru_srtpd *d, relay_run *rr, bool srtp_in, uint16_t pa, uint16_t pb)
{
    const sg_suite *s80 = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    const sg_suite *s32 = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_32);
    for (int i = 0; i < calls_n; i++) {
        char body[4096], id[32];
        snprintf(id, sizeof(id), "bench-%d", i);
        unsigned ka = 50000 + (unsigned)i, kb = 60000 + (unsigned)i, one = 1;
        ctl_benc w;
        ctl_benc_init(&w, body, sizeof(body));
        ctl_benc_dict(&w);
        ctl_benc_kv_cstr(&w, "call-id", id);
        ctl_benc_kv_cstr(&w, "command", "offer");
        ctl_benc_cstr(&w, "streams");
        ctl_benc_list(&w);
        ctl_benc_dict(&w);
        ctl_benc_cstr(&w, "a");
        ctl_benc_dict(&w);
        ctl_benc_kv_cstr(&w, "address", "127.0.0.1");
        ctl_benc_kv_int(&w, "port", pa);
        if (srtp_in) {
            ru_crypto(&w, "recv", s80, &ka, &one, NULL, 1, 0, 0);
            ru_crypto(&w, "send", s80, &ka, &one, NULL, 1, 0, 0);
        }
        ctl_benc_kv_cstr(&w, "transport", srtp_in ? "SRTP" : "RTP");
        ctl_benc_end(&w);
        ctl_benc_cstr(&w, "b");
        ctl_benc_dict(&w);
        ctl_benc_kv_cstr(&w, "address", "127.0.0.1");
        ctl_benc_kv_int(&w, "port", pb);
        ru_crypto(&w, "recv", srtp_in ? s32 : s80, &kb, &one, NULL, 1, 0, 0);
        ru_crypto(&w, "send", srtp_in ? s32 : s80, &kb, &one, NULL, 1, 0, 0);
        ctl_benc_kv_cstr(&w, "transport", "SRTP");
        ctl_benc_end(&w);
        ctl_benc_kv_int(&w, "index", 0);
        ctl_benc_end(&w);
        ctl_benc_end(&w);
        ctl_benc_end(&w);
        const ctl_be *r = ru_call(d, body, w.len);
        if (!r || !ru_ok(r))
            return false;
        rr->a_port[i] = (uint16_t)ru_int(r, "streams.0.a.port");
    }
    return true;
}

static void srtpd_delete(ru_srtpd *d)
{
    for (int i = 0; i < calls_n; i++) {
        char body[128];
        int n = snprintf(body, sizeof(body), "d7:call-id%d:bench-%d7:command6:deletee",
                         (int)strlen("bench-") + (i >= 100  ? 3
                                                  : i >= 10 ? 2
                                                            : 1),
                         i);
        ru_call(d, body, (size_t)n);
    }
}

/* ---- the load generator ---- */

typedef struct result {
    double delivered_pps, loss_pct, cores, pps_per_core;
    double p50, p90, p99, p999; /* microseconds */
    long sent, received;
    long gen_drops;    /* dropped by the kernel at the generator's own receive socket */
    double tx_stamped; /* share of sent datagrams timed by their kernel transmit stamp */
} result;

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static uint8_t *pkts; /* pre-built packets: [k] = call k % calls_n, seq k / calls_n */
static uint16_t *pkt_len;
static int64_t *sent_at, *lat;
static long *sent_k; /* [n] = the packet that was the generator's n-th datagram sent in a run */
static uint8_t *seen;

static void build_packets(long total, bool srtp_in)
{
    const sg_suite *s80 = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    srtp_t tx[MAXCALLS] = {0};
    if (srtp_in)
        for (int i = 0; i < calls_n; i++) {
            unsigned k = 50000 + (unsigned)i, one = 1;
            tx[i] = ru_libsrtp(s80, &k, &one, 1, 0, true);
        }
    for (long k = 0; k < total; k++) {
        int i = (int)(k % calls_n);
        uint16_t seq = (uint16_t)(k / calls_n);
        uint8_t *p = pkts + k * 256;
        int len = (int)ru_rtp(p, 0x5000u + (unsigned)i, seq, PAYLOAD);
        if (srtp_in)
            srtp_protect(tx[i], p, &len);
        pkt_len[k] = (uint16_t)len;
    }
    for (int i = 0; i < calls_n; i++)
        if (tx[i])
            srtp_dealloc(tx[i]);
}

/* When a received message reached the socket (its SO_TIMESTAMPNS stamp,
 * moved to CLOCK_MONOTONIC), else when it was read. */
static int64_t rx_at(struct msghdr *h, int64_t real_off, int64_t read_at)
{
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR(h, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
            int64_t t = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - real_off;
            return t < read_at ? t : read_at;
        }
    return read_at;
}

/* Transmit timestamps on the generator's sending socket: the kernel stamps
 * each datagram as loopback hands it on (SOF_TIMESTAMPING_TX_SOFTWARE) and
 * queues the stamp on the socket's error queue, numbered by the socket's
 * datagram counter (OPT_ID), without the payload (OPT_TSONLY). sendmmsg
 * delivers a batch one datagram after another, so the time taken before
 * the call is up to a batch early for its last datagram; the stamp is
 * not. Turning the option off and on restarts the counter at 0 for a run. */
static void tx_stamps_restart(int fa)
{
    int off = 0, on = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
                      SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;
    setsockopt(fa, SOL_SOCKET, SO_TIMESTAMPING, &off, sizeof(off));
    uint8_t junk[64];
    while (recv(fa, junk, sizeof(junk), MSG_ERRQUEUE | MSG_DONTWAIT) >= 0) {
    }
    setsockopt(fa, SOL_SOCKET, SO_TIMESTAMPING, &on, sizeof(on));
}

/* Reads the transmit stamps queued so far into sent_at (CLOCK_MONOTONIC);
 * a datagram whose stamp was lost keeps the time taken before its send.
 * Returns how many stamps were read. */
static long tx_stamps_read(int fa, long nsent, int64_t real_off)
{
    struct mmsghdr m[BATCH];
    static char cb[BATCH][256];
    long n = 0;
    for (;;) {
        for (int i = 0; i < BATCH; i++) {
            memset(&m[i], 0, sizeof(m[i]));
            m[i].msg_hdr.msg_control = cb[i];
            m[i].msg_hdr.msg_controllen = sizeof(cb[i]);
        }
        int r = recvmmsg(fa, m, BATCH, MSG_ERRQUEUE | MSG_DONTWAIT, NULL);
        if (r <= 0)
            return n;
        for (int i = 0; i < r; i++) {
            struct msghdr *h = &m[i].msg_hdr;
            const struct scm_timestamping *ts = NULL;
            const struct sock_extended_err *ee = NULL;
            for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR(h, cm)) {
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_TIMESTAMPING)
                    ts = (const struct scm_timestamping *)CMSG_DATA(cm);
                else if (cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR)
                    ee = (const struct sock_extended_err *)CMSG_DATA(cm);
            }
            if (!ts || !ee || ee->ee_origin != SO_EE_ORIGIN_TIMESTAMPING ||
                (long)ee->ee_data >= nsent || (ts->ts[0].tv_sec == 0 && ts->ts[0].tv_nsec == 0))
                continue;
            int64_t t = (int64_t)ts->ts[0].tv_sec * 1000000000 + ts->ts[0].tv_nsec - real_off;
            long k = sent_k[ee->ee_data];
            if (t > sent_at[k])
                sent_at[k] = t;
            n++;
        }
        if (r < BATCH)
            return n;
    }
}

static result run_load(const relay_run *rr, int fa, int fb, long total)
{
    result res = {0};
    struct mmsghdr out[BATCH], in[BATCH];
    struct iovec oiov[BATCH], iiov[BATCH];
    struct sockaddr_in dst[BATCH];
    static uint8_t rbuf[BATCH][512];
    static char cbuf[BATCH][CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(struct timespec))];
    /* SO_TIMESTAMPNS stamps are CLOCK_REALTIME, sent_at CLOCK_MONOTONIC:
     * the offset between the two, taken once (a run lasts seconds). */
    struct timespec rts;
    clock_gettime(CLOCK_REALTIME, &rts);
    int64_t real_off = (int64_t)rts.tv_sec * 1000000000 + rts.tv_nsec - now_ns();
    uint32_t ovfl0 = UINT32_MAX, ovfl = 0;
    memset(seen, 0, (size_t)total);
    tx_stamps_restart(fa);
    long nsent = 0, nstamped = 0;
    double cpu0 = cpu_seconds(rr->pid);
    int64_t t0 = now_ns(), end = t0 + (int64_t)seconds * 1000000000;
    long k = 0, got = 0, nlat = 0;
    for (;;) {
        int64_t now = now_ns();
        bool idle = true;
        if (now < end && k < total) {
            long due = (long)((double)(now - t0) * rate / 1e9);
            if (due > total)
                due = total;
            /* At most 4 batches before draining the receive side, so the
             * generator never lets its own receive queue overflow. */
            for (int b = 0; b < 4 && k < due; b++) {
                int n = 0;
                while (n < BATCH && k < due) {
                    int i = (int)(k % calls_n);
                    oiov[n].iov_base = pkts + k * 256;
                    oiov[n].iov_len = pkt_len[k];
                    memset(&dst[n], 0, sizeof(dst[n]));
                    dst[n].sin_family = AF_INET;
                    dst[n].sin_port = htons(rr->a_port[i]);
                    dst[n].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                    memset(&out[n], 0, sizeof(out[n]));
                    out[n].msg_hdr.msg_name = &dst[n];
                    out[n].msg_hdr.msg_namelen = sizeof(dst[n]);
                    out[n].msg_hdr.msg_iov = &oiov[n];
                    out[n].msg_hdr.msg_iovlen = 1;
                    sent_at[k] = now;
                    n++;
                    k++;
                }
                int sn = sendmmsg(fa, out, (unsigned)n, 0);
                for (int j = 0; j < sn; j++)
                    sent_k[nsent++] = k - n + j;
                if (sn < n)
                    k -= n - (sn < 0 ? 0 : sn); /* resend what did not go */
                idle = false;
            }
            /* Before any of these comes back: their stamps are queued by
             * the time sendmmsg returns (loopback stamps in the call). */
            nstamped += tx_stamps_read(fa, nsent, real_off);
        } else if (now > end + 300000000LL) {
            break;
        }
        for (int b = 0; b < 32; b++) {
            for (int i = 0; i < BATCH; i++) {
                iiov[i].iov_base = rbuf[i];
                iiov[i].iov_len = sizeof(rbuf[i]);
                memset(&in[i], 0, sizeof(in[i]));
                in[i].msg_hdr.msg_iov = &iiov[i];
                in[i].msg_hdr.msg_iovlen = 1;
                in[i].msg_hdr.msg_control = cbuf[i];
                in[i].msg_hdr.msg_controllen = sizeof(cbuf[i]);
            }
            int r = recvmmsg(fb, in, BATCH, MSG_DONTWAIT, NULL);
            if (r <= 0)
                break;
            idle = false;
            int64_t read_at = now_ns();
            struct msghdr *lh = &in[r - 1].msg_hdr;
            for (struct cmsghdr *cm = CMSG_FIRSTHDR(lh); cm; cm = CMSG_NXTHDR(lh, cm))
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL) {
                    memcpy(&ovfl, CMSG_DATA(cm), sizeof(ovfl));
                    if (ovfl0 == UINT32_MAX)
                        ovfl0 = ovfl;
                }
            for (int j = 0; j < r; j++) {
                const uint8_t *p = rbuf[j];
                if (in[j].msg_len < 12)
                    continue;
                uint32_t ssrc =
                    (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
                uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
                long id = (long)seq * calls_n + (long)(ssrc - 0x5000u);
                if (ssrc - 0x5000u >= (unsigned)calls_n || id >= k || seen[id])
                    continue;
                seen[id] = 1;
                got++;
                lat[nlat++] = rx_at(&in[j].msg_hdr, real_off, read_at) - sent_at[id];
            }
            if (r < BATCH)
                break;
        }
        if (idle) {
            /* Nothing to send or read: wait for the relay's packets or the
             * next send (at most 50 us), instead of spinning on a core the
             * relay under test may need (the box has two). */
            struct pollfd pf = {.fd = fb, .events = POLLIN};
            struct timespec ts = {0, 50000};
            ppoll(&pf, 1, &ts, NULL);
        }
    }
    double cpu1 = cpu_seconds(rr->pid);
    double wall = (double)(now_ns() - t0) / 1e9;
    res.sent = k;
    res.tx_stamped = nsent ? (double)nstamped / (double)nsent : 0;
    res.received = got;
    res.gen_drops = ovfl0 == UINT32_MAX ? 0 : (long)(ovfl - ovfl0);
    res.delivered_pps = (double)got / (double)seconds;
    res.loss_pct = k ? 100.0 * (double)(k - got) / (double)k : 0;
    res.cores = (cpu1 - cpu0) / wall;
    res.pps_per_core = res.cores > 0 ? (double)got / (cpu1 - cpu0) : 0;
    qsort(lat, (size_t)nlat, sizeof(lat[0]), cmp_i64);
    if (nlat) {
        res.p50 = (double)lat[nlat / 2] / 1000.0;
        res.p90 = (double)lat[nlat * 9 / 10] / 1000.0;
        res.p99 = (double)lat[nlat * 99 / 100] / 1000.0;
        res.p999 = (double)lat[nlat * 999 / 1000] / 1000.0;
    }
    return res;
}

static void print_result(const char *mode, const char *relay, const result *r)
{
    printf("%-11s %-10s %10.0f %7.3f%% %8ld %8.2f %12.0f %8.1f %8.1f %8.1f %8.1f\n", mode, relay,
           r->delivered_pps, r->loss_pct, r->gen_drops, r->cores, r->pps_per_core, r->p50, r->p90,
           r->p99, r->p999);
    if (r->sent && r->tx_stamped < 0.99)
        printf("%-11s %-10s only %.1f%% of sends had a kernel transmit stamp; the rest are timed "
               "from before their sendmmsg\n",
               "", "", 100 * r->tx_stamped);
}

/* Ports of the generator's two sockets and the sockets themselves. */
static int gen_fa, gen_fb;
static uint16_t gen_pa, gen_pb;
static int port_min, port_max; /* the free range srtpd found; RTPengine reuses it */

/* One srtpd run: start, set up the calls, offer the load, read the worker
 * counters, delete, stop. per_batch/per_wake: packets per recvmmsg batch and
 * per worker wake-up. */
static bool bench_srtpd(bool srtp_in, long total, result *rs, double *per_batch, double *per_wake)
{
    ru_srtpd d;
    relay_run rr = {.name = "srtpd"};
    /* BENCH_THREADS sets --workers, BENCH_COALESCE_US --coalesce-us */
    const char *wx[7] = {NULL};
    int nx = 0;
    char prio[16];
    if (rt_prio > 0) {
        snprintf(prio, sizeof(prio), "%d", rt_prio);
        wx[nx++] = "--rt-priority";
        wx[nx++] = prio;
    }
    if (threads[0]) {
        wx[nx++] = "--workers";
        wx[nx++] = threads;
    }
    if (coalesce[0]) {
        wx[nx++] = "--coalesce-us";
        wx[nx++] = coalesce;
    }
    pin_self(1); /* the relay inherits CPU 1; the generator goes back to CPU 0 */
    bool started = ru_srtpd_start(&d, NULL, nx ? wx : NULL);
    pin_self(0);
    if (!started || !(rr.pid = d.pid) || !srtpd_calls(&d, &rr, srtp_in, gen_pa, gen_pb)) {
        fprintf(stderr, "relay-bench: srtpd setup failed\n");
        ru_srtpd_stop(&d);
        return false;
    }
    *rs = run_load(&rr, gen_fa, gen_fb, total);
    const ctl_be *st = ru_call(&d, "d7:command10:statisticse", 24);
    int64_t wk = 0, bt = 0, pin = 0;
    for (const ctl_be *wn = ctl_be_first(&ru_doc, ru_path(st, "workers")); wn;
         wn = ctl_be_next(&ru_doc, wn)) {
        wk += ru_int(wn, "wakeups");
        bt += ru_int(wn, "batches");
        pin += ru_int(wn, "packets-in");
    }
    *per_batch = bt ? (double)pin / (double)bt : 0;
    *per_wake = wk ? (double)pin / (double)wk : 0;
    port_min = d.port_min;
    port_max = d.port_max;
    srtpd_delete(&d);
    ru_srtpd_stop(&d);
    return true;
}

/* One RTPengine run on the port range srtpd used, same calls and load. */
static bool bench_rtpengine(bool srtp_in, long total, result *re)
{
    uint16_t ngp;
    int tmp = ru_udp(&ngp);
    close(tmp);
    relay_run er = {.name = "rtpengine"};
    pin_self(1);
    er.pid = start_rtpengine(ngp, port_min, port_max);
    pin_self(0);
    char addr[64], err[200];
    snprintf(addr, sizeof(addr), "udp:127.0.0.1:%u", ngp);
    ctl_client *c = ctl_client_new(addr, NULL, 0, 500, 0, err, sizeof(err));
    bool up = false, ok = false;
    for (int i = 0; i < 50 && c && !up; i++) {
        const ctl_be *r;
        up = ctl_client_call(c, "d7:command4:pinge", 17, reply, sizeof(reply), &doc, &r, err,
                             sizeof(err)) == 0;
        if (!up)
            usleep(100000);
    }
    if (!up || !rtpengine_calls(c, &er, srtp_in, gen_pa, gen_pb)) {
        fprintf(stderr, "relay-bench: RTPengine setup failed (is rtpengine-daemon installed?)\n");
    } else {
        *re = run_load(&er, gen_fa, gen_fb, total);
        rtpengine_delete(c);
        ok = true;
    }
    ctl_client_free(c);
    if (er.pid > 0) {
        kill(er.pid, SIGTERM);
        for (int i = 0; i < 50 && waitpid(er.pid, NULL, WNOHANG) == 0; i++)
            usleep(100000);
        kill(er.pid, SIGKILL);
        waitpid(er.pid, NULL, 0);
    }
    return ok;
}

/* One run of the kernel floor (bench_floor.c): a bare forwarder with the
 * same calls and load, coalescing as long as srtpd does. */
static bool bench_floor(long total, result *rf)
{
    relay_run fr = {.name = "floor"};
    pin_self(1);
    fr.pid =
        bench_floor_start(calls_n, gen_pb, fr.a_port, coalesce[0] ? atoi(coalesce) : 500, rt_prio);
    pin_self(0);
    if (fr.pid <= 0) {
        fprintf(stderr, "relay-bench: floor forwarder setup failed\n");
        return false;
    }
    usleep(100000);
    *rf = run_load(&fr, gen_fa, gen_fb, total);
    kill(fr.pid, SIGKILL);
    waitpid(fr.pid, NULL, 0);
    return true;
}

/* Drains anything late so the next run starts clean. */
static void drain(void)
{
    uint8_t junk[512];
    while (ru_recv(gen_fb, junk, sizeof(junk), 50, NULL) > 0) {
    }
}

/* A step of the saturation search passed when nothing was lost (not at the
 * relay, not at the generator's own socket), the generator really offered
 * the rate (a single thread sharing the box may fall short), and the relay
 * kept up: a relay that queues packets for tens of milliseconds carries
 * them all but is no use for a call, so a p99 added latency above
 * SAT_MAX_P99_US fails the step too ("LATENCY"). */
#define SAT_MAX_P99_US 20000.0
/* The latency srtpd's coalescing may add (issue "Latency of the coalescing
 * wait"): p99 within GOAL_P99_US at every rate up to its highest passing
 * one, and within GOAL_P99_LOW_US at 5000 packets/s. Printed as a verdict,
 * not a pass rule: on a shared box the scheduler alone can miss it. */
#define GOAL_P99_US     1000.0
#define GOAL_P99_LOW_US 200.0

static bool step_ok(const result *r, long offered)
{
    return r->sent >= offered * 99 / 100 && r->received == r->sent && r->gen_drops == 0 &&
           r->p99 <= SAT_MAX_P99_US;
}

/* Saturation: for each mode, both relays are run at the same rising offered
 * rates (fresh process and calls per step, so SRTP sequence numbers start
 * anew); a relay leaves the search at its first failed step (step_ok). Reported per
 * relay: the highest passing rate and packets/s per core at that rate,
 * then the ratio of those per-core figures. */
static const int sat_rates[] = {60000,  80000,  100000, 150000, 200000,
                                250000, 300000, 400000, 500000, 600000};
#define SAT_STEPS ((int)(sizeof(sat_rates) / sizeof(sat_rates[0])))

static int saturate(void)
{
    printf("\nsaturation: offered rate in steps (%d s each, fresh relay per step), both relays "
           "alike; a relay stops at its first step with loss or p99 above %.0f ms\n",
           seconds, SAT_MAX_P99_US / 1000);
    printf("%-11s %-10s %8s %10s %8s %8s %8s %12s %8s %8s\n", "mode", "relay", "offered", "pkt/s",
           "loss", "gen-drop", "cores", "pkt/s/core", "p50us", "p99us");
    double best_ppc[2][3] = {{0, 0, 0}, {0, 0, 0}}, both_ppc[2][2] = {{0, 0}, {0, 0}};
    double worst_p99[2] = {0, 0}; /* srtpd's, over its passing steps */
    int worst_rate[2] = {0, 0};
    int best_rate[2][3] = {{0, 0, 0}, {0, 0, 0}}, both_rate[2] = {0, 0};
    static const char *const rname[3] = {"srtpd", "rtpengine", "floor"};
    for (int mode = 0; mode < 2; mode++) {
        bool srtp_in = mode == 1;
        const char *mname = srtp_in ? "SRTP->SRTP" : "RTP->SRTP";
        bool alive[3] = {true, rtpengine_row, floor_row};
        long max_total = (long)sat_rates[SAT_STEPS - 1] * seconds + calls_n;
        build_packets(max_total, srtp_in);
        for (int st = 0; st < SAT_STEPS && (alive[0] || alive[1] || alive[2]); st++) {
            rate = sat_rates[st];
            bool passed[3] = {false, false, false};
            double ppc[3] = {0, 0, 0};
            long offered = (long)rate * seconds, total = offered + calls_n;
            for (int rel = 0; rel < 3; rel++) {
                if (!alive[rel])
                    continue;
                result r = {0};
                double pbatch = 0, pwake = 0;
                bool pass = false;
                /* A step where the generator fell short without any loss
                 * (a busy box) says nothing about the relay: run it again
                 * once before giving up. */
                for (int attempt = 0; attempt < 2; attempt++) {
                    bool ok = rel == 0   ? bench_srtpd(srtp_in, total, &r, &pbatch, &pwake)
                              : rel == 1 ? bench_rtpengine(srtp_in, total, &r)
                                         : bench_floor(total, &r);
                    drain();
                    if (!ok)
                        return 1;
                    pass = step_ok(&r, offered);
                    if (pass || r.received != r.sent)
                        break;
                }
                printf("%-11s %-10s %8d %10.0f %7.3f%% %8ld %8.2f %12.0f %8.1f %8.1f %s", mname,
                       rname[rel], rate, r.delivered_pps, r.loss_pct, r.gen_drops, r.cores,
                       r.pps_per_core, r.p50, r.p99,
                       pass                                       ? "ok"
                       : r.sent < offered * 99 / 100              ? "generator short"
                       : r.received != r.sent || r.gen_drops != 0 ? "LOSS"
                                                                  : "LATENCY");
                if (rel == 0)
                    printf("  (%.1f/batch, %.1f/wake-up)", pbatch, pwake);
                printf("\n");
                fflush(stdout);
                if (pass && rel == 0 && r.p99 > worst_p99[mode]) {
                    worst_p99[mode] = r.p99;
                    worst_rate[mode] = rate;
                }
                if (pass) {
                    best_rate[mode][rel] = rate;
                    best_ppc[mode][rel] = r.pps_per_core;
                    passed[rel] = true;
                    ppc[rel] = r.pps_per_core;
                } else {
                    alive[rel] = false;
                }
            }
            if (passed[0] && passed[1]) {
                both_rate[mode] = rate;
                both_ppc[mode][0] = ppc[0];
                both_ppc[mode][1] = ppc[1];
            }
        }
    }
    for (int mode = 0; mode < 2; mode++) {
        printf("saturation %-10s highest passing rate: srtpd %d (%.0f pkt/s/core), rtpengine %d "
               "(%.0f pkt/s/core); ratio per core at those rates %.2fx\n",
               mode ? "SRTP->SRTP" : "RTP->SRTP", best_rate[mode][0], best_ppc[mode][0],
               best_rate[mode][1], best_ppc[mode][1],
               best_ppc[mode][1] > 0 ? best_ppc[mode][0] / best_ppc[mode][1] : 0);
        if (floor_row)
            printf("saturation %-10s kernel floor (bare forwarder): highest passing rate %d "
                   "(%.0f pkt/s/core) = %.2fx RTPengine's per core; srtpd reaches %.0f%% of it\n",
                   mode ? "SRTP->SRTP" : "RTP->SRTP", best_rate[mode][2], best_ppc[mode][2],
                   best_ppc[mode][1] > 0 ? best_ppc[mode][2] / best_ppc[mode][1] : 0,
                   best_ppc[mode][2] > 0 ? 100 * best_ppc[mode][0] / best_ppc[mode][2] : 0);
        printf("saturation %-10s at the highest rate both carried without loss (%d): ratio per "
               "core %.2fx\n",
               mode ? "SRTP->SRTP" : "RTP->SRTP", both_rate[mode],
               both_ppc[mode][1] > 0 ? both_ppc[mode][0] / both_ppc[mode][1] : 0);
        printf("saturation %-10s srtpd latency goal, p99 <= %.0f us at every passing step: worst "
               "%.0f us at %d: %s\n",
               mode ? "SRTP->SRTP" : "RTP->SRTP", GOAL_P99_US, worst_p99[mode], worst_rate[mode],
               !worst_rate[mode]                ? "no passing step"
               : worst_p99[mode] <= GOAL_P99_US ? "met"
                                                : "MISSED");
    }
    return 0;
}

/* BENCH_X unset: dflt; else on unless it is 0. */
static bool env_on(const char *name, bool dflt)
{
    const char *v = getenv(name);
    return v ? atoi(v) != 0 : dflt;
}

int main(void)
{
    alarm(900);
    if (getenv("BENCH_CALLS"))
        calls_n = atoi(getenv("BENCH_CALLS"));
    if (getenv("BENCH_RATE"))
        rate = atoi(getenv("BENCH_RATE"));
    if (getenv("BENCH_THREADS"))
        snprintf(threads, sizeof(threads), "%d", atoi(getenv("BENCH_THREADS")));
    pin_cpus = sysconf(_SC_NPROCESSORS_ONLN) >= 2 && env_on("BENCH_PIN", true);
    if (pin_cpus && !threads[0])
        snprintf(threads, sizeof(threads), "1");
    pin_self(0);
    if (getenv("BENCH_COALESCE_US"))
        snprintf(coalesce, sizeof(coalesce), "%d", atoi(getenv("BENCH_COALESCE_US")));
    if (getenv("BENCH_SECONDS"))
        seconds = atoi(getenv("BENCH_SECONDS"));
    if (getenv("BENCH_RT_PRIORITY"))
        rt_prio = atoi(getenv("BENCH_RT_PRIORITY"));
    bool sat = env_on("BENCH_SATURATE", true);
    if (calls_n < 1 || calls_n > MAXCALLS || rate < 1000 || rate > 2000000 || seconds < 1 ||
        seconds > 60) {
        fprintf(stderr,
                "relay-bench: BENCH_CALLS 1..500, BENCH_RATE 1000..2000000, BENCH_SECONDS 1..60\n");
        return 2;
    }
    long total = (long)rate * seconds + calls_n;
    long sat_total = sat ? (long)sat_rates[SAT_STEPS - 1] * seconds + calls_n : 0;
    long alloc = total > sat_total ? total : sat_total;
    if (alloc / calls_n > 65535) {
        fprintf(stderr, "relay-bench: too many packets per call for 16-bit sequence numbers "
                        "(raise BENCH_CALLS or lower BENCH_SECONDS)\n");
        return 2;
    }
    pkts = malloc((size_t)alloc * 256);
    pkt_len = malloc((size_t)alloc * sizeof(*pkt_len));
    sent_at = malloc((size_t)alloc * sizeof(*sent_at));
    lat = malloc((size_t)alloc * sizeof(*lat));
    sent_k = malloc((size_t)alloc * sizeof(*sent_k));
    seen = malloc((size_t)alloc);
    if (!pkts || !pkt_len || !sent_at || !lat || !sent_k || !seen)
        return 1;
    gen_fa = ru_udp(&gen_pa);
    gen_fb = ru_udp(&gen_pb);
    int sb = 8 << 20, one = 1;
    setsockopt(gen_fa, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
    /* Room for the transmit stamps queued between two reads (tx_stamps_read). */
    setsockopt(gen_fa, SOL_SOCKET, SO_RCVBUFFORCE, &sb, sizeof(sb));
    /* The generator's receive queue must absorb a relay's bursts: loss there
     * is the generator's, reported apart (gen-drop), and fails a step. */
    setsockopt(gen_fb, SOL_SOCKET, SO_RCVBUFFORCE, &sb, sizeof(sb));
    setsockopt(gen_fb, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
    /* The kernel's receive time of each packet (rx_at): the latency a relay
     * adds ends when the packet reaches the receiver's socket, not when
     * this single thread, busy sending, gets around to reading it. */
    setsockopt(gen_fb, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));

    /* Whether this user may give the relays SCHED_FIFO: tried on the
     * generator itself and undone; refused, every relay runs normally. */
    char rt_desc[120] = "normal scheduling (BENCH_RT_PRIORITY=0)";
    if (rt_prio > 0) {
        struct sched_param sp = {.sched_priority = rt_prio}, zero = {0};
        if (rt_prio > 99 || sched_setscheduler(0, SCHED_FIFO, &sp) != 0) {
            snprintf(rt_desc, sizeof(rt_desc), "normal scheduling (SCHED_FIFO %d refused: %s)",
                     rt_prio, rt_prio > 99 ? "1..99" : strerror(errno));
            rt_prio = 0;
        } else {
            sched_setscheduler(0, SCHED_OTHER, &zero);
            snprintf(rt_desc, sizeof(rt_desc),
                     "packet threads at SCHED_FIFO %d (BENCH_RT_PRIORITY=0: normal)", rt_prio);
        }
    }
    printf(
        "relay-bench: %d calls, %d packets/s offered for %d s per run, %d-byte payload, %ld cores, "
        "relay threads: %s, %s%s\n",
        calls_n, rate, seconds, PAYLOAD, sysconf(_SC_NPROCESSORS_ONLN),
        threads[0] ? threads : "default (one per core)", rt_desc,
        pin_cpus ? "; generator pinned to CPU 0, each relay to CPU 1 (BENCH_PIN=0: unpinned)" : "");
    printf("%-11s %-10s %10s %8s %8s %8s %12s %8s %8s %8s %8s\n", "mode", "relay", "pkt/s", "loss",
           "gen-drop", "cores", "pkt/s/core", "p50us", "p90us", "p99us", "p99.9us");
    double ratio[3] = {0, 0, 0}, ratio_ep[3] = {0, 0, 0}, ratio_b[3] = {0, 0, 0};
    const char *srtpd_b = getenv("BENCH_SRTPD_B");
    if (srtpd_b && !*srtpd_b)
        srtpd_b = NULL;
    bool epoll_row = env_on("BENCH_EPOLL", true);
    floor_row = env_on("BENCH_FLOOR", true);
    rtpengine_row = env_on("BENCH_RTPENGINE", true);
    double floor_ppc[3] = {0, 0, 0}, rte_ppc[3] = {0, 0, 0}, srtpd_p99[3] = {0, 0, 0};
    int full_rate = rate;
    int rc = 0;
    /* Modes 0 and 1 at the offered rate; mode 2 repeats RTP->SRTP at a low
     * rate (5000 packets/s) where queueing cannot dominate, so its latency
     * percentiles show what the relay itself adds. */
    for (int mode = 0; mode < 3; mode++) {
        bool srtp_in = mode == 1;
        rate = mode == 2 ? 5000 : full_rate;
        const char *mname = mode == 2 ? "RTP->SRTP*" : srtp_in ? "SRTP->SRTP" : "RTP->SRTP";
        build_packets(total, srtp_in);
        result rs = {0}, re = {0};
        double pbatch, pwake;
        if (!bench_srtpd(srtp_in, total, &rs, &pbatch, &pwake))
            return 1;
        print_result(mname, "srtpd", &rs);
        printf("%-11s %-10s %.2f packets per read (io_uring_enter or recvmmsg), %.2f per worker "
               "wake-up\n",
               "", "", pbatch, pwake);
        drain();
        if (srtpd_b) {
            result rb = {0};
            const char *a = getenv("SRTPD");
            char *saved = a ? strdup(a) : NULL;
            setenv("SRTPD", srtpd_b, 1);
            bool ok = bench_srtpd(srtp_in, total, &rb, &pbatch, &pwake);
            if (saved)
                setenv("SRTPD", saved, 1);
            else
                unsetenv("SRTPD");
            free(saved);
            if (!ok)
                return 1;
            print_result(mname, "srtpd(B)", &rb);
            ratio_b[mode] = rs.pps_per_core > 0 ? rb.pps_per_core / rs.pps_per_core : 0;
            drain();
        }
        /* The same srtpd with its epoll loop (SRTPD_NO_MULTISHOT=1, as on a
         * kernel without multishot io_uring), in the same run. */
        result rp = {0};
        if (epoll_row) {
            setenv("SRTPD_NO_MULTISHOT", "1", 1);
            bool ok = bench_srtpd(srtp_in, total, &rp, &pbatch, &pwake);
            unsetenv("SRTPD_NO_MULTISHOT");
            if (!ok)
                return 1;
            print_result(mname, "srtpd(ep)", &rp);
            drain();
        }
        if (rtpengine_row) {
            if (bench_rtpengine(srtp_in, total, &re))
                print_result(mname, "rtpengine", &re);
            else
                rc = 1;
        }
        drain();
        result rf = {0};
        if (floor_row) {
            if (!bench_floor(total, &rf))
                return 1;
            print_result(mname, "floor", &rf);
        }
        floor_ppc[mode] = rf.pps_per_core;
        rte_ppc[mode] = re.pps_per_core;
        ratio[mode] = re.pps_per_core > 0 ? rs.pps_per_core / re.pps_per_core : 0;
        srtpd_p99[mode] = rs.p99;
        ratio_ep[mode] = re.pps_per_core > 0 ? rp.pps_per_core / re.pps_per_core : 0;
        drain();
    }
    printf("ratio srtpd/rtpengine, packets/s per core used: RTP->SRTP %.2fx, SRTP->SRTP %.2fx\n",
           ratio[0], ratio[1]);
    if (epoll_row)
        printf("ratio srtpd(ep)/rtpengine (epoll loop):         RTP->SRTP %.2fx, SRTP->SRTP "
               "%.2fx\n",
               ratio_ep[0], ratio_ep[1]);
    if (srtpd_b)
        printf("ratio srtpd(B)/srtpd (%s):     RTP->SRTP %.2fx, SRTP->SRTP %.2fx\n", srtpd_b,
               ratio_b[0], ratio_b[1]);
    if (floor_row)
        for (int mode = 0; mode < 2; mode++)
            printf("floor %-10s: a bare kernel-UDP forwarder did %.0f pkt/s/core = %.2fx "
                   "RTPengine; 3x RTPengine is %.0f pkt/s/core\n",
                   mode ? "SRTP->SRTP" : "RTP->SRTP", floor_ppc[mode],
                   rte_ppc[mode] > 0 ? floor_ppc[mode] / rte_ppc[mode] : 0, 3 * rte_ppc[mode]);
    printf("(* = 5000 packets/s: latency added by the relay without queueing)\n");
    printf("srtpd latency goal, p99: %.0f / %.0f us at %d packets/s (<= %.0f: %s), %.0f us at "
           "5000 (<= %.0f: %s)\n",
           srtpd_p99[0], srtpd_p99[1], full_rate, GOAL_P99_US,
           srtpd_p99[0] <= GOAL_P99_US && srtpd_p99[1] <= GOAL_P99_US ? "met" : "MISSED",
           srtpd_p99[2], GOAL_P99_LOW_US, srtpd_p99[2] <= GOAL_P99_LOW_US ? "met" : "MISSED");
    fflush(stdout);
    if (sat && rc == 0)
        rc = saturate();
    return rc;
}
