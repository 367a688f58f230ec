#!/usr/bin/env python3
"""tests/phones/sdpcheck.py: no raw SDP reached a phone.

usage: sdpcheck.py KIND TRACE SIPPORT PEERKIND PEERTRACE PEERSIPPORT PMIN PMAX KEYS
       sdpcheck.py --refused KIND TRACE SIPPORT
       sdpcheck.py --distinct-keys KIND TRACE SIPPORT SUITE
       sdpcheck.py --sent-directions KIND TRACE SIPPORT

Reads the SIP trace of a phone (KIND baresip: `baresip -s` output; linphone:
linphonec's -d 6 log) and of its peer, splits them into messages sent and
received, and checks every SDP the phone received: each m= port is the
relay's (PMIN..PMAX, or 0 for a refused stream) and never one the peer
offered or answered, each c= is the relay's 127.0.0.1, and with KEYS=1 no
inline: key the peer sent is among the keys the phone received (with
KEYS=0 keys may pass end to end: sdes_offer "passthrough"). Prints one line
per problem and a summary; keys are never printed. Exit 0 when all hold.
--refused lists the final responses >= 300 to an INVITE or UPDATE the phone
received (its call or a re-offer refused); exit 0 when there are none.
--distinct-keys prints how many different inline: keys the phone received
on a=crypto lines of SUITE (a rekey shows as a second one).
--sent-directions prints the direction of each offer the phone sent in an
INVITE or UPDATE, in order (a hold then a resume: "sendonly sendrecv")."""
import re
import sys

BARESIP_HDR = re.compile(r"^UDP \S+:(\d+) -> \S+:(\d+)\s*$")
LIN_SENT = re.compile(r"message sent to \[")
LIN_RECV = re.compile(r"received \[\d+\] new bytes from \[")
LIN_LOGLINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d+ ")


def messages(kind, path, sipport):
    """(direction, [lines]) for every SIP message in the trace."""
    out, cur, dirn = [], None, None
    with open(path, errors="replace") as f:
        lines = f.read().replace("\r", "\n").split("\n")
    for ln in lines:
        if kind == "baresip":
            m = BARESIP_HDR.match(ln.strip())
            if m:
                if cur is not None:
                    out.append((dirn, cur))
                dirn = "sent" if int(m.group(1)) == sipport else \
                    "recv" if int(m.group(2)) == sipport else None
                cur = []
                continue
            if cur is not None and ln.startswith("\x1b[;m"):
                out.append((dirn, cur))
                cur = None
                continue
        else:
            if LIN_SENT.search(ln) or LIN_RECV.search(ln):
                if cur is not None:
                    out.append((dirn, cur))
                dirn = "sent" if LIN_SENT.search(ln) else "recv"
                cur = []
                continue
            if cur is not None and LIN_LOGLINE.match(ln):
                out.append((dirn, cur))
                cur = None
                continue
        if cur is not None:
            cur.append(ln.strip())
    if cur is not None:
        out.append((dirn, cur))
    return out


def sdps(msgs, direction):
    res = []
    for d, lines in msgs:
        if d != direction:
            continue
        ports = [int(l.split()[1]) for l in lines if l.startswith("m=") and len(l.split()) > 1]
        if not ports:
            continue
        addrs = [l.split()[2] for l in lines if l.startswith("c=") and len(l.split()) > 2]
        keys = set()
        for l in lines:
            for k in re.findall(r"inline:([A-Za-z0-9+/=]+)", l):
                keys.add(k)
        first = lines[0] if lines else "?"
        res.append({"first": first, "ports": ports, "addrs": addrs, "keys": keys})
    return res


def refused(kind, trace, port):
    """Final responses >= 300 to INVITE/UPDATE the phone received (a hold,
    resume or rekey re-offer that was refused)."""
    n = 0
    for d, lines in messages(kind, trace, int(port)):
        if d != "recv" or not lines or not lines[0].startswith("SIP/2.0 "):
            continue
        code = int(lines[0].split()[1])
        cseq = [l for l in lines if l.lower().startswith("cseq:")]
        if code >= 300 and cseq and cseq[0].split()[-1] in ("INVITE", "UPDATE"):
            print(lines[0])
            n += 1
    print("%d refused" % n)
    sys.exit(1 if n else 0)


def main():
    if sys.argv[1] == "--refused":
        refused(*sys.argv[2:5])
    if sys.argv[1] == "--sent-directions":
        out = []
        for d, lines in messages(sys.argv[2], sys.argv[3], int(sys.argv[4])):
            if d != "sent" or not lines or not lines[0].split(" ")[0] in ("INVITE", "UPDATE"):
                continue
            if not any(l.startswith("m=") for l in lines):
                continue
            dirs = [l[2:] for l in lines if l in ("a=sendonly", "a=recvonly", "a=inactive", "a=sendrecv")]
            out.append(dirs[0] if dirs else "sendrecv")
        print(" ".join(out))
        sys.exit(0)
    if sys.argv[1] == "--distinct-keys":
        keys = set()
        for d, lines in messages(sys.argv[2], sys.argv[3], int(sys.argv[4])):
            for l in lines:
                if d == "recv" and l.startswith("a=crypto:") and " %s " % sys.argv[5] in l:
                    keys.update(re.findall(r"inline:([A-Za-z0-9+/=]+)", l))
        print(len(keys))
        sys.exit(0)
    kind, trace, port, pkind, ptrace, pport, pmin, pmax, keys = sys.argv[1:10]
    port, pport, pmin, pmax = int(port), int(pport), int(pmin), int(pmax)
    mine = sdps(messages(kind, trace, port), "recv")
    peer = sdps(messages(pkind, ptrace, pport), "sent")
    peer_ports = {p for s in peer for p in s["ports"]}
    peer_keys = set().union(*[s["keys"] for s in peer]) if peer else set()
    bad = 0
    if not mine:
        print("no SDP received at all")
        bad += 1
    if not peer:
        print("the peer sent no SDP (trace unreadable?)")
        bad += 1
    for s in mine:
        for p in s["ports"]:
            if p != 0 and not pmin <= p <= pmax:
                print("%s: m= port %d is not the relay's (%d..%d)%s" % (
                    s["first"], p, pmin, pmax, " but the peer's own" if p in peer_ports else ""))
                bad += 1
        for a in s["addrs"]:
            if a != "127.0.0.1":
                print("%s: c= %s is not the relay's address" % (s["first"], a))
                bad += 1
        if keys == "1" and s["keys"] & peer_keys:
            print("%s: carries %d of the peer's own keys (not the edge's)" % (
                s["first"], len(s["keys"] & peer_keys)))
            bad += 1
    print("%d SDP received, %d problem(s)" % (len(mine), bad))
    sys.exit(1 if bad else 0)


main()
