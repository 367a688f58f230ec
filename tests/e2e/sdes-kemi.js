// tests/e2e/sdes-kemi.js — KEMI routing for tests/e2e/sdes-kemi.sh: the
// Request-URI user names the sdes.so KEMI function to call; the INVITE is
// answered 488 with "kemi FN rc=N suite=S reason=R" so the test agent can
// read what the function returned (KSR.sdes.* return codes as in cfg).
// With "X-Careless: FLAGS" the INVITE runs sdes_offer_flags(FLAGS), ignores
// the result and is relayed (the refused body must not pass raw).

function ksr_request_route() {
    if (KSR.pv.get("$rm") != "INVITE") {
        KSR.sl.sl_send_reply(405, "Method Not Allowed");
        return;
    }
    var careless = KSR.pv.gete("$hdr(X-Careless)");
    if (careless != "") {
        // A careless script: sdes_offer's failure ignored, relayed anyway;
        // sdes.so must have made the body safe itself.
        KSR.sdes.sdes_offer_flags(careless);
        KSR.tm.t_relay();
        return;
    }
    var fn = KSR.pv.get("$rU");
    var rc;
    switch (fn) {
    case "check": rc = KSR.sdes.sdes_check(); break;
    case "check_policy": rc = KSR.sdes.sdes_check_policy("require"); break;
    case "check_strong": rc = KSR.sdes.sdes_check_policy("strong"); break;
    case "offer": rc = KSR.sdes.sdes_offer(); break;
    case "offer_flags": rc = KSR.sdes.sdes_offer_flags("decrypt require"); break;
    case "bad_flags": rc = KSR.sdes.sdes_offer_flags("mode=nope"); break;
    case "answer": rc = KSR.sdes.sdes_answer(); break;
    case "answer_flags": rc = KSR.sdes.sdes_answer_flags("mki=1"); break;
    case "delete": rc = KSR.sdes.sdes_delete(); break;
    case "delete_flags": rc = KSR.sdes.sdes_delete_flags(""); break;
    case "rekey": rc = KSR.sdes.sdes_rekey(); break;
    case "rekey_flags": rc = KSR.sdes.sdes_rekey_flags("mki=1"); break;
    case "ack": rc = KSR.sdes.sdes_ack(); break;
    default:
        KSR.sl.sl_send_reply(404, "no such function");
        return;
    }
    var suite = KSR.pv.get("$sdes(suite)");
    var reason = KSR.pv.get("$sdes(reason)");
    KSR.sl.sl_send_reply(488, "kemi " + fn + " rc=" + rc + " suite=" + suite + " reason=" + reason);
}
