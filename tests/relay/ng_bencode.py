# tests/relay/ng_bencode.py — bencode for the test scripts that speak the
# ng control protocol (cookie SP bencode) themselves: ng_unix.py (srtpd's
# unix socket), tests/bench/ng.py (RTPengine over UDP),
# tests/e2e/attack-srtpd.sh (a copy user nobody can read) and
# tests/bench/footprint-bench.sh. Dict keys are written sorted, as
# bencode requires; strings are decoded as latin-1 so any bytes survive.

def enc(v):
    if isinstance(v, int): return b"i%de" % v
    if isinstance(v, str): v = v.encode()
    if isinstance(v, bytes): return b"%d:%s" % (len(v), v)
    if isinstance(v, list): return b"l" + b"".join(enc(x) for x in v) + b"e"
    if isinstance(v, dict): return b"d" + b"".join(enc(k) + enc(v[k]) for k in sorted(v)) + b"e"
    raise TypeError(v)

def dec(b, i=0):
    """The value at b[i:] and the index after it."""
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
