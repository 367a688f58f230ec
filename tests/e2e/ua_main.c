/*
 * tests/e2e/ua_main.c — e2e-ua, the test user agents of sdesgate's
 * end-to-end tests: a "legacy PBX" (SIP + plain RTP/AVP) and an "SRTP
 * phone" (SIP + RTP/SAVP keyed with SDES a=crypto, RFC 4568), built on
 * libosip2 (SIP and SDP parsing) and libsrtp2 (SRTP) and nothing of ours.
 * One call per run, as caller (uac) or callee (uas); a few seconds of
 * numbered RTP each way; a report of what was negotiated (keys masked) and
 * what arrived. Exit 0 when the call did what the role expects. This file:
 * options and main; the rest in ua_agent.c, ua_uac.c, ua_uas.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua_agent.h"

static void usage(void)
{
    fputs("usage: e2e-ua uac|uas --role pbx|phone [options]\n"
          "  --bind ADDR          local address (127.0.0.1)\n"
          "  --sip-port N         local SIP port (0: any)\n"
          "  --port-file FILE     write the bound SIP port here once listening\n"
          "  --to URI             uac: Request-URI, e.g. sip:bob@127.0.0.1:5070\n"
          "  --proxy HOST:PORT    uac: first hop (default: the URI's host:port)\n"
          "  --suite NAME         phone: suite to offer/accept (repeatable;\n"
          "                       default AES_CM_128_HMAC_SHA1_80)\n"
          "  --mki LEN            phone: own keys carry MKI value 1 in LEN bytes\n"
          "  --no-mki             phone without MKI support (linphone 5.1, baresip):\n"
          "                       a peer's MKI is ignored, so packets carrying one\n"
          "                       fail authentication; a new peer key replaces the\n"
          "                       old at once; --rekey offers a new key without MKI\n"
          "  --keep-rx-key        a phone that never re-keys (baresip 1.0): a new\n"
          "                       peer key in a re-offer or answer is ignored, it\n"
          "                       keeps decrypting with the first one\n"
          "  --max-srtp-fail N    SRTP failures the media verdict tolerates (0)\n"
          "  --seconds S          media seconds each way (3)\n"
          "  --min-percent P      share of expected packets that must arrive (95)\n"
          "  --expect-code N      uac: succeed when the final response is N\n"
          "  --offer-file FILE    uac: send this body as the offer (bad-input tests)\n"
          "  --content-type T     Content-Type for --offer-file\n"
          "  --timeout S          give up after S seconds (20)\n"
          "  --sdp-out FILE       write the SDP received from the peer (keys masked)\n"
          "  --header 'Name: value'  uac: extra INVITE header (repeatable)\n"
          "  --late-offer         uac: INVITE without SDP; the callee offers in its\n"
          "                       200 and the answer goes in the ACK\n"
          "  --ring S             uas: 180 Ringing for S seconds before answering\n"
          "  --early-media        uas: ring with 183 carrying the answer SDP\n"
          "  --ring-delay S       uas: wait S seconds before the 180/183 (orders the\n"
          "                       branches of a fork)\n"
          "  --ignore-cancel      uas: a CANCEL gets 200 but the INVITE is still\n"
          "                       answered 200 (a 2xx that crossed the CANCEL)\n"
          "  --fail-code N        uas: end the ringing with N (e.g. 486) instead of 200\n"
          "  --ack-delay S        uac: send the ACK for the 2xx S seconds late (the\n"
          "                       callee retransmits its 2xx meanwhile)\n"
          "  --cancel-after S     uac: CANCEL S seconds after the INVITE (once ringing);\n"
          "                       success is CANCEL 200 + INVITE 487\n"
          "  --reinvite-at S      re-INVITE S seconds into the media (caller or callee)\n"
          "  --hold-at S, --unhold-at S  re-INVITE with a=sendonly, later\n"
          "                       a=sendrecv; the peer stops sending while held\n"
          "  --update-at S        UPDATE (RFC 3311) with the same SDP\n"
          "  --reject-reoffer N   refuse the peer's first re-offer with N (e.g. 488)\n"
          "  --expect-reoffer-code N  our first re-offer must get N (others 200)\n"
          "  --late-reoffer       the --reinvite-at re-INVITE has no SDP: the peer\n"
          "                       offers in its 200, we answer in the ACK\n"
          "  --rekey              phone: that re-INVITE carries a new key with the\n"
          "                       next MKI (needs --mki on both sides); zero loss\n"
          "  --answer-delay S     our re-INVITE's 2xx is acted on S seconds after it\n"
          "                       arrived (keys installed, ACK sent): a 2xx that took\n"
          "                       S seconds to reach us\n"
          "  --reack-delay S      our re-INVITE's 2xx: its keys at once (the old ones\n"
          "                       still accepted), the ACK S seconds later\n"
          "  --seq-start N        first RTP sequence number of own streams (random)\n"
          "  --tamper-every N     flip a payload bit in every Nth packet after protecting\n"
          "                       it (proves the peer really authenticates SRTP)\n",
          stderr);
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"role", 1, 0, 'r'},
        {"bind", 1, 0, 'b'},
        {"sip-port", 1, 0, 'p'},
        {"port-file", 1, 0, 'f'},
        {"to", 1, 0, 't'},
        {"proxy", 1, 0, 'x'},
        {"suite", 1, 0, 's'},
        {"mki", 1, 0, 'm'},
        {"seconds", 1, 0, 'S'},
        {"min-percent", 1, 0, 'P'},
        {"expect-code", 1, 0, 'e'},
        {"offer-file", 1, 0, 'o'},
        {"content-type", 1, 0, 'c'},
        {"timeout", 1, 0, 'T'},
        {"sdp-out", 1, 0, 'O'},
        {"tamper-every", 1, 0, 'X'},
        {"header", 1, 0, 'H'},
        {"reinvite-at", 1, 0, 'R'},
        {"rekey", 0, 0, 'K'},
        {"late-offer", 0, 0, 'L'},
        {"cancel-after", 1, 0, 'C'},
        {"ring", 1, 0, 'G'},
        {"early-media", 0, 0, 'E'},
        {"hold-at", 1, 0, 'h'},
        {"unhold-at", 1, 0, 'u'},
        {"update-at", 1, 0, 'U'},
        {"seq-start", 1, 0, 'Q'},
        {"reject-reoffer", 1, 0, 'J'},
        {"expect-reoffer-code", 1, 0, 'Y'},
        {"late-reoffer", 0, 0, 'Z'},
        {"ring-delay", 1, 0, 'D'},
        {"ignore-cancel", 0, 0, 'I'},
        {"ack-delay", 1, 0, 'A'},
        {"fail-code", 1, 0, 'F'},
        {"answer-delay", 1, 0, 'W'},
        {"reack-delay", 1, 0, 'k'},
        {"no-mki", 0, 0, 'N'},
        {"max-srtp-fail", 1, 0, 'M'},
        {"keep-rx-key", 0, 0, 'j'},
        {0, 0, 0, 0},
    };
    int c;
    const char *role = NULL;

    ua_o.bind = "127.0.0.1";
    ua_o.seconds = 3;
    ua_o.min_percent = 95;
    ua_o.timeout = 20;
    ua_m.fd = -1;
    if (argc < 2 || (strcmp(argv[1], "uac") && strcmp(argv[1], "uas"))) {
        usage();
        return 2;
    }
    ua_o.uac = !strcmp(argv[1], "uac");
    optind = 2;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'r':
            role = optarg;
            break;
        case 'b':
            ua_o.bind = optarg;
            break;
        case 'p':
            ua_o.sip_port = (unsigned)atoi(optarg);
            break;
        case 'f':
            ua_o.port_file = optarg;
            break;
        case 't':
            ua_o.to = optarg;
            break;
        case 'x':
            if (sscanf(optarg, "[%63[^]]]:%u", ua_o.proxy_host, &ua_o.proxy_port) != 2 &&
                sscanf(optarg, "%63[^:]:%u", ua_o.proxy_host, &ua_o.proxy_port) != 2) {
                fprintf(stderr, "e2e-ua: --proxy wants HOST:PORT\n");
                return 2;
            }
            break;
        case 's':
            if (ua_o.n_suites == UA_MAX_CRYPTO || !ua_suite_keysalt_len(optarg)) {
                fprintf(stderr, "e2e-ua: unknown or too many suites: %s\n", optarg);
                return 2;
            }
            ua_o.suites[ua_o.n_suites++] = optarg;
            break;
        case 'm':
            ua_o.mki_len = (unsigned)atoi(optarg);
            break;
        case 'N':
            ua_o.no_mki = 1;
            break;
        case 'j':
            ua_o.keep_rx_key = 1;
            break;
        case 'M':
            ua_o.max_srtp_fail = (unsigned)atoi(optarg);
            break;
        case 'S':
            ua_o.seconds = atof(optarg);
            break;
        case 'P':
            ua_o.min_percent = atof(optarg);
            break;
        case 'e':
            ua_o.expect_code = atoi(optarg);
            break;
        case 'o':
            ua_o.offer_file = optarg;
            break;
        case 'c':
            ua_o.content_type = optarg;
            break;
        case 'T':
            ua_o.timeout = atof(optarg);
            break;
        case 'O':
            ua_o.sdp_out = optarg;
            break;
        case 'H': {
            size_t l = strlen(ua_o.extra_hdrs);
            if (strchr(optarg, '\r') || strchr(optarg, '\n') ||
                l + strlen(optarg) + 3 > sizeof(ua_o.extra_hdrs)) {
                fprintf(stderr, "e2e-ua: --header: one line, 500 bytes in all\n");
                return 2;
            }
            snprintf(ua_o.extra_hdrs + l, sizeof(ua_o.extra_hdrs) - l, "%s\r\n", optarg);
            break;
        }
        case 'R':
            ua_o.reinvite_at = atof(optarg);
            break;
        case 'K':
            ua_o.rekey = 1;
            break;
        case 'L':
            ua_o.late_offer = 1;
            break;
        case 'C':
            ua_o.cancel_after = atof(optarg);
            break;
        case 'G':
            ua_o.ring = atof(optarg);
            break;
        case 'E':
            ua_o.early_media = 1;
            break;
        case 'D':
            ua_o.ring_delay = atof(optarg);
            break;
        case 'I':
            ua_o.ignore_cancel = 1;
            break;
        case 'A':
            ua_o.ack_delay = atof(optarg);
            break;
        case 'W':
            ua_o.answer_delay = atof(optarg);
            break;
        case 'k':
            ua_o.reack_delay = atof(optarg);
            break;
        case 'F':
            ua_o.fail_code = atoi(optarg);
            break;
        case 'h':
            ua_o.hold_at = atof(optarg);
            break;
        case 'u':
            ua_o.unhold_at = atof(optarg);
            break;
        case 'U':
            ua_o.update_at = atof(optarg);
            break;
        case 'Q':
            ua_media_seq_start = atol(optarg);
            if (ua_media_seq_start < 0 || ua_media_seq_start > 65535) {
                fprintf(stderr, "e2e-ua: --seq-start 0..65535\n");
                return 2;
            }
            break;
        case 'J':
            ua_o.reject_reoffer = atoi(optarg);
            break;
        case 'Y':
            ua_o.expect_reoffer = atoi(optarg);
            break;
        case 'Z':
            ua_o.late_reoffer = 1;
            break;
        case 'X':
            ua_o.tamper_every = (unsigned)atoi(optarg);
            break;
        default:
            usage();
            return 2;
        }
    }
    if (!role || (strcmp(role, "pbx") && strcmp(role, "phone"))) {
        fprintf(stderr, "e2e-ua: --role pbx|phone is required\n");
        return 2;
    }
    ua_o.phone = !strcmp(role, "phone");
    if (ua_o.uac && !ua_o.to) {
        fprintf(stderr, "e2e-ua: uac needs --to URI\n");
        return 2;
    }
    if (ua_o.no_mki && ua_o.mki_len) {
        fprintf(stderr, "e2e-ua: --no-mki and --mki exclude each other\n");
        return 2;
    }
    if (ua_o.rekey && (!ua_o.phone || !(ua_o.mki_len || ua_o.no_mki) || !ua_o.reinvite_at)) {
        fprintf(stderr,
                "e2e-ua: --rekey needs --role phone, --mki or --no-mki and --reinvite-at\n");
        return 2;
    }
    if (ua_o.mki_len > UA_MAX_MKI || ua_o.seconds < 0 || ua_o.seconds > 60) {
        fprintf(stderr, "e2e-ua: --mki 0..%d, --seconds 0..60\n", UA_MAX_MKI);
        return 2;
    }
    if (ua_o.n_suites == 0)
        ua_o.suites[ua_o.n_suites++] = "AES_CM_128_HMAC_SHA1_80";
    if (ua_sip_open(&ua_sp, ua_o.bind, ua_o.sip_port) < 0) {
        fprintf(stderr, "e2e-ua: SIP socket %s:%u: %s\n", ua_o.bind, ua_o.sip_port,
                strerror(errno));
        return 1;
    }
    if (ua_media_open(&ua_m, ua_o.bind, 0) < 0) {
        fprintf(stderr, "e2e-ua: RTP socket: %s\n", strerror(errno));
        return 1;
    }
    ua_m.tamper_every = ua_o.tamper_every;
    return ua_o.uac ? ua_uac_run() : ua_uas_run();
}
