#!/bin/bash
# tests/bench/footprint-bench.sh — what a call costs srtpd in memory, file
# descriptors and ports (docs/operator-guide.md "Sizing"): srtpd on a free
# loopback control port, N calls (default 1000; FOOTPRINT_CALLS) of one
# audio stream each set up through offer + answer, in two shapes: leg a
# SRTP (AES_CM_128_HMAC_SHA1_80, one key each way) + leg b RTP (the legacy
# PBX case), and both legs SRTP (rekey edge). Prints srtpd's resident
# memory (VmRSS) and open descriptors before and after, per call, and the
# media ports in use. No media flows: a leg's connected twin socket
# (rtp/relay/worker_twin.c) adds one descriptor per leg once media runs.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${FOOTPRINT_CALLS:-1000}
exec python3 - "$BUILD/srtpd" "$N" <<'PY'
import os, socket, subprocess, sys, time
srtpd, n = sys.argv[1], int(sys.argv[2])

sys.path.insert(0, "tests/relay")
from ng_bencode import enc  # noqa: E402

def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]; s.close(); return p

def status(pid):
    rss = 0
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"): rss = int(line.split()[1])
    return rss, fds(pid)

def fds(pid):
    # Every descriptor table: the control thread's (the leader's) and each
    # media worker's own (threads named srtpd-wN, rtp/relay/worker_fds.c).
    n = len(os.listdir("/proc/%d/fd" % pid))
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            comm = open("/proc/%d/task/%s/comm" % (pid, tid)).read().strip()
            if comm.startswith("srtpd-w"):
                n += len(os.listdir("/proc/%d/task/%s/fd" % (pid, tid)))
        except OSError:
            pass
    return n

def crypto():
    return {"suite": "AES_CM_128_HMAC_SHA1_80", "mki-len": 1,
            "keys": [{"key": os.urandom(30), "mki": 1}]}

def run(shape):
    port = free_port()
    pmin = 20000
    p = subprocess.Popen([srtpd, "--listen", "udp:127.0.0.1:%d" % port, "--control-insecure",
                          "--port-min", str(pmin), "--port-max", str(pmin + 4 * n + 100),
                          "--workers", "1", "--log-level", "warn"],
                         stderr=subprocess.DEVNULL)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
    def call(req):
        cookie = os.urandom(6).hex().encode()
        s.sendto(cookie + b" " + enc(req), ("127.0.0.1", port))
        r = s.recv(65535)
        if b"6:result2:ok" not in r and b"pong" not in r:
            sys.exit("footprint: %s: %r" % (req["command"], r[:200]))
    for _ in range(50):
        try: call({"command": "ping"}); break
        except socket.timeout: pass
    time.sleep(0.3)
    rss0, fd0 = status(p.pid)
    for i in range(n):
        cid = "fp-%d@bench" % i
        a = {"transport": "SRTP", "address": "127.0.0.1", "port": 40000, "recv": crypto(), "send": crypto()}
        b = {"transport": shape, "address": "127.0.0.1", "port": 40002}
        if shape == "SRTP": b.update({"recv": crypto(), "send": crypto()})
        call({"command": "offer", "call-id": cid, "streams": [{"index": 0, "a": a, "b": {"transport": shape}}]})
        call({"command": "answer", "call-id": cid, "streams": [{"index": 0, "b": b}]})
    time.sleep(0.3)
    rss1, fd1 = status(p.pid)
    p.terminate(); p.wait(5)
    kib = (rss1 - rss0) / n
    print("footprint %-12s %5d calls: RSS %6d -> %6d KiB (%.1f KiB per call), fds %d -> %d (%.2f per call), "
          "media ports 4 per call (2 per leg)" % ("SRTP<->" + shape, n, rss0, rss1, kib, fd0, fd1, (fd1 - fd0) / n))

run("RTP")
run("SRTP")
PY
