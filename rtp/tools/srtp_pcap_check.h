/*
 * rtp/tools/srtp_pcap_check.h — `srtp-pcap check`: find SRTP/SRTCP indices
 * sent twice with different bytes in a capture, without the keys.
 *
 * SRTP's keystream is a function of (key, SSRC, index) (RFC 3711 §4.1): two
 * different packets under one key and index reuse keystream (§9.1). Per
 * flow (addresses and ports, one direction) and SSRC, the check estimates
 * each SRTP packet's index from its sequence number (ROC by RFC 3711
 * Appendix A, from 0 at the first packet), reads SRTCP's index from its
 * trailer, and remembers a 64-bit hash of every packet's bytes under
 * (flow, SSRC, MKI, RTP/RTCP, index); a second packet with the same key
 * and other bytes is a reuse. A retransmitted identical packet is not.
 * Without an MKI every packet of a flow and SSRC counts as one key: a
 * rekey without MKI (RFC 4568 re-offer) looks like reuse to this check.
 */
#ifndef SDESGATE_TOOLS_SRTP_PCAP_CHECK_H
#define SDESGATE_TOOLS_SRTP_PCAP_CHECK_H

/* Checks IN (port < 0: every UDP packet; else from or to port, RTCP also
 * port + 1). tag_len: the auth tag's bytes (10 for *_80, 4 for *_32, 0 for
 * AEAD_*), mki_len: the MKI's. Prints each reuse (at most 20) and a
 * summary line on stderr (as the other modes). Returns 0 with no reuse, 3 with reuse, 1 when the
 * file cannot be read. */
int srtp_pcap_check(const char *in, long port, int tag_len, int mki_len);

#endif
