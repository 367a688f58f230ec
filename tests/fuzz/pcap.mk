# tests/fuzz/pcap.mk — libFuzzer target of srtp-pcap's frame parser
# (ASan+UBSan): `make fuzz` runs it FUZZ_SECONDS, `make test` briefly; no
# checked-in corpus (it starts from nothing and finds its way into IPv4/IPv6
# UDP quickly).
FUZZERS += fuzz_pcap_frame
fuzz_pcap_frame_SRCS := tests/fuzz/fuzz_pcap_frame.c rtp/tools/pcap_frame.c
fuzz_pcap_frame_LIBS :=
