#!/usr/bin/env python3
"""tests/phones/tone.py WAV HZ [TAIL]: seconds of WAV that carry a tone at HZ.

Splits the recording into 20 ms frames; a frame counts when it is clearly
above silence (RMS > 300 of 32767) and the Goertzel energy at HZ is more
than half of the frame's energy (the peer's tone, not noise, not the other
phone's tone, not garbage from a wrong key). Prints the seconds (2 decimals).
HZ 0 counts every frame above silence (any sound). With TAIL, only the
last TAIL seconds of the file are looked at.
Any sample rate, 16-bit, mono or stereo (the first channel)."""
import math
import struct
import sys
import wave


def main():
    w = wave.open(sys.argv[1], "rb")
    hz = float(sys.argv[2])
    rate, ch, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
    if width != 2:
        print("0.00")
        return
    raw = w.readframes(w.getnframes())
    x = struct.unpack("<%dh" % (len(raw) // 2), raw)[::ch]
    if len(sys.argv) > 3:
        x = x[-int(float(sys.argv[3]) * rate):]
    n = rate // 50
    coeff = 2 * math.cos(2 * math.pi * hz / rate)
    good = 0
    for i in range(0, len(x) - n + 1, n):
        f = x[i:i + n]
        e = sum(v * v for v in f)
        if e == 0 or math.sqrt(e / n) < 300:
            continue
        if hz == 0:
            good += 1
            continue
        s1 = s2 = 0.0
        for v in f:
            s1, s2 = v + coeff * s1 - s2, s1
        p = s1 * s1 + s2 * s2 - coeff * s1 * s2
        if 2 * p / (n * e) > 0.5:
            good += 1
    print("%.2f" % (good * 0.02))


main()
