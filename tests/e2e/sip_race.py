#!/usr/bin/env python3
# tests/e2e/sip_race.py — INVITEs for tests/e2e/sdes-race.sh: a caller
# sends them to the proxy (--proxy), a callee (this process too) records
# every INVITE the proxy forwards and answers it 480; the caller records
# each final response. Plain RTP/AVP offers, no media.
#
#   --pairs N: N Call-IDs, two INVITEs each (From-tags a and b), both sent
#              back to back so the proxy runs them side by side.
#   --seq:     one Call-ID: INVITE a with X-Strict, its final response,
#              then INVITE b without it.
# Prints one line per final response ("final CID TAG CODE REASON") and per
# forwarded INVITE ("fwd CID TAG CRYPTO-SUITES"), then "done".
import argparse, re, select, socket, sys, time, uuid

ap = argparse.ArgumentParser()
ap.add_argument("--proxy", type=int, required=True)
ap.add_argument("--pairs", type=int, default=0)
ap.add_argument("--seq", action="store_true")
ap.add_argument("--timeout", type=float, default=10)
a = ap.parse_args()

uac = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); uac.bind(("127.0.0.1", 0))
uas = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); uas.bind(("127.0.0.1", 0))
up, sp = uac.getsockname()[1], uas.getsockname()[1]
SDP = "v=0\r\no=pbx 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"

def invite(cid, tag, strict):
    body = SDP
    hdr = ("INVITE sip:bob@127.0.0.1:%d SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s\r\n"
           "From: <sip:alice@127.0.0.1>;tag=%s\r\nTo: <sip:bob@127.0.0.1>\r\n"
           "Call-ID: %s\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:%d>\r\n"
           "Max-Forwards: 70\r\n%sContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n"
           % (sp, up, uuid.uuid4().hex, tag, cid, up, "X-Strict: 1\r\n" if strict else "", len(body)))
    uac.sendto((hdr + body).encode(), ("127.0.0.1", a.proxy))

def hdr(msg, name):
    m = re.search(r"^%s:\s*(.*?)\r$" % name, msg, re.M | re.I)
    return m.group(1) if m else ""

def tag_of(msg):
    m = re.search(r";tag=([^;\r]+)", hdr(msg, "From"))
    return m.group(1) if m else "?"

finals, want = {}, 0
def pump(until):
    while time.time() < until and len(finals) < want:
        r, _, _ = select.select([uac, uas], [], [], 0.1)
        for s in r:
            msg = s.recv(65535).decode("latin-1")
            if s is uas and msg.startswith("INVITE"):
                suites = ",".join(sorted(set(re.findall(r"a=crypto:\d+ (\S+)", msg))))
                print("fwd %s %s %s" % (hdr(msg, "Call-ID"), tag_of(msg), suites or "-"))
                vias = "".join("Via: %s\r\n" % v for v in re.findall(r"^Via:\s*(.*?)\r$", msg, re.M))
                rep = ("SIP/2.0 480 Not Now\r\n%sFrom: %s\r\nTo: %s;tag=callee\r\nCall-ID: %s\r\n"
                       "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
                       % (vias, hdr(msg, "From"), hdr(msg, "To"), hdr(msg, "Call-ID")))
                s.sendto(rep.encode(), ("127.0.0.1", a.proxy))
            elif s is uas and msg.startswith("ACK"):
                pass
            elif s is uac and msg.startswith("SIP/2.0"):
                code = int(msg.split()[1])
                if code < 200:
                    continue
                key = (hdr(msg, "Call-ID"), tag_of(msg))
                if key not in finals:
                    finals[key] = code
                    print("final %s %s %d %s" % (key[0], key[1], code,
                                                 msg.split("\r\n")[0].split(" ", 2)[2]))
                if code >= 300:  # ACK the failure (hop by hop)
                    ack = ("ACK sip:bob@127.0.0.1:%d SIP/2.0\r\nVia: %s\r\nFrom: %s\r\nTo: %s\r\n"
                           "Call-ID: %s\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
                           % (sp, hdr(msg, "Via"), hdr(msg, "From"), hdr(msg, "To"), key[0]))
                    uac.sendto(ack.encode(), ("127.0.0.1", a.proxy))
        sys.stdout.flush()

end = time.time() + a.timeout
if a.seq:
    cid = "seq-%s@race" % uuid.uuid4().hex[:8]
    want = 1; invite(cid, "a", True); pump(end)
    want = 2; invite(cid, "b", False); pump(end)
else:
    want = 2 * a.pairs
    for i in range(a.pairs):
        cid = "race-%d-%s@race" % (i, uuid.uuid4().hex[:6])
        invite(cid, "a", False); invite(cid, "b", False)
    pump(end)
print("done %d of %d final responses" % (len(finals), want))
