#!/usr/bin/env python3
# tests/bench/ng.py — one RTPengine ng request (cookie SP bencode, the ng
# protocol's framing) over UDP; prints the reply as JSON. Used by
# scripts/calls-bench.sh to ping RTPengine and to count its calls
# ("list") after a bench step, which proves BYE -> rtpengine_delete cleaned up,
# and by tests/e2e/sdes-rtpengine.sh to drive RTPengine as an SDES peer.
# usage: ng.py PORT '{"command": "list"}'
# NG_TIMEOUT (seconds per try, 3 tries; default 1) for slower peers.
import json, os, socket, sys

def enc(v):
    if isinstance(v, int): return b"i%de" % v
    if isinstance(v, str): v = v.encode()
    if isinstance(v, bytes): return b"%d:%s" % (len(v), v)
    if isinstance(v, list): return b"l" + b"".join(enc(x) for x in v) + b"e"
    if isinstance(v, dict): return b"d" + b"".join(enc(k) + enc(v[k]) for k in sorted(v)) + b"e"
    raise TypeError(v)

def dec(b, i=0):
    c = b[i:i+1]
    if c == b"i":
        j = b.index(b"e", i); return int(b[i+1:j]), j + 1
    if c in (b"l", b"d"):
        i += 1; out = []
        while b[i:i+1] != b"e":
            v, i = dec(b, i); out.append(v)
        return (out if c == b"l" else dict(zip(out[::2], out[1::2]))), i + 1
    j = b.index(b":", i); n = int(b[i:j]); s = b[j+1:j+1+n]
    return s.decode("latin-1"), j + 1 + n

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
