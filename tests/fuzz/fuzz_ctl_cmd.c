/*
 * tests/fuzz/fuzz_ctl_cmd.c — libFuzzer target for srtpd's command decoder:
 * each input is one control datagram handed to the real command handler
 * (rtp/relay/dispatch.c) of an in-process daemon with one worker thread,
 * through the real ctl server (framing, bencode, reply cache). An input
 * may hold up to 8 datagrams separated by FZ_SEP, so a sequence (offer,
 * then update / state / rekey / delete on that call) is reachable. Offers
 * allocate real sockets on 127.0.0.1; every call is deleted after each
 * input so state cannot grow. Any crash, leak or sanitizer report is a bug;
 * so is a reply that does not decode.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/server.h"
#include "relay/calltable.h"
#include "relay/daemon.h"
#include "relay/log.h"

#define FZ_SEP      "\n--\n"
#define FZ_MAX_MSGS 8

static relay_daemon d;
static ctl_server *srv;
static ctl_be_doc rdoc;

static void fz_init(void)
{
    relay_config_defaults(&d.cfg);
    d.cfg.port_min = 47000;
    d.cfg.port_max = 47999;
    d.cfg.media_timeout = 0;
    relay_ports_init(&d.ports, d.cfg.port_min, d.cfg.port_max);
    if (!relay_calls_init(&d))
        abort();
    /* Two named interfaces (the default on loopback) so "interface"
     * in a leg reaches both the found and the unknown paths. */
    snprintf(d.cfg.iface[0], sizeof(d.cfg.iface[0]), "127.0.0.1; ext/127.0.0.1!192.0.2.1");
    d.cfg.niface = 1;
    char ierr[200];
    if (!relay_ifaces_parse(&d.cfg, &d.ifaces, ierr, sizeof(ierr)))
        abort();
    d.notify_fd = -1;
    char err[100];
    d.workers = relay_workers_start(1, err, sizeof(err));
    if (!d.workers)
        abort();
    d.nworkers = 1;
    relay_log_open("/dev/null");
    srv = ctl_server_new(-1, NULL, 0, relay_cmd_handle, &d);
}

/* One datagram: a fresh cookie, then the bytes. */
static void fz_one(const uint8_t *data, size_t size)
{
    static char msg[CTL_MAX_MSG];
    static unsigned long n_in;
    if (size > CTL_MAX_MSG - 24)
        return;
    int hl = snprintf(msg, sizeof(msg), "f%lu ", ++n_in);
    memcpy(msg + hl, data, size);
    const char *reply;
    size_t rl;
    ctl_server_handle(srv, msg, (size_t)hl + size, &reply, &rl);
    if (rl) {
        const char *sp = memchr(reply, ' ', rl);
        if (!sp || !ctl_be_decode(&rdoc, sp + 1, rl - (size_t)(sp + 1 - reply)))
            __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!srv)
        fz_init();
    const size_t sl = sizeof(FZ_SEP) - 1;
    for (int k = 0; k < FZ_MAX_MSGS && size; k++) {
        const uint8_t *e = k + 1 < FZ_MAX_MSGS ? memmem(data, size, FZ_SEP, sl) : NULL;
        size_t n = e ? (size_t)(e - data) : size;
        fz_one(data, n);
        data += e ? n + sl : n;
        size -= e ? n + sl : n;
    }
    relay_housekeeping(&d);
    relay_delete_all(&d);
    return 0;
}
