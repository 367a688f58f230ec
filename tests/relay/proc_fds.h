/*
 * tests/relay/proc_fds.h — descriptors a process holds in all its
 * descriptor tables: srtpd's media workers each keep their own
 * (rtp/relay/worker_fds.c), so /proc/PID/fd alone shows only the control
 * thread's.
 */
#ifndef SDESGATE_TESTS_PROC_FDS_H
#define SDESGATE_TESTS_PROC_FDS_H

#include <sys/types.h>

/* Open descriptors of pid summed over its distinct tables (threads that
 * share a table counted once: kcmp KCMP_FILES); *tables (may be NULL) gets
 * how many tables there are. -1 when pid cannot be read. */
long pf_fds(pid_t pid, int *tables);
/* Descriptors in pid's thread-group leader's table only. */
long pf_fds_leader(pid_t pid);

#endif
