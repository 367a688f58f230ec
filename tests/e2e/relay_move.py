#!/usr/bin/env python3
# tests/e2e/relay_move.py — moves a call from one srtpd to another by hand,
# for tests of sdes.so finding a call where it now lives (a standby's
# takeover without the store that would carry keys): reads the call's
# sdes-state ("state") and its legs' peers ("query") from SRC, creates it on
# DST with an "offer" carrying the same sdes-state, the same stream indexes
# and the peers' addresses (legs plain: keys never leave srtpd). Prints
# DST's reply result. usage: relay_move.py SRC_SOCK DST_SOCK CALL-ID
import os, socket, sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "relay"))
from ng_unix import ng  # noqa: E402

src, dst, cid = sys.argv[1:4]
st = ng(src, {"command": "state", "call-id": cid})
q = ng(src, {"command": "query", "call-id": cid})
if st.get("result") != "ok" or q.get("result") != "ok":
    sys.exit("relay_move: %s does not hold %s" % (src, cid))
streams = []
for s in q["streams"]:
    legs = {}
    for leg in ("a", "b"):
        peer = s[leg].get("peer-rtp", "")
        d = {"transport": "RTP"}
        if ":" in peer:
            host, port = peer.rsplit(":", 1)
            d.update(address=host.strip("[]"), port=int(port))
        legs[leg] = d
    streams.append(dict(index=s["index"], **legs))
req = {"command": "offer", "call-id": cid, "streams": streams}
if "sdes-state" in st:
    req["sdes-state"] = st["sdes-state"].encode("latin-1")
print(ng(dst, req).get("result"))
