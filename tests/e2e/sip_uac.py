#!/usr/bin/env python3
# tests/e2e/sip_uac.py — a minimal SIP caller for tests whose offer comes
# from somewhere else (RTPengine's ng offer in sdes-rtpengine.sh): sends an
# INVITE with the SDP in OFFER_FILE to PROXY, acknowledges the 2xx along the
# recorded route (RFC 3261 12.1.2, 13.2.2.4), writes the answer SDP (real
# keys: the test needs them for RTPengine; the file lives in the test's
# work directory only), waits until BYE_FILE exists, sends BYE, exits 0
# when the BYE got 200. One call, UDP, loopback.
import os, re, socket, sys, time

proxy_port, ruri, offer_file, answer_file, bye_file = sys.argv[1:6]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(0.5)
lp = s.getsockname()[1]
proxy = ("127.0.0.1", int(proxy_port))
cid, ftag = os.urandom(8).hex(), os.urandom(4).hex()
sdp = open(offer_file, "rb").read().decode()

def send(method, uri, cseq, extra="", body=""):
    br = "z9hG4bK" + os.urandom(6).hex()
    ct = "Content-Type: application/sdp\r\n" if body else ""
    msg = (f"{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{lp};branch={br};rport\r\n"
           f"Max-Forwards: 70\r\nFrom: <sip:rtpe@127.0.0.1>;tag={ftag}\r\nTo: {to}\r\n"
           f"Call-ID: {cid}\r\nCSeq: {cseq} {method}\r\nContact: <sip:rtpe@127.0.0.1:{lp}>\r\n"
           f"{extra}{ct}Content-Length: {len(body.encode())}\r\n\r\n{body}")
    s.sendto(msg.encode(), proxy)
    return msg

def final(method, resend, deadline):
    last = 0
    while time.time() < deadline:
        if time.time() - last > 1:
            resend(); last = time.time()
        try:
            data = s.recv(65535).decode(errors="replace")
        except socket.timeout:
            continue
        head, _, body = data.partition("\r\n\r\n")
        m = re.match(r"SIP/2.0 (\d+)", head)
        if m and f" {method}" in re.search(r"(?im)^CSeq:.*$", head).group(0):
            code = int(m.group(1))
            if code >= 200:
                return code, head, body
            resend = lambda: None  # provisional: stop retransmitting
    sys.exit(f"sip_uac: no final response to {method}")

to = f"<{ruri}>"
code, head, body = final("INVITE", lambda: send("INVITE", ruri, 1, body=sdp), time.time() + 15)
print(f"sip_uac: INVITE {code}", flush=True)
if code != 200:
    sys.exit(1)
to = re.search(r"(?im)^To:\s*(.*)$", head).group(1).strip()
contact = re.search(r"(?im)^Contact:.*<([^>]+)>", head).group(1)
rr = []
for line in re.findall(r"(?im)^Record-Route:\s*(.*)$", head):
    rr += [x.strip() for x in line.split(",")]
route = "".join(f"Route: {r}\r\n" for r in reversed(rr))
open(answer_file, "w").write(body)
send("ACK", contact, 1, route)
while not os.path.exists(bye_file):
    time.sleep(0.1)
code, _, _ = final("BYE", lambda: send("BYE", contact, 2, route), time.time() + 10)
print(f"sip_uac: BYE {code}", flush=True)
sys.exit(0 if code == 200 else 1)
