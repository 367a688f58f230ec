#!/usr/bin/env python3
# tests/e2e/rtcp_reoffer.py — one call through a proxy that starts with
# rtcp-mux on both legs (RFC 5761) and leaves it with a re-INVITE, while
# this process holds the port above each of srtpd's RTP ports, so srtpd
# must give both legs RTCP ports elsewhere (docs/srtpd.md "Ports") and the
# SDP each side receives must name them as a=rtcp (RFC 3605). Both agents
# run here on loopback with SRTP offered as AEAD_AES_256_GCM (the proxy
# runs sdes.so in passthrough: srtpd relays the packets as they are), so
# the RTP and RTCP sent are plain packets of the right shape.
#
# Writes to OUT: caller-*.sdp / callee-*.sdp (the bodies received),
# query.json (srtpctl query after the re-INVITE's packets) and results.txt, one
# "key value" a line: ports, a=rtcp ports received, RTCP and RTP packets
# received on each side. Exits 0 when the scenario ran to the end.
import argparse, base64, json, os, re, select, socket, subprocess, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--proxy", type=int, required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--srtpctl", required=True)
ap.add_argument("--socket", required=True)
ap.add_argument("--scenario", default="reoffer", choices=["reoffer", "answer", "answer-cache"])
a = ap.parse_args()
os.makedirs(a.out, exist_ok=True)
results = open(os.path.join(a.out, "results.txt"), "w")


def res(k, v):
    results.write(f"{k} {v}\n")
    results.flush()


def udp(port=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    return s, s.getsockname()[1]


cs, cport = udp()  # caller SIP
es, eport = udp()  # callee SIP
a_rtp, a_rtp_p = udp()
a_rtcp, a_rtcp_p = udp()


def udp_pair():
    """An even RTP port with the RTCP port above it (no a=rtcp needed)."""
    for _ in range(50):
        s, p = udp()
        if p % 2 == 0:
            try:
                return s, p, udp(p + 1)[0]
            except OSError:
                pass
        s.close()
    sys.exit("rtcp_reoffer: no free port pair")


b_rtp, b_rtp_p, b_rtcp = udp_pair()
proxy = ("127.0.0.1", a.proxy)
cid, ftag, ttag = os.urandom(8).hex(), os.urandom(4).hex(), os.urandom(4).hex()
ruri = f"sip:bob@127.0.0.1:{eport}"


def sdp(who, port, rtcp_port, mux, version):
    key = base64.b64encode(os.urandom(44)).decode()
    return (f"v=0\r\no={who} 1 {version} IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
            f"t=0 0\r\nm=audio {port} RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
            + (f"a=rtcp:{rtcp_port}\r\n" if rtcp_port else "")
            + ("a=rtcp-mux\r\n" if mux else "")
            + f"a=crypto:1 AEAD_AES_256_GCM inline:{key}\r\na=sendrecv\r\n")


def split(data):
    head, _, body = data.partition("\r\n\r\n")
    lines = head.split("\r\n")
    return lines[0], lines[1:], body


def hdrs(lines, *names):
    return [h for h in lines if h.split(":", 1)[0].strip().lower() in names]


def body_part(body):
    if not body:
        return "Content-Length: 0\r\n\r\n"
    return f"Content-Type: application/sdp\r\nContent-Length: {len(body.encode())}\r\n\r\n{body}"


def reply(dst, lines, status, body=""):
    to = hdrs(lines, "to", "t")[0]
    if ";tag=" not in to:
        to += ";tag=" + ttag
    out = [f"SIP/2.0 {status}"] + hdrs(lines, "via", "v") + hdrs(lines, "record-route") + \
        hdrs(lines, "from", "f") + [to] + hdrs(lines, "call-id", "i") + hdrs(lines, "cseq") + \
        [f"Contact: <sip:bob@127.0.0.1:{eport}>"]
    es.sendto(("\r\n".join(out) + "\r\n" + body_part(body)).encode(), dst)


def request(method, uri, cseq, to, route=(), body=""):
    br = "z9hG4bK" + os.urandom(6).hex()
    msg = (f"{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{cport};branch={br};rport\r\n"
           f"Max-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag={ftag}\r\nTo: {to}\r\n"
           f"Call-ID: {cid}\r\nCSeq: {cseq} {method}\r\nContact: <sip:alice@127.0.0.1:{cport}>\r\n"
           + "".join(r + "\r\n" for r in route) + body_part(body))
    cs.sendto(msg.encode(), proxy)


def recv(s, want, timeout=5.0):
    """The next SIP message on s whose first line matches want; answers
    the callee's BYE/ACK bookkeeping on the way."""
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([s], [], [], 0.1)
        if not r:
            continue
        data, src = s.recvfrom(65535)
        first, lines, body = split(data.decode(errors="replace"))
        if re.match(want, first):
            return first, lines, body, src
    sys.exit(f"rtcp_reoffer: timeout waiting for {want}")


def media_port(body):
    m = re.search(r"^m=audio (\d+) ", body, re.M)
    return int(m.group(1)) if m else 0


def rtcp_attr(body):
    m = re.search(r"^a=rtcp:(\d+)", body, re.M)
    return int(m.group(1)) if m else 0


def save(name, body):
    with open(os.path.join(a.out, name), "w") as f:
        f.write(body)


n = {"sdp": 0}


def invite_exchange(cseq, uri, to, route, offer, answer_fn, tag):
    """INVITE/re-INVITE: returns (SDP at callee, SDP at caller, 200 lines)."""
    request("INVITE", uri, cseq, to, route, offer)
    _, lines, off_b, src = recv(es, r"INVITE ")
    save(f"callee-{tag}.sdp", off_b)
    reply(src, lines, "100 Trying")
    reply(src, lines, "200 OK", answer_fn(off_b))
    first, lines2, ans_a, _ = recv(cs, rf"SIP/2.0 200 ")
    save(f"caller-{tag}.sdp", ans_a)
    return off_b, ans_a, lines2


def rr_route(lines):
    rr = []
    for line in hdrs(lines, "record-route"):
        rr += [x.strip() for x in line.split(":", 1)[1].split(",")]
    return [f"Route: {x}" for x in reversed(rr)]


def flow(src, dst_port, sink, pkt, count=5):
    """Sends count packets from src to the relay port; how many reach sink."""
    got = 0
    for _ in range(count):
        src.sendto(pkt, ("127.0.0.1", dst_port))
        r, _, _ = select.select([sink], [], [], 0.3)
        if r:
            sink.recvfrom(2048)
            got += 1
    return got


def rtp(ssrc, seq):
    return bytes([0x80, 0]) + seq.to_bytes(2, "big") + (seq * 160).to_bytes(4, "big") + \
        ssrc.to_bytes(4, "big") + bytes(160)


def rtcp_sr(ssrc):
    # V=2, PT=200 (SR), length 6 words: SSRC + 20 bytes of sender info.
    return bytes([0x80, 200, 0, 6]) + ssrc.to_bytes(4, "big") + bytes(20)


def srtpd_query():
    q = subprocess.run([a.srtpctl, "--socket", a.socket, "--json", "query", cid],
                       capture_output=True, text=True)
    return q.stdout


def answer_scenario(retransmit=True):
    """A offers rtcp-mux, B refuses it: srtpd takes leg a out of rtcp-mux
    with the answer, while port + 1 of leg a's RTP port is held, so the
    answer's reply names another RTCP port and sdes.so must rename the
    a=rtcp in the 200 toward A (also in a retransmitted 200). Without the
    retransmission (answer-cache), the caller then re-INVITEs: sdes.so
    serves it from the state it cached after the renamed answer, which
    srtpd takes only if that is the version the renamed state got."""
    request("INVITE", ruri, 1, f"<{ruri}>", (), sdp("alice", a_rtp_p, a_rtcp_p, True, 1))
    _, lines, off_b, src = recv(es, r"INVITE ")
    save("callee-1.sdp", off_b)
    reply(src, lines, "100 Trying")
    q = json.loads(srtpd_query() or "{}")
    aport = q.get("streams", [{}])[0].get("a", {}).get("local-port", 0)
    res("leg-a-port", aport)
    res("leg-b-port", media_port(off_b))
    res("offer-mux-b", int("a=rtcp-mux" in off_b))
    hold = []
    try:
        hold.append(udp(aport + 1)[0])
        res("held", aport + 1)
    except OSError as e:
        res("hold-failed", f"{aport + 1} {e}")
    ans = sdp("bob", b_rtp_p, 0, False, 1)
    reply(src, lines, "200 OK", ans)
    _, l200, ans_a, _ = recv(cs, r"SIP/2.0 200 ")
    save("caller-1.sdp", ans_a)
    ans_a2 = ""
    if retransmit:
        time.sleep(0.2)
        reply(src, lines, "200 OK", ans)  # a retransmission: the same body
        _, _, ans_a2, _ = recv(cs, r"SIP/2.0 200 ")
        save("caller-1b.sdp", ans_a2)
    to = hdrs(l200, "to", "t")[0].split(":", 1)[1].strip()
    contact = re.search(r"<([^>]+)>", hdrs(l200, "contact", "m")[0]).group(1)
    route = rr_route(l200)
    request("ACK", contact, 1, to, route)
    recv(es, r"ACK ")
    ra = rtcp_attr(ans_a)
    res("ans-mux-a", int("a=rtcp-mux" in ans_a))
    res("ans-rtcp-lines-a", len(re.findall(r"^a=rtcp:", ans_a, re.M)))
    res("ans-rtcp-a", ra)
    res("ans-rtcp-a-again", rtcp_attr(ans_a2))
    res("ans-port-a", media_port(ans_a))
    bport = media_port(off_b)
    res("ans-rtp-a2b", flow(a_rtp, aport, b_rtp, rtp(0x1111, 1)))
    res("ans-rtp-b2a", flow(b_rtp, bport, a_rtp, rtp(0x2222, 1)))
    if ra:
        res("ans-rtcp-a2b", flow(a_rtcp, ra, b_rtcp, rtcp_sr(0x1111)))
    res("ans-rtcp-b2a", flow(b_rtcp, bport + 1, a_rtcp, rtcp_sr(0x2222)))
    save("query.json", srtpd_query())
    cseq = 2
    if not retransmit:
        off_b2, ans_a3, _ = invite_exchange(
            2, contact, to, route, sdp("alice", a_rtp_p, a_rtcp_p, True, 2),
            lambda o: sdp("bob", b_rtp_p, 0, False, 2), "2")
        request("ACK", contact, 2, to, route)
        recv(es, r"ACK ")
        res("reinv-port-b", media_port(off_b2))
        res("reinv-rtcp-a", rtcp_attr(ans_a3))
        res("reinv-rtp-a2b", flow(a_rtp, aport, b_rtp, rtp(0x1111, 100)))
        cseq = 3
    request("BYE", contact, cseq, to, route)
    _, lines, _, src = recv(es, r"BYE ")
    reply(src, lines, "200 OK")
    recv(cs, r"SIP/2.0 200 ")
    res("done", 1)


def reoffer_scenario():
    # 1. The call: rtcp-mux on both sides.
    off_b, ans_a, l200 = invite_exchange(
        1, ruri, f"<{ruri}>", (), sdp("alice", a_rtp_p, 0, True, 1),
        lambda o: sdp("bob", b_rtp_p, 0, True, 1), "1")
    to = hdrs(l200, "to", "t")[0].split(":", 1)[1].strip()
    contact = re.search(r"<([^>]+)>", hdrs(l200, "contact", "m")[0]).group(1)
    route = rr_route(l200)
    request("ACK", contact, 1, to, route)
    recv(es, r"ACK ")
    bport, aport = media_port(off_b), media_port(ans_a)
    res("leg-b-port", bport)
    res("leg-a-port", aport)
    res("first-mux-b", int("a=rtcp-mux" in off_b))
    res("first-mux-a", int("a=rtcp-mux" in ans_a))
    res("first-rtp-a2b", flow(a_rtp, aport, b_rtp, rtp(0x1111, 1)))
    res("first-rtp-b2a", flow(b_rtp, bport, a_rtp, rtp(0x2222, 1)))
    res("first-rtcp-a2b", flow(a_rtp, aport, b_rtp, rtcp_sr(0x1111)))
    res("first-rtcp-b2a", flow(b_rtp, bport, a_rtp, rtcp_sr(0x2222)))

    # 2. Someone else takes the port above each of srtpd's RTP ports.
    holds = []
    for p in (aport + 1, bport + 1):
        try:
            holds.append(udp(p)[0])
            res(f"held", p)
        except OSError as e:
            res("hold-failed", f"{p} {e}")

    # 3. The caller re-INVITEs without a=rtcp-mux (its RTCP on a port of its
    # own, named with a=rtcp), the callee answers without it too and without
    # a=rtcp (its RTCP on port + 1): sdes.so rewrites the caller's a=rtcp
    # toward the callee and adds one toward the caller.
    off_b, ans_a, l200 = invite_exchange(
        2, contact, to, route, sdp("alice", a_rtp_p, a_rtcp_p, False, 2),
        lambda o: sdp("bob", b_rtp_p, 0, False, 2), "2")
    request("ACK", contact, 2, to, route)
    recv(es, r"ACK ")
    res("re-mux-b", int("a=rtcp-mux" in off_b))
    res("re-mux-a", int("a=rtcp-mux" in ans_a))
    res("re-rtcp-lines-b", len(re.findall(r"^a=rtcp:", off_b, re.M)))
    res("re-rtcp-lines-a", len(re.findall(r"^a=rtcp:", ans_a, re.M)))
    rb, ra = rtcp_attr(off_b), rtcp_attr(ans_a)
    res("re-rtcp-b", rb)
    res("re-rtcp-a", ra)
    res("re-port-b", media_port(off_b))
    res("re-port-a", media_port(ans_a))
    res("re-rtp-a2b", flow(a_rtp, aport, b_rtp, rtp(0x1111, 100)))
    res("re-rtp-b2a", flow(b_rtp, bport, a_rtp, rtp(0x2222, 100)))
    if ra and rb:
        res("re-rtcp-a2b", flow(a_rtcp, ra, b_rtcp, rtcp_sr(0x1111)))
        res("re-rtcp-b2a", flow(b_rtcp, rb, a_rtcp, rtcp_sr(0x2222)))
    save("query.json", srtpd_query())

    # 4. BYE.
    request("BYE", contact, 3, to, route)
    _, lines, _, src = recv(es, r"BYE ")
    reply(src, lines, "200 OK")
    recv(cs, r"SIP/2.0 200 ")
    res("done", 1)


if a.scenario == "answer":
    answer_scenario()
elif a.scenario == "answer-cache":
    answer_scenario(retransmit=False)
else:
    reoffer_scenario()
