/*
 * tests/relay/proc_fds.c — see proc_fds.h.
 */
#include "tests/relay/proc_fds.h"

#include <dirent.h>
#include <linux/kcmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static long pf_count(const char *path)
{
    DIR *d = opendir(path);
    long n = 0;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

long pf_fds_leader(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
    return pf_count(path);
}

long pf_fds(pid_t pid, int *tables)
{
    enum { MAX_TASKS = 256 };
    pid_t seen[MAX_TASKS]; /* one task per distinct table */
    int nseen = 0;
    long total = 0;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        pid_t tid = (pid_t)atoi(e->d_name);
        bool known = false;
        for (int i = 0; i < nseen && !known; i++)
            known = syscall(SYS_kcmp, seen[i], tid, KCMP_FILES, 0, 0) == 0;
        if (known || nseen == MAX_TASKS)
            continue;
        char fdp[96];
        snprintf(fdp, sizeof(fdp), "/proc/%d/task/%d/fd", (int)pid, (int)tid);
        long n = pf_count(fdp);
        if (n < 0)
            continue; /* the thread just ended */
        seen[nseen++] = tid;
        total += n;
    }
    closedir(d);
    if (tables)
        *tables = nseen;
    return total;
}
