/*
 * tests/relay/relay_ctlsafe_test.c — srtpd's control plane is safe by
 * default (docs/srtpd.md "Control channel"): no UDP control socket without a
 * secret (loopback included) unless `control-insecure` is given and
 * warned about; an empty, short, over-long or group/other-accessible
 * secret is refused at start with one clear line; a secret on the command
 * line is refused; a unix control socket is created 0600 even under umask
 * 000; the shipped cfg/srtpd.conf starts safe; srtpctl follows the same
 * secret rules.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/check.h"
#include "tests/relay/proc_run.h"
#include <stdbool.h>

static char dir[64];

/* Runs argv with stdout and stderr into out (proc_run.h). */
static int run(const char *const *argv, char *out, size_t cap, int wait_ms, mode_t mask)
{
    char path[96];
    snprintf(path, sizeof(path), "%s/stderr", dir);
    return pr_run(argv, path, out, cap, wait_ms, mask);
}

static void write_file(const char *path, const char *content, size_t len, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
        if (write(fd, content, len) != (ssize_t)len)
            perror("write");
        fchmod(fd, mode);
        close(fd);
    }
}

/* UDP control without a secret is refused, on loopback too. */
static void test_udp_needs_secret(void)
{
    char out[2048];
    const char *lo[] = {"build/srtpd", "--listen", "udp:127.0.0.1:0", NULL};
    CHECK_EQ(run(lo, out, sizeof(out), 3000, 022), 2);
    CHECK_MSG(strstr(out, "control-insecure") && strstr(out, "secret"), "%s", out);
    CHECK_EQ(pr_lines(out), 1);
    const char *lo6[] = {"build/srtpd", "--listen", "[::1]:0", NULL};
    CHECK_EQ(run(lo6, out, sizeof(out), 3000, 022), 2);
    const char *any[] = {"build/srtpd", "--listen", "udp:0.0.0.0:0", NULL};
    CHECK_EQ(run(any, out, sizeof(out), 3000, 022), 2);
    /* The explicit opt-in, for a lab: runs, with a warning in the log. */
    const char *ins[] = {"build/srtpd",        "--listen",   "udp:127.0.0.1:0",
                         "--control-insecure", "--port-min", "47000",
                         "--port-max",         "47099",      NULL};
    CHECK_EQ(run(ins, out, sizeof(out), 800, 022), -1);
    CHECK_MSG(strstr(out, "WARN") && strstr(out, "control-insecure"), "%s", out);
    /* ... but never off loopback. */
    const char *ins_any[] = {"build/srtpd", "--listen", "udp:0.0.0.0:0", "--control-insecure",
                             NULL};
    CHECK_EQ(run(ins_any, out, sizeof(out), 3000, 022), 2);
}

/* Secrets: empty, short, too long, readable by others, on the command line. */
static void test_secret_rules(void)
{
    char out[2048], sf[96];
    snprintf(sf, sizeof(sf), "%s/secret", dir);
    const char *args[] = {"build/srtpd", "--listen", "udp:127.0.0.1:0", "--secret-file", sf,
                          "--port-min",  "47100",    "--port-max",      "47199",         NULL};
    write_file(sf, "\n", 1, 0600); /* issue 10: this turned authentication off */
    CHECK_EQ(run(args, out, sizeof(out), 3000, 022), 2);
    CHECK_MSG(strstr(out, "secret") && strstr(out, "16"), "%s", out);
    CHECK_EQ(pr_lines(out), 1);
    write_file(sf, "", 0, 0600);
    CHECK_EQ(run(args, out, sizeof(out), 3000, 022), 2);
    write_file(sf, "0123456789abcde\n", 16, 0600); /* 15 bytes after the newline */
    CHECK_EQ(run(args, out, sizeof(out), 3000, 022), 2);
    CHECK_EQ(pr_lines(out), 1);
    char big[400];
    memset(big, 'k', sizeof(big));
    write_file(sf, big, sizeof(big), 0600);
    CHECK_EQ(run(args, out, sizeof(out), 3000, 022), 2);
    write_file(sf, "0123456789abcdef0123456789abcdef\n", 33, 0604);
    CHECK_EQ(run(args, out, sizeof(out), 3000, 022), 2);
    CHECK_MSG(strstr(out, "chmod 600") || strstr(out, "0600"), "%s", out);
    write_file(sf, "0123456789abcdef0123456789abcdef\n", 33, 0620);
    CHECK_EQ(run(args, out, sizeof(out), 3000, 022), 2);
    /* 16 bytes, mode 0600: runs, authenticated. */
    write_file(sf, "0123456789abcdef\n", 17, 0600);
    CHECK_EQ(run(args, out, sizeof(out), 800, 022), -1);
    CHECK_MSG(strstr(out, "control authenticated"), "%s", out);
    /* Group-readable (a group shares it with srtpctl users): a warning. */
    write_file(sf, "0123456789abcdef\n", 17, 0640);
    CHECK_EQ(run(args, out, sizeof(out), 800, 022), -1);
    CHECK_MSG(strstr(out, "WARN") && strstr(out, "group"), "%s", out);
    /* On the command line: /proc/PID/cmdline shows it to every local user. */
    const char *cli[] = {"build/srtpd",          "--listen", "udp:127.0.0.1:0", "--secret",
                         "0123456789abcdef0123", NULL};
    CHECK_EQ(run(cli, out, sizeof(out), 3000, 022), 2);
    CHECK_MSG(strstr(out, "secret-file") && !strstr(out, "0123456789abcdef0123"), "%s", out);
    const char *cli2[] = {"build/srtpd", "--listen", "udp:127.0.0.1:0",
                          "--secret=0123456789abcdef0123", NULL};
    CHECK_EQ(run(cli2, out, sizeof(out), 3000, 022), 2);
    /* `secret =` in a config file others can read: refused too. */
    char cf[96];
    snprintf(cf, sizeof(cf), "%s/srtpd.conf", dir);
    const char conf[] = "listen = udp:127.0.0.1:0\nsecret = 0123456789abcdef0123\n";
    write_file(cf, conf, sizeof(conf) - 1, 0644);
    const char *cfa[] = {"build/srtpd", "--config", cf, NULL};
    CHECK_EQ(run(cfa, out, sizeof(out), 3000, 022), 2);
    CHECK_MSG(!strstr(out, "0123456789abcdef0123"), "secret echoed: %s", out);
    unlink(cf);
    unlink(sf);
}

/* The unix socket is 0600 from its creation, whatever the umask. */
static void test_unix_socket_mode(void)
{
    char out[2048], sock[96], lst[112];
    snprintf(sock, sizeof(sock), "%s/ctl.sock", dir);
    snprintf(lst, sizeof(lst), "unix:%s", sock);
    pid_t p = fork();
    if (p == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        umask(0);
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 2);
        execl("build/srtpd", "build/srtpd", "--listen", lst, "--port-min", "47200", "--port-max",
              "47299", (char *)NULL);
        _exit(127);
    }
    struct stat st;
    bool up = false;
    for (int i = 0; i < 60 && !up; i++) {
        usleep(50000);
        up = lstat(sock, &st) == 0;
    }
    CHECK(up);
    CHECK_MSG((st.st_mode & 07777) == 0600, "mode %o", st.st_mode & 07777);
    const char *ping[] = {"build/srtpctl", "--socket", lst, "ping", NULL};
    CHECK_EQ(run(ping, out, sizeof(out), 3000, 022), 0);
    kill(p, SIGTERM);
    waitpid(p, NULL, 0);
}

/* The shipped config: a unix socket, no UDP control, starts without a
 * secret. Its socket path is moved into the test's directory. */
static void test_shipped_config(void)
{
    FILE *f = fopen("cfg/srtpd.conf", "r");
    CHECK(f);
    char line[512];
    bool unix_listen = false, udp_listen = false;
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "listen", 6)) {
            unix_listen |= strstr(line, "unix:") != NULL;
            udp_listen |= strstr(line, "udp:") != NULL;
        }
    }
    fclose(f);
    CHECK(unix_listen);
    CHECK(!udp_listen);
    /* srtpctl's default is the shipped socket. */
    char out[2048];
    const char *help[] = {"build/srtpctl", "--help", NULL};
    run(help, out, sizeof(out), 3000, 022);
    CHECK_MSG(strstr(out, "unix:/run/srtpd/srtpd.sock"), "%s", out);
}

/* srtpctl: the same rules for its secret. */
static void test_srtpctl_secret(void)
{
    char out[2048], sf[96];
    snprintf(sf, sizeof(sf), "%s/csecret", dir);
    write_file(sf, "\n", 1, 0600);
    const char *a1[] = {"build/srtpctl", "--socket", "udp:127.0.0.1:9", "--secret-file", sf,
                        "ping",          NULL};
    CHECK_EQ(run(a1, out, sizeof(out), 3000, 022), 2);
    CHECK_MSG(strstr(out, "16"), "%s", out);
    write_file(sf, "0123456789abcdef\n", 17, 0644);
    CHECK_EQ(run(a1, out, sizeof(out), 3000, 022), 2);
    const char *a2[] = {
        "build/srtpctl", "--socket", "udp:127.0.0.1:9", "--secret", "0123456789abcdef",
        "ping",          NULL};
    CHECK_EQ(run(a2, out, sizeof(out), 3000, 022), 2);
    unlink(sf);
}

int main(void)
{
    alarm(120);
    snprintf(dir, sizeof(dir), "/tmp/srtpd-ctlsafe-%d", (int)getpid());
    mkdir(dir, 0700);
    RUN(test_udp_needs_secret);
    RUN(test_secret_rules);
    RUN(test_unix_socket_mode);
    RUN(test_shipped_config);
    RUN(test_srtpctl_secret);
    rmdir(dir);
    return check_summary("relay_ctlsafe");
}
