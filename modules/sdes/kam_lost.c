/*
 * modules/sdes/kam_lost.c — the audit line of a call lost with its relay
 * (kam_lost.h).
 */
#include "sdes/kam_lost.h"

#include "core/dprint.h"

void sdes_kam_lost_audit(sip_msg_t *msg, const str *cid, int found_none)
{
    if (!msg || msg->first_line.type != SIP_REQUEST ||
        msg->first_line.u.request.method_value != METHOD_BYE)
        return;
    if (found_none)
        LM_NOTICE("sdes audit: Call-ID %.*s: lost: no relay holds the call at BYE (its relay"
                  " restarted or failed without it, or timed it out); no final statistics\n",
                  cid->len, cid->s);
    else
        LM_NOTICE("sdes audit: Call-ID %.*s: lost: no relay answered at BYE (its relay is"
                  " down); no final statistics\n",
                  cid->len, cid->s);
}
