/*
 * rtp/ctl/secret.c — loading the control secret from a file with the
 * access and length rules of secret.h.
 */
#include "ctl/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool ctl_secret_mode_ok(const char *what, const char *path, mode_t mode, char *err, size_t errlen,
                        char *warn, size_t warnlen)
{
    if (warnlen)
        warn[0] = 0;
    if (!S_ISREG(mode)) {
        snprintf(err, errlen, "%s %s: not a regular file", what, path);
        return false;
    }
    if (mode & (S_IRWXO | S_IWGRP | S_IXGRP)) {
        snprintf(err, errlen,
                 "%s %s: mode %03o lets other users read or change the secret "
                 "(chmod 600 %s)",
                 what, path, (unsigned)(mode & 0777), path);
        return false;
    }
    if ((mode & S_IRGRP) && warnlen)
        snprintf(warn, warnlen,
                 "%s %s: readable by its group: every member can read keys "
                 "and move media through srtpd",
                 what, path);
    return true;
}

bool ctl_secret_len_ok(size_t len, char *err, size_t errlen)
{
    if (len < CTL_SECRET_MIN) {
        snprintf(err, errlen,
                 "secret: %zu bytes, at least %d needed (e.g. "
                 "head -c 24 /dev/urandom | base64)",
                 len, CTL_SECRET_MIN);
        return false;
    }
    if (len > CTL_SECRET_MAX) {
        snprintf(err, errlen, "secret: longer than %d bytes", CTL_SECRET_MAX);
        return false;
    }
    return true;
}

bool ctl_secret_read_file(const char *path, char *out, size_t cap, size_t *len, char *err,
                          size_t errlen, char *warn, size_t warnlen)
{
    *len = 0;
    if (warnlen)
        warn[0] = 0;
    if (cap <= CTL_SECRET_MAX) {
        snprintf(err, errlen, "secret-file: buffer too small");
        return false;
    }
    /* Checked on the open file (fstat), so the file cannot be swapped
     * between the check and the read. */
    /* Symlinks are followed (secret volumes often are links); the mode
     * checked is the target's. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "secret-file %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return false;
    }
    if (!ctl_secret_mode_ok("secret-file", path, st.st_mode, err, errlen, warn, warnlen)) {
        close(fd);
        return false;
    }
    char buf[CTL_SECRET_MAX + 3];
    size_t n = 0;
    while (n < sizeof(buf)) {
        ssize_t r = read(fd, buf + n, sizeof(buf) - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "secret-file %s: %s", path, strerror(errno));
            close(fd);
            OPENSSL_cleanse(buf, sizeof(buf));
            return false;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    char *nl = memchr(buf, '\n', n);
    size_t l = nl ? (size_t)(nl - buf) : n;
    if (l && buf[l - 1] == '\r')
        l--;
    bool ok;
    if (!nl && n == sizeof(buf)) {
        snprintf(err, errlen, "secret-file %s: first line longer than %d bytes", path,
                 CTL_SECRET_MAX);
        ok = false;
    } else if (memchr(buf, 0, l)) {
        snprintf(err, errlen, "secret-file %s: NUL byte in the secret", path);
        ok = false;
    } else if (!ctl_secret_len_ok(l, err, errlen)) {
        char why[160];
        snprintf(why, sizeof(why), "%s", err);
        snprintf(err, errlen, "secret-file %s: %s", path, why);
        ok = false;
    } else {
        memcpy(out, buf, l);
        out[l] = 0;
        *len = l;
        ok = true;
    }
    OPENSSL_cleanse(buf, sizeof(buf));
    return ok;
}
