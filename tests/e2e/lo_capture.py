#!/usr/bin/env python3
# tests/e2e/lo_capture.py OUT.pcap PORTMIN PORTMAX — capture (root, AF_PACKET
# on "lo") every IPv4 UDP datagram sent from a port in PORTMIN..PORTMAX into
# a classic pcap file (DLT_EN10MB: lo's frames carry a zero Ethernet
# header), until SIGTERM. Loopback shows each frame twice (outgoing and
# incoming): only the outgoing copy is kept. The tests use it to capture
# what srtpd sent across a relay loss for `srtp-pcap check`; no tcpdump
# is needed.
import signal
import socket
import struct
import sys
import time

out, pmin, pmax = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind(("lo", 0))
s.settimeout(0.2)
f = open(out, "wb")
f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
f.flush()
stop = False


def on_term(_sig, _frm):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
open(out + ".ready", "w").close()
while not stop:
    try:
        data, addr = s.recvfrom(65535)
    except socket.timeout:
        continue
    except InterruptedError:
        continue
    if addr[2] != socket.PACKET_OUTGOING or len(data) < 14 + 20 + 8:
        continue
    if data[12:14] != b"\x08\x00" or data[14 + 9] != 17:
        continue
    ihl = (data[14] & 0x0F) * 4
    sport = struct.unpack("!H", data[14 + ihl:14 + ihl + 2])[0]
    if not pmin <= sport <= pmax:
        continue
    t = time.time()
    f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(data), len(data)))
    f.write(data)
f.close()
