/* SPDX-License-Identifier: MIT */
/* zokiod http: opening files beneath a root, with the symlink policy (see beneath.h). */
#include "http/beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zk_features.h"

#ifdef HAVE_OPENAT2
#include <linux/openat2.h>
#endif

#define REL_MAX 4096

static int open2(int dirfd, const char *rel, int flags, int nolinks)
{
    if (!(flags & O_PATH)) flags |= O_NOCTTY; /* openat2 takes O_PATH with few others */
#ifdef HAVE_OPENAT2
    struct open_how how = {.flags = (uint64_t)flags | O_CLOEXEC,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS |
                                      (nolinks ? RESOLVE_NO_SYMLINKS : 0)};
    int fd, tries = 0;
    /* EAGAIN: a rename raced a ".." of the walk (a link swapped meanwhile); the kernel asks for
     * a retry */
    do
        fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
    while (fd < 0 && errno == EAGAIN && ++tries < 16);
    if (fd >= 0 || errno != ENOSYS) return fd < 0 ? -errno : fd;
#else
    (void)nolinks;
#endif
    /* no openat2: the path is already normalized (no "..") and a final link is refused */
    int fd2 = openat(dirfd, rel, flags | O_CLOEXEC | O_NOFOLLOW);
    return fd2 < 0 ? -errno : fd2;
}

/* `on`: a link anywhere is refused; nginx's walk opens each directory with O_NOFOLLOW, so a link
 * in place of a directory is -ENOTDIR (404) and only a final link -ELOOP (403) */
static int no_links(int dirfd, char *rel, size_t len, int flags)
{
    int fd = open2(dirfd, rel, flags, 1);
    if (fd != -ELOOP) return fd;
    char *slash = memrchr(rel, '/', len);
    if (!slash) return fd;
    *slash = 0;
    int d = open2(dirfd, rel, O_PATH | O_DIRECTORY, 1);
    *slash = '/';
    if (d >= 0) close(d);
    return d == -ELOOP ? -ENOTDIR : fd;
}

/* rel[0, skip) is the directory of from= inside the root (its links followed): the length of that
 * prefix when rel is beneath it, else 0 */
static size_t skipped(const zh_site_t *site, const char *rel, size_t len)
{
    const char *s = site->symlinks_skip;
    size_t n = s ? strlen(s) : 0;
    while (n && s[n - 1] == '/') /* from=/root/sub/ */
        n--;
    if (!n || len <= n || memcmp(rel, s, n) != 0 || rel[n] != '/') return 0;
    return n;
}

/* nginx's if_not_owner, part by part from rel[skip]: a link whose owner (lstat) is not the owner
 * of what it leads to refuses the path (-ELOOP); what it leads to is opened beneath the root */
static int check_owners(int root_fd, char *rel, size_t len, size_t skip)
{
    for (size_t end = skip ? skip + 1 : 0; end < len;) {
        size_t start = end;
        while (end < len && rel[end] != '/')
            end++;
        char save = rel[end];
        struct stat ls, ts;
        rel[end] = 0;
        int dfd =
            start ? (rel[start - 1] = 0, open2(root_fd, rel, O_PATH | O_DIRECTORY, 0)) : root_fd;
        if (start) rel[start - 1] = '/';
        int r = dfd < 0                                                   ? dfd
                : fstatat(dfd, rel + start, &ls, AT_SYMLINK_NOFOLLOW) < 0 ? -errno
                                                                          : 0;
        if (dfd >= 0 && dfd != root_fd) close(dfd);
        if (r == 0 && S_ISLNK(ls.st_mode)) {
            int t = open2(root_fd, rel, O_PATH, 0);
            r = t < 0 ? t : fstat(t, &ts) < 0 ? -errno : ts.st_uid != ls.st_uid ? -ELOOP : 0;
            if (t >= 0) close(t);
        }
        rel[end] = save;
        if (r < 0) return r;
        end++;
    }
    return 0;
}

int zh_open_beneath(const zh_site_t *site, const char *path, size_t len, int flags)
{
    char rel[REL_MAX];
    while (len && *path == '/') {
        path++;
        len--;
    }
    if (len >= sizeof rel) return -ENAMETOOLONG;
    if (site->root_fd < 0) return -ENOENT; /* the root did not exist when the config was loaded */
    if (len == 0) {
        rel[0] = '.';
        rel[1] = 0;
    } else {
        memcpy(rel, path, len);
        rel[len] = 0;
    }
    if (site->symlinks == ZH_SYMLINKS_OFF) return open2(site->root_fd, rel, flags, 0);
    size_t skip = skipped(site, rel, len);
    if (site->root_refused && !skip) return -ELOOP;
    if (site->symlinks == ZH_SYMLINKS_IF_NOT_OWNER) {
        int r = check_owners(site->root_fd, rel, len, skip);
        return r < 0 ? r : open2(site->root_fd, rel, flags, 0);
    }
    if (!skip) return no_links(site->root_fd, rel, len, flags);
    rel[skip] = 0; /* the from= directory follows links (beneath the root), the rest does not */
    int dfd = open2(site->root_fd, rel, O_PATH | O_DIRECTORY, 0);
    if (dfd < 0) return dfd;
    int fd = no_links(dfd, rel + skip + 1, len - skip - 1, flags);
    close(dfd);
    return fd;
}
