/*
 * tests/relay/proc_run.c — a program run with its output captured
 * (proc_run.h).
 */
#include "tests/relay/proc_run.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int pr_run(const char *const *argv, const char *path, char *out, size_t cap, int wait_ms,
           mode_t mask)
{
    pid_t p = fork();
    if (p == 0) {
        /* The program dies with the test, even when the test is killed. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        dup2(fd, 1);
        if (mask != (mode_t)-1)
            umask(mask);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st = 0, rc = -1;
    bool done = false;
    for (int i = 0; i < wait_ms / 50 && !done; i++) {
        if (waitpid(p, &st, WNOHANG) == p) {
            done = true;
            rc = WIFEXITED(st) ? WEXITSTATUS(st) : -2;
        } else {
            usleep(50000);
        }
    }
    if (!done) {
        kill(p, SIGTERM);
        waitpid(p, NULL, 0);
    }
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(out, 1, cap - 1, f) : 0;
    out[n] = 0;
    if (f)
        fclose(f);
    unlink(path);
    return rc;
}

int pr_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}
