#!/usr/bin/env python3
# tests/e2e/sip_attack.py — two scripted SIP agents (caller A, callee B) in
# one process, for attacks on a call through Kamailio + sdes.so + srtpd:
# A calls B through the proxy, then the steps given on the command line run
# in order, each printing one "RESULT ..." line the shell script checks.
# Unlike e2e-ua, every SDP is chosen by the step (a plain re-offer, a
# weaker suite, UNENCRYPTED_SRTP), and both agents answer whatever reaches
# them (an auto-answer keeps the offered proto and first a=crypto's suite
# with a fresh key of their own). Keys are random test keys and are never
# printed. UDP, loopback, one call; every wait is bounded.
#
#   sip_attack.py --proxy PORT [--to-port-b N] --srtpctl PATH --relay SPEC
#                 --a-sdp KIND --b-sdp KIND [--ruri USER] STEP...
#   KIND: savp (AES_CM_128_HMAC_SHA1_80), savp32 (only _32), savp-unenc
#         (UNENCRYPTED_SRTP), savp-life31 (a key stating lifetime 2^31),
#         avp (plain RTP/AVP); B's KIND is its answer
#         style for the first INVITE (avp: plain, else auto).
#   STEP: reinvite:SIDE:KIND:NAME[:ANSWER]  re-INVITE from a or b with
#                                  that SDP (the peer answers with an SDP
#                                  of KIND ANSWER when given);
#                                  prints the final code, whether srtpd's
#                                  legs (transport, ports, suites, key
#                                  fingerprints) are unchanged, and the
#                                  reply's Retry-After if any
#         clear:NAME               A sends plain RTP with a marker to its
#                                  relay port; prints how many packets B
#                                  received with the marker in clear
#         header:TEXT              add the header line TEXT to the next
#                                  re-INVITEs (header: with nothing clears)
#         run:CMD                  a shell command (srtpd kill/restart...)
#         sleep:S
import argparse, base64, json, os, re, socket, subprocess, sys, time

KEYLEN = {"AES_CM_128_HMAC_SHA1_80": 30, "AES_CM_128_HMAC_SHA1_32": 30,
          "AES_256_CM_HMAC_SHA1_80": 46, "AES_256_CM_HMAC_SHA1_32": 46,
          "AES_192_CM_HMAC_SHA1_80": 38, "AES_192_CM_HMAC_SHA1_32": 38,
          "AEAD_AES_128_GCM": 28, "AEAD_AES_256_GCM": 44}
MARK = b"CLEARTEXT-MARKER-sip-attack"

ap = argparse.ArgumentParser()
ap.add_argument("--proxy", type=int, required=True)
ap.add_argument("--srtpctl", required=True)
ap.add_argument("--relay", required=True)
ap.add_argument("--a-sdp", default="savp")
ap.add_argument("--b-sdp", default="avp")
ap.add_argument("--ruri", default="bob")
ap.add_argument("--expect", type=int, default=200, help="final code of the first INVITE")
ap.add_argument("steps", nargs="*")
opt = ap.parse_args()


def out(*a):
    print(*a, flush=True)


def key(suite):
    return base64.b64encode(os.urandom(KEYLEN.get(suite, 30))).decode()


def sdp(port, kind, ver):
    proto, crypto = "RTP/SAVP", ""
    if kind == "avp":
        proto = "RTP/AVP"
    elif kind == "savp32":
        crypto = f"a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:{key('x')}\r\n"
    elif kind == "savp-life31":
        crypto = f"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{key('x')}|2^31\r\n"
    elif kind == "savp-unenc":
        crypto = (f"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{key('x')} "
                  "UNENCRYPTED_SRTP\r\n")
    else:
        crypto = f"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{key('x')}\r\n"
    return (f"v=0\r\no=- 1 {ver} IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {port} {proto} 0\r\na=rtpmap:0 PCMU/8000\r\n{crypto}a=sendrecv\r\n")


def answer_sdp(port, offer, ver):
    m = re.search(r"(?m)^m=audio \d+ (\S+)", offer)
    proto = m.group(1) if m else "RTP/AVP"
    c = re.search(r"(?m)^a=crypto:(\d+) (\S+) ", offer)
    crypto = f"a=crypto:{c.group(1)} {c.group(2)} inline:{key(c.group(2))}\r\n" if c else ""
    return (f"v=0\r\no=- 2 {ver} IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {port} {proto} 0\r\na=rtpmap:0 PCMU/8000\r\n{crypto}a=sendrecv\r\n")


def hdr(msg, name):
    m = re.search(rf"(?im)^{name}:\s*(.*?)\s*$", msg)
    return m.group(1) if m else ""


def hdrs(msg, name):
    r = []
    for v in re.findall(rf"(?im)^{name}:\s*(.*?)\s*$", msg):
        r += [x.strip() for x in v.split(",")]
    return r


def uri_addr(u):
    m = re.search(r"sip:(?:[^@;>]*@)?([0-9.]+)(?::(\d+))?", u)
    return (m.group(1), int(m.group(2) or 5060))


class UA:
    def __init__(self, name, user):
        self.name, self.user = name, user
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", 0))
        self.port = self.s.getsockname()[1]
        self.m = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.m.bind(("127.0.0.1", 0))
        self.mport = self.m.getsockname()[1]
        self.m.setblocking(False)
        self.tag = os.urandom(4).hex()
        self.cseq = 1
        self.ver = 1
        self.route, self.target, self.local, self.remote = [], None, "", ""
        self.remote_sdp = ""
        self.answer_style = None  # None: answer what was offered
        self.contact = f"<sip:{user}@127.0.0.1:{self.port}>"

    def send(self, msg, addr):
        self.s.sendto(msg.encode(), addr)

    def next_hop(self):
        if self.route:
            return uri_addr(self.route[0])
        return uri_addr(self.target)


cid = os.urandom(8).hex() + "@attack"
A, B = UA("a", "alice"), UA("b", "bob")
retry_after = ""


extra_header = ""


def request(ua, method, uri, to, body="", via_branch=None, cseq=None, route=None):
    br = via_branch or "z9hG4bK" + os.urandom(6).hex()
    ct = "Content-Type: application/sdp\r\n" if body else ""
    if method == "INVITE" and extra_header:
        ct = extra_header + "\r\n" + ct
    rt = "".join(f"Route: {r}\r\n" for r in (ua.route if route is None else route))
    return br, (f"{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{ua.port};branch={br};rport\r\n"
                f"Max-Forwards: 70\r\nFrom: {ua.local}\r\nTo: {to}\r\nCall-ID: {cid}\r\n"
                f"CSeq: {cseq or ua.cseq} {method}\r\n{rt}Contact: {ua.contact}\r\n"
                f"{ct}Content-Length: {len(body.encode())}\r\n\r\n{body}")


def respond(ua, req, code, reason, body="", addr=None, rr=True):
    vias = re.findall(r"(?im)^(Via:.*?)\s*$", req)
    rrs = re.findall(r"(?im)^(Record-Route:.*?)\s*$", req) if rr else []
    to = hdr(req, "To")
    if ";tag=" not in to:
        to += f";tag={ua.tag}"
    ct = "Content-Type: application/sdp\r\n" if body else ""
    msg = (f"SIP/2.0 {code} {reason}\r\n" + "".join(v + "\r\n" for v in vias) +
           "".join(r + "\r\n" for r in rrs) +
           f"From: {hdr(req, 'From')}\r\nTo: {to}\r\nCall-ID: {hdr(req, 'Call-ID')}\r\n"
           f"CSeq: {hdr(req, 'CSeq')}\r\nContact: {ua.contact}\r\n{ct}"
           f"Content-Length: {len(body.encode())}\r\n\r\n{body}")
    ua.send(msg, addr)


def handle_request(ua, data, addr):
    """An incoming request: answer it as a well-behaved UA would."""
    method = data.split(" ", 1)[0]
    body = data.partition("\r\n\r\n")[2]
    if method == "INVITE" and ";tag=" not in hdr(data, "To"):  # the first INVITE, at B
        ua.local = hdr(data, "To") + f";tag={ua.tag}"
        ua.remote = hdr(data, "From")
        ua.target = re.search(r"<([^>]+)>", hdr(data, "Contact")).group(1)
        ua.route = hdrs(data, "Record-Route")
        ua.remote_sdp = body
        ans = sdp(ua.mport, "avp", ua.ver) if opt.b_sdp == "avp" else answer_sdp(ua.mport, body, ua.ver)
        respond(ua, data, 200, "OK", ans, addr)
    elif method in ("INVITE", "UPDATE"):
        ua.ver += 1
        ua.remote_sdp = body or ua.remote_sdp
        ans = answer_sdp(ua.mport, body, ua.ver) if body else ""
        if body and ua.answer_style:  # a downgrading answer
            ans = sdp(ua.mport, ua.answer_style, ua.ver)
        respond(ua, data, 200, "OK", ans, addr, rr=False)
    elif method in ("BYE", "CANCEL", "OPTIONS"):
        respond(ua, data, 200, "OK", "", addr, rr=False)
    # ACK: nothing


def pump(until, want=None):
    """Serve both agents until `until`; with want=(ua, branch) return the
    final response to that transaction."""
    while time.time() < until:
        for ua in (A, B):
            ua.s.settimeout(0.02)
            try:
                data, addr = ua.s.recvfrom(65535)
            except socket.timeout:
                continue
            data = data.decode(errors="replace")
            if not data.startswith("SIP/2.0"):
                handle_request(ua, data, addr)
                continue
            code = int(data.split(" ", 2)[1])
            if want and ua is want[0] and want[1] in hdr(data, "Via") and code >= 200:
                return code, data
    return None, None


def transact(ua, method, body, to, uri, route=None):
    """One INVITE/UPDATE transaction with retransmissions; ACKs the final
    response. Returns (code, response)."""
    br, msg = request(ua, method, uri, to, body, route=route)
    addr = uri_addr(route[0]) if route else ua.next_hop()
    deadline, code, resp = time.time() + 12, None, None
    t = 0.5
    while time.time() < deadline and code is None:
        ua.send(msg, addr)
        code, resp = pump(min(deadline, time.time() + t), (ua, br))
        t = min(t * 2, 4)
    if code is None:
        return None, None
    if method == "INVITE":
        if 200 <= code < 300:
            _, ack = request(ua, "ACK", uri, hdr(resp, "To"), route=route)
        else:  # hop by hop, same branch (RFC 3261 §17.1.1.3)
            _, ack = request(ua, "ACK", uri, hdr(resp, "To"), via_branch=br, route=route)
        ua.send(ack, addr)
    ua.cseq += 1
    return code, resp


def legs():
    """srtpd's view of the call without counters: transport, ports, peers,
    suites and key fingerprints per leg (no key ever printed by srtpctl)."""
    r = subprocess.run([opt.srtpctl, "--socket", opt.relay, "--json", "query", cid],
                       capture_output=True, text=True, timeout=5)
    try:
        j = json.loads(r.stdout)
    except ValueError:
        return "none"
    if j.get("result") != "ok":
        return "none"
    v = []
    for st in j.get("streams", []):
        for leg in ("a", "b"):
            l = st.get(leg, {})
            keys = []
            for d in ("recv", "send"):
                k = l.get(d) or {}
                keys.append((d, k.get("suite"), tuple((x.get("mki"), x.get("fingerprint"))
                                                      for x in k.get("keys", []))))
            v.append((st.get("index"), leg, l.get("transport"), l.get("local-port"),
                      l.get("peer-rtp"), tuple(keys)))
    return repr(v)


def transports():
    r = subprocess.run([opt.srtpctl, "--socket", opt.relay, "--json", "query", cid],
                       capture_output=True, text=True, timeout=5)
    try:
        j = json.loads(r.stdout)
        return ",".join(f"{s['a']['transport']}/{s['b']['transport']}" for s in j["streams"])
    except (ValueError, KeyError):
        return "none"


# ---- the call ---------------------------------------------------------------
A.local = f"<sip:alice@127.0.0.1>;tag={A.tag}"
ruri = f"sip:{opt.ruri}@127.0.0.1:{B.port}"
A.route = [f"<sip:127.0.0.1:{opt.proxy};lr>"]
code, resp = transact(A, "INVITE", sdp(A.mport, opt.a_sdp, A.ver), f"<{ruri}>", ruri)
if code != 200:
    out(f"RESULT invite code={code} transports=none relayed=0")
    sys.exit(0 if code == opt.expect else 1)
mport = re.search(r"(?m)^m=audio (\d+)", resp.partition("\r\n\r\n")[2])
# relayed=1: the answer A got points at srtpd, not at B's own media port
# (a raw, unprocessed answer would carry B's).
out(f"RESULT invite code={code} transports={transports()} "
    f"relayed={int(bool(mport) and int(mport.group(1)) != B.mport)}")
A.remote = hdr(resp, "To")
A.target = re.search(r"<([^>]+)>", hdr(resp, "Contact")).group(1)
A.route = list(reversed(hdrs(resp, "Record-Route")))
A.remote_sdp = resp.partition("\r\n\r\n")[2]
pump(time.time() + 0.3)

for step in opt.steps:
    kind, _, rest = step.partition(":")
    if kind == "reinvite":
        side, k, name = rest.split(":", 2)
        name, _, peer_answer = name.partition(":")
        ua = A if side == "a" else B
        (B if ua is A else A).answer_style = peer_answer or None
        before = legs()
        ua.ver += 1
        code, resp = transact(ua, "INVITE", sdp(ua.mport, k, ua.ver), ua.remote, ua.target)
        if code == 200:
            ua.remote_sdp = resp.partition("\r\n\r\n")[2]
        after = legs()
        ra = hdr(resp, "Retry-After") if resp else ""
        out(f"RESULT {name} code={code} unchanged={int(before == after)} "
            f"known={int(after != 'none')} transports={transports()} retry-after={ra or '-'}")
    elif kind == "clear":
        m = re.search(r"(?m)^m=audio (\d+)", A.remote_sdp)
        c = re.search(r"(?m)^c=IN IP4 (\S+)", A.remote_sdp)
        n = 0
        while True:  # drain
            try:
                B.m.recv(4096)
            except BlockingIOError:
                break
        for seq in range(10):
            pkt = bytes([0x80, 0, 0, seq]) + b"\0\0\0\1" + b"\x12\x34\x56\x78" + MARK
            A.m.sendto(pkt, (c.group(1), int(m.group(1))))
            time.sleep(0.02)
        end = time.time() + 0.5
        while time.time() < end:
            try:
                d = B.m.recv(4096)
                if MARK in d:
                    n += 1
            except BlockingIOError:
                time.sleep(0.01)
        out(f"RESULT {rest} clear={n}")
    elif kind == "header":
        extra_header = rest  # on the re-INVITEs from now on ("" clears it)
    elif kind == "run":
        subprocess.run(rest, shell=True, timeout=20)
    elif kind == "sleep":
        pump(time.time() + float(rest))
# The end of the call: BYE from A (its answer is not checked: the dialog
# may be gone after a 481).
_, bye = request(A, "BYE", A.target, A.remote)
A.send(bye, A.next_hop())
pump(time.time() + 0.3)
out(f"RESULT call-id {cid}")
