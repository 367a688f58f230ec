/*
 * rtp/relay/cmd_reply.c — the pieces of srtpd's replies that several
 * commands share: the error reply and the local side of a call's streams
 * (what goes into the SDP).
 */
#include "relay/cmd.h"

#include <arpa/inet.h>
#include <netinet/in.h>

uint64_t relay_err_count;

void relay_err(ctl_benc *w, const char *why)
{
    relay_err_count++;
    ctl_benc_kv_cstr(w, "error-reason", why);
    ctl_benc_kv_cstr(w, "result", "error");
}

/* The local side of a stream (what goes into the SDP). u (NULL, or the
 * stream's two leg updates) is a change a worker has not applied yet
 * (relay_write_streams_pending): the reply says what the leg will be. */
static void relay_write_local(relay_daemon *d, ctl_benc *w, const relay_stream *s,
                              const relay_leg_update *u)
{
    ctl_benc_dict(w);
    ctl_benc_kv_int(w, "index", s->index);
    static const char *names[2] = {"a", "b"};
    for (int l = 0; l < 2; l++) {
        const relay_leg *g = &s->leg[l];
        bool mux = g->rtcp_mux, srtp = g->srtp;
        uint16_t rtcp_port = g->rtcp.port;
        if (u && u[l].present) {
            if (u[l].has_mux)
                mux = u[l].mux;
            if (u[l].has_transport)
                srtp = u[l].srtp;
            if (u[l].has_new_rtcp)
                rtcp_port = u[l].new_rtcp_port;
        }
        ctl_benc_cstr(w, names[l]);
        ctl_benc_dict(w);
        /* The advertised address of the leg's interface (what the SIP side
         * writes into the SDP toward that leg's peer). */
        const relay_iface *f = &d->ifaces.list[g->iface];
        ctl_benc_kv_cstr(w, "address", f->fam[relay_fam_idx(g->family)].adv_s);
        ctl_benc_kv_cstr(w, "family", g->family == AF_INET6 ? "IP6" : "IP4");
        ctl_benc_kv_cstr(w, "interface", f->name);
        ctl_benc_kv_int(w, "port", g->rtp.port);
        ctl_benc_kv_int(w, "rtcp-port", mux ? g->rtp.port : rtcp_port);
        ctl_benc_kv_cstr(w, "transport", srtp ? "SRTP" : "RTP");
        ctl_benc_end(w);
    }
    ctl_benc_end(w);
}

void relay_write_streams_pending(relay_daemon *d, ctl_benc *w, const relay_call *call,
                                 const relay_leg_update *const pending[RELAY_MAX_STREAMS])
{
    ctl_benc_cstr(w, "streams");
    ctl_benc_list(w);
    for (int i = 0; i < RELAY_MAX_STREAMS; i++)
        if (call->streams[i])
            relay_write_local(d, w, call->streams[i], pending ? pending[i] : NULL);
    ctl_benc_end(w);
}

/* "streams": the local side of every stream (offer/answer/update, state). */
void relay_write_streams(relay_daemon *d, ctl_benc *w, const relay_call *call)
{
    relay_write_streams_pending(d, w, call, NULL);
}
