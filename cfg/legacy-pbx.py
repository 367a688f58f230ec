# cfg/legacy-pbx.py — the routing of cfg/legacy-pbx.cfg as a Python KEMI
# script (app_python3, Debian package kamailio-python3-modules), loaded by
# cfg/legacy-pbx-python.cfg. Same behaviour: the PBX on the inside port
# sends plain RTP (sdes_offer "encrypt" toward the outside), offers from
# outside must carry acceptable a=crypto ("decrypt require", else 488 with
# the reason); late offers, re-offers from either side, BYE/CANCEL/failure
# release the call in srtpd.
# Fail closed: sdes.so has already replaced a refused body with one
# rejecting every stream; a refused offer is answered and not relayed, a
# refused 18x answer is dropped, a refused 2xx answer ends the call with a
# BYE to both sides at the ACK (dialog module).
# KSR.sdes.* return codes: docs/sdes-module.md "Functions".
import KSR

FLT_LATE = 1     # first INVITE without SDP: the offer comes in the 2xx
FLT_LATE_RE = 2  # re-INVITE without SDP: the same in a dialog


def mod_init():
    return LegacyPbx()


def pv(name):
    v = KSR.pv.get(name)
    return "" if v is None else str(v)


class LegacyPbx:
    # The cfg's defines are read per message: KSR functions need one.
    def child_init(self, rank):
        return 0

    # sdes.so refused an offer: answer with the reason (the caller stops).
    def sdes_fail(self, rc):
        reason = pv("$sdes(reason)")
        KSR.info("sdes: %s rejected rc=%d: %s\n" % (pv("$ci"), rc, reason))
        if rc == -2:
            KSR.sl.sl_send_reply(488, reason)
        elif rc == -3:
            # A relay that may hold the call did not answer: try again later.
            KSR.hdr.append_to_reply("Retry-After: 5\r\n")
            KSR.sl.sl_send_reply(503, "Media Relay Unreachable")
        elif rc == -6:
            # In-dialog offer for a call no relay knows: its media state is
            # gone (RFC 5057 section 5.1).
            KSR.sl.sl_send_reply(481, "Call/Transaction Does Not Exist")
        elif rc == -4:
            KSR.sl.sl_send_reply(400, "Bad SDP: " + reason)
        else:
            KSR.sl.sl_send_reply(500, "sdes error: " + reason)

    def ksr_request_route(self, msg):
        if KSR.maxfwd.process_maxfwd(10) < 0:
            KSR.sl.sl_send_reply(483, "Too Many Hops")
            return 1
        if KSR.siputils.has_totag() > 0:
            self.within_dialog()
            return 1
        if KSR.is_CANCEL():
            if KSR.tm.t_check_trans() > 0:
                KSR.sdes.sdes_delete()
                KSR.tm.t_relay()
            return 1
        if KSR.is_INVITE():
            KSR.dialog.dlg_manage()  # dlg_bye() can end the call
            KSR.rr.record_route()
            if not self.sdes_invite():
                return 1
        if KSR.tm.t_relay() < 0:
            KSR.sl.sl_reply_error()
        return 1

    # First INVITE: which way it goes decides the mode. False: answered.
    def sdes_invite(self):
        inside = KSR.kx.get_def("INSIDE_PORT")
        if KSR.pv.get("$Rp") == int(inside):
            flags = "encrypt"  # PBX (plain) -> outside (SRTP)
            KSR.corex.set_send_socket("udp:127.0.0.1:" + KSR.kx.get_def("SIP_PORT"))
        else:
            flags = "decrypt require"  # outside (SRTP) -> PBX (plain)
            KSR.corex.set_send_socket("udp:127.0.0.1:" + inside)
        if KSR.textops.has_body() > 0:
            # Any body goes to sdes_offer: a non-SDP one gets 400 (-4).
            rc = KSR.sdes.sdes_offer_flags(flags)
            if rc < 0:
                self.sdes_fail(rc)
                return False
            KSR.info("sdes: %s offer %s suite=%s\n"
                     % (pv("$ci"), pv("$sdes(mode)"), pv("$sdes(suite)")))
        else:
            KSR.setflag(FLT_LATE)
        KSR.tm.t_on_reply("ksr_sdes_reply")
        KSR.tm.t_on_failure("ksr_sdes_failed")
        return True

    def within_dialog(self):
        if KSR.rr.loose_route() < 0:
            if KSR.is_ACK() and KSR.tm.t_check_trans() > 0:
                KSR.tm.t_relay()
                return
            KSR.sl.sl_send_reply(404, "Not Here")
            return
        sdp = KSR.textops.has_body_type("application/sdp") > 0
        if KSR.is_BYE():
            KSR.sdes.sdes_delete()  # writes the call's audit line
        elif (KSR.is_INVITE() or KSR.is_UPDATE()) and sdp:
            rc = KSR.sdes.sdes_offer()  # re-offer from either side
            if rc < 0:
                self.sdes_fail(rc)
                return
            KSR.tm.t_on_reply("ksr_sdes_reply")
        elif KSR.is_INVITE():
            KSR.setflag(FLT_LATE_RE)
            KSR.tm.t_on_reply("ksr_sdes_reply")
        elif KSR.is_ACK() and sdp:
            if KSR.sdes.sdes_answer() < 0:  # late offer: the answer is in the ACK
                KSR.pv.sets("$dlg_var(sdes_refused)", pv("$sdes(reason)") or "refused")
        KSR.tm.t_relay()
        if KSR.is_ACK() and KSR.pv.get("$dlg_var(sdes_refused)") is not None:
            # The 2xx or this ACK carried SDP sdes.so refused: end the call.
            KSR.notice("sdes: %s ended (BYE both sides): %s\n"
                       % (pv("$ci"), pv("$dlg_var(sdes_refused)")))
            KSR.sdes.sdes_delete()
            KSR.dialog.dlg_bye("all")

    def ksr_sdes_reply(self, msg):
        st = KSR.pv.get("$rs")
        if not (180 <= st <= 189 or 200 <= st <= 299) \
                or KSR.textops.has_body_type("application/sdp") < 0:
            return 1
        if KSR.isflagset(FLT_LATE):
            rc = KSR.sdes.sdes_offer_flags("decrypt")  # late offer from outside
        elif KSR.isflagset(FLT_LATE_RE):
            rc = KSR.sdes.sdes_offer_flags("in-dialog")  # a re-INVITE's late offer
        else:
            rc = KSR.sdes.sdes_answer()
        if rc < 0:
            KSR.err("sdes: %s reply %d refused: %s\n" % (pv("$ci"), st, pv("$sdes(reason)")))
            if st < 200:
                KSR.set_drop()  # no early media from a refused answer
                return 1
            # The 2xx leaves with every stream rejected; the caller's ACK
            # ends the call, else the dialog's timeout does.
            KSR.pv.sets("$dlg_var(sdes_refused)", pv("$sdes(reason)") or "refused")
            KSR.dialog.dlg_set_timeout(10)
        return 1

    def ksr_sdes_failed(self, msg):
        KSR.sdes.sdes_delete()
        return 1

    # app_python3 (5.6) looks these up on every message; without them it
    # leaves an AttributeError set and the next KSR call fails.
    def ksr_reply_route(self, msg):
        return 1

    def ksr_onsend_route(self, msg):
        return 1
