#!/usr/bin/env python3
# tests/bench/ng.py — one RTPengine ng request (cookie SP bencode, the ng
# protocol's framing) over UDP; prints the reply as JSON. Used by
# scripts/calls-bench.sh to ping RTPengine and to count its calls
# ("list") after a bench step, which proves BYE -> rtpengine_delete cleaned up,
# and by tests/e2e/sdes-rtpengine.sh to drive RTPengine as an SDES peer.
# usage: ng.py PORT '{"command": "list"}'
# NG_TIMEOUT (seconds per try, 3 tries; default 1) for slower peers.
import json, os, socket, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "relay"))
from ng_bencode import enc, dec  # noqa: E402

port = int(sys.argv[1]); req = json.loads(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(float(os.environ.get("NG_TIMEOUT", "1")))
cookie = os.urandom(6).hex().encode()
for _ in range(3):
    s.sendto(cookie + b" " + enc(req), ("127.0.0.1", port))
    try:
        data = s.recv(65535); break
    except socket.timeout:
        continue
else:
    sys.exit("ng: no reply")
print(json.dumps(dec(data[len(cookie) + 1:])[0]))
