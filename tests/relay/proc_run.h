/*
 * tests/relay/proc_run.h — runs a program the way the srtpd start-up
 * tests need it (a refusal at start is its exit status and its one line
 * of output), without the control client: relay_ctlsafe_test links only
 * this.
 */
#ifndef SDESGATE_TESTS_PROC_RUN_H
#define SDESGATE_TESTS_PROC_RUN_H

#include <stddef.h>
#include <sys/types.h>

/* Runs argv (argv[0] a path) with umask mask ((mode_t)-1: the caller's),
 * its stdout and stderr into the file path, and waits up to wait_ms: its
 * exit status (-2 when a signal ended it) with what it wrote in out
 * (NUL-terminated, cut at cap), or -1 when it still runs then (it did not
 * refuse; it is stopped with SIGTERM). path is removed. */
int pr_run(const char *const *argv, const char *path, char *out, size_t cap, int wait_ms,
           mode_t mask);
/* How many lines s holds. */
int pr_lines(const char *s);

#endif
