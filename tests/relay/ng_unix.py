#!/usr/bin/env python3
# tests/relay/ng_unix.py — one ng request (cookie SP bencode) to srtpd's
# unix control socket, unauthenticated (srtpd's default local mode); prints
# the reply as JSON. For tests that build requests srtpctl does not make
# (offers with tags, drain/reload as raw commands).
# usage: ng_unix.py SOCKET '{"command": "ping"}'  (or import ng())
import json, os, socket, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ng_bencode import enc, dec  # noqa: E402

def ng(path, req):
    """One request to srtpd's unix control socket; the reply dict."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("\0ng-unix-%d-%s" % (os.getpid(), os.urandom(4).hex()))
    s.settimeout(1.0)
    s.connect(path)
    cookie = os.urandom(6).hex().encode()
    s.send(cookie + b" " + enc(req))
    data = s.recv(65535)
    s.close()
    return dec(data[data.index(b" ") + 1:])[0]

if __name__ == "__main__":
    print(json.dumps(ng(sys.argv[1], json.loads(sys.argv[2])), sort_keys=True))
