#!/usr/bin/env python3
# tests/e2e/sip_busy.py — a callee that refuses every INVITE with one final
# failure code (e.g. 486 Busy Here), for tests of failure replies through
# the proxy: 100 Trying, then CODE with a To-tag, until the ACK (RFC 3261
# 17.2.1). Writes its port to PORT_FILE; exits after SECONDS.
import os, socket, sys, time

port_file, code, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(0.2)
open(port_file + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)
tag = os.urandom(4).hex()
end = time.time() + seconds
while time.time() < end:
    try:
        data, src = s.recvfrom(65535)
    except socket.timeout:
        continue
    head = data.decode(errors="replace").split("\r\n\r\n", 1)[0].split("\r\n")
    if not head[0].startswith("INVITE "):
        continue
    keep = [h for h in head[1:] if h.split(":", 1)[0].strip().lower() in
            ("via", "v", "from", "f", "call-id", "i", "cseq", "record-route")]
    to = [h for h in head[1:] if h.split(":", 1)[0].strip().lower() in ("to", "t")][0]
    if ";tag=" not in to:
        to += ";tag=" + tag
    for status in ("100 Trying", f"{code} Refused"):
        hdrs = keep + ([to] if status[0] != "1" else [to.split(";tag=")[0]])
        s.sendto((f"SIP/2.0 {status}\r\n" + "\r\n".join(hdrs) +
                  "\r\nContent-Length: 0\r\n\r\n").encode(), src)
