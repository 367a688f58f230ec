#!/usr/bin/env python3
# tests/relay/ng_unix.py — one ng request (cookie SP bencode) to srtpd's
# unix control socket, unauthenticated (srtpd's default local mode); prints
# the reply as JSON. For tests that build requests srtpctl does not make
# (offers with tags, drain/reload as raw commands).
# usage: ng_unix.py SOCKET '{"command": "ping"}'  (or import ng())
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
