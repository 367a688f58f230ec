#!/usr/bin/env python3
# tests/e2e/sip_pair.py — one scripted call between a caller and a callee
# through a proxy, for tests that need exact bodies on both ends (answers
# and offers the module refuses, tests/e2e/attack-answers.sh). Both agents
# run in this one process on loopback; neither sends media.
#
#   caller: INVITE with --offer (or none: --late), ACKs the final response
#           (a 2xx along the recorded route with --ack-body, if any), answers
#           BYE with 200.
#   callee: 100, then 183 and/or 200 with --answer (--answer-in), repeats
#           the 200 until the ACK, answers BYE/CANCEL with 200.
# Everything either side receives goes to OUT: caller-NNN.msg / callee-
# NNN.msg (whole messages, numbered in arrival order), and events.txt with
# one line per event: "call-id CID", "caller final CODE REASON", "caller bye",
# "callee invite", "callee ack", "callee bye". Runs until --wait seconds
# after the caller's final response (or --timeout in all).
import argparse, os, re, select, socket, time

ap = argparse.ArgumentParser()
ap.add_argument("--proxy", type=int, required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--offer"), ap.add_argument("--offer-ct", default="application/sdp")
ap.add_argument("--answer"), ap.add_argument("--answer-ct", default="application/sdp")
ap.add_argument("--answer-in", default="200", choices=["183", "200", "both"])
ap.add_argument("--ack-body"), ap.add_argument("--ack-ct", default="application/sdp")
ap.add_argument("--late", action="store_true")
ap.add_argument("--header", action="append", default=[])
ap.add_argument("--wait", type=float, default=1.5)
ap.add_argument("--timeout", type=float, default=10)
a = ap.parse_args()
os.makedirs(a.out, exist_ok=True)

def sock():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    return s, s.getsockname()[1]

cs, cport = sock()
es, eport = sock()
proxy = ("127.0.0.1", a.proxy)
read = lambda f: open(f, "rb").read().decode() if f else ""
offer, answer, ackbody = read(a.offer), read(a.answer), read(a.ack_body)
cid, ftag, ttag = os.urandom(8).hex(), os.urandom(4).hex(), os.urandom(4).hex()
ruri = f"sip:bob@127.0.0.1:{eport}"
events = open(os.path.join(a.out, "events.txt"), "w")
seen = {"caller": 0, "callee": 0}
events.write(f"call-id {cid}\n")

def event(line):
    events.write(line + "\n")
    events.flush()

def keep(side, data):
    seen[side] += 1
    with open(os.path.join(a.out, f"{side}-{seen[side]:03d}.msg"), "w") as f:
        f.write(data)

def split(data):
    head, _, body = data.partition("\r\n\r\n")
    lines = head.split("\r\n")
    return lines[0], lines[1:], body

def hdrs(lines, *names):
    return [h for h in lines if h.split(":", 1)[0].strip().lower() in names]

def body_part(body, ct):
    if not body:
        return "Content-Length: 0\r\n\r\n"
    return f"Content-Type: {ct}\r\nContent-Length: {len(body.encode())}\r\n\r\n{body}"

def reply(s, dst, lines, status, to_tag=True, body="", ct="application/sdp", contact=None):
    to = hdrs(lines, "to", "t")[0]
    if to_tag and ";tag=" not in to:
        to += ";tag=" + ttag
    out = [f"SIP/2.0 {status}"] + hdrs(lines, "via", "v") + hdrs(lines, "record-route") + \
        hdrs(lines, "from", "f") + [to] + hdrs(lines, "call-id", "i") + hdrs(lines, "cseq")
    if contact:
        out.append(f"Contact: <{contact}>")
    s.sendto(("\r\n".join(out) + "\r\n" + body_part(body, ct)).encode(), dst)

def request(method, uri, cseq, to, route=(), body="", ct="application/sdp", branch=None):
    br = branch or "z9hG4bK" + os.urandom(6).hex()
    msg = (f"{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{cport};branch={br};rport\r\n"
           f"Max-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag={ftag}\r\nTo: {to}\r\n"
           f"Call-ID: {cid}\r\nCSeq: {cseq} {method}\r\nContact: <sip:alice@127.0.0.1:{cport}>\r\n"
           + "".join(r + "\r\n" for r in route)
           + ("".join(h + "\r\n" for h in a.header) if method == "INVITE" else "")
           + body_part(body, ct))
    cs.sendto(msg.encode(), proxy)
    return br

inv_branch = "z9hG4bK" + os.urandom(6).hex()
send_invite = lambda: request("INVITE", ruri, 1, f"<{ruri}>", body="" if a.late else offer,
                              ct=a.offer_ct, branch=inv_branch)
send_invite()
last_inv, provisional, final_at = time.time(), False, None
callee_invite, callee_src, callee_acked, last_200 = None, None, False, 0
start = time.time()
while time.time() - start < a.timeout and (final_at is None or time.time() - final_at < a.wait):
    now = time.time()
    if final_at is None and not provisional and now - last_inv > 0.5:
        send_invite(); last_inv = now
    if callee_invite and not callee_acked and a.answer_in != "183" and now - last_200 > 0.5:
        reply(es, callee_src, callee_invite, "200 OK", body=answer, ct=a.answer_ct,
              contact=f"sip:bob@127.0.0.1:{eport}")
        last_200 = now
    r, _, _ = select.select([cs, es], [], [], 0.1)
    for s in r:
        data, src = s.recvfrom(65535)
        data = data.decode(errors="replace")
        first, lines, body = split(data)
        if s is es:
            keep("callee", data)
            m = first.split(" ", 1)[0]
            if m == "INVITE" and callee_invite is None:
                event("callee invite")
                callee_invite, callee_src = lines, src
                reply(es, src, lines, "100 Trying", to_tag=False)
                if a.answer_in in ("183", "both"):
                    reply(es, src, lines, "183 Session Progress", body=answer, ct=a.answer_ct,
                          contact=f"sip:bob@127.0.0.1:{eport}")
                if a.answer_in == "183":  # ends the early dialog with a failure
                    reply(es, src, lines, "480 Temporarily Unavailable")
            elif m == "ACK":
                if not callee_acked:
                    event("callee ack")
                callee_acked = True
            elif m in ("BYE", "CANCEL"):
                event(f"callee {m.lower()}")
                reply(es, src, lines, "200 OK")
            continue
        keep("caller", data)
        if first.startswith("SIP/2.0 "):
            code = int(first.split()[1])
            if " INVITE" not in hdrs(lines, "cseq")[0]:
                continue
            if code < 200:
                provisional = True
                continue
            to = hdrs(lines, "to", "t")[0].split(":", 1)[1].strip()
            if final_at is None:
                event(f"caller final {first.split(' ', 1)[1]}")
                final_at = time.time()
            if code >= 300:  # hop-by-hop ACK, same branch (RFC 3261 17.1.1.3)
                request("ACK", ruri, 1, to, branch=inv_branch)
                continue
            rr = []
            for line in hdrs(lines, "record-route"):
                rr += [x.strip() for x in line.split(":", 1)[1].split(",")]
            contact = re.search(r"<([^>]+)>", hdrs(lines, "contact", "m")[0]).group(1)
            request("ACK", contact, 1, to, [f"Route: {x}" for x in reversed(rr)],
                    body=ackbody if a.late else "", ct=a.ack_ct)
        elif first.startswith("BYE "):
            event("caller bye")
            reply(cs, src, lines, "200 OK")
if final_at is None:
    event("caller final none")
