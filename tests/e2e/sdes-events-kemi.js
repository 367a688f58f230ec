// tests/e2e/sdes-events-kemi.js — KEMI side of sdes-events-kemi.sh: every
// srtpd event reaches ksr_sdes_event(EVENT-NAME) (sdes.so's event_callback)
// and is logged with its $sdes(...) values.
function ksr_request_route() {
    KSR.sl.sl_send_reply(404, "not here");
}

function ksr_sdes_event(evname) {
    KSR.info("kemi-event " + evname + " event=" + KSR.pv.get("$sdes(event)") +
             " call-id=" + KSR.pv.get("$sdes(call-id)") +
             " from-tag=" + KSR.pv.get("$sdes(from-tag)") +
             " to-tag=" + KSR.pv.get("$sdes(to-tag)") +
             " stream=" + KSR.pv.get("$sdes(stream)") +
             " reason=" + KSR.pv.get("$sdes(reason)") + "\n");
}
