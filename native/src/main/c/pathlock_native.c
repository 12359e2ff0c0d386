/*
 * JNI binding for io.pathlock.nativeio.PathlockNative: the few syscalls on the lock-file hot path.
 *
 * Conventions (the Java side relies on each of them):
 *
 *  1. Every function returns a non-negative value on success and -errno on failure. Nothing here
 *     throws a Java exception on purpose; the only exceptions that can be pending on return are
 *     ones the JVM raised itself (OutOfMemoryError from NewByteArray), and then the return value is
 *     negative too.
 *  2. Paths cross the boundary as byte[] holding the raw path bytes (UTF-8 from Java) without a
 *     terminating NUL. They are copied into a stack buffer of PATH_MAX bytes and NUL-terminated
 *     here; an embedded NUL is -EINVAL and a path that does not fit is -ENAMETOOLONG. byte[] avoids
 *     the JVM's modified UTF-8 (GetStringUTFChars), which encodes NUL and supplementary
 *     characters differently from the file system.
 *  3. Every JNI call that may raise an exception is followed by ExceptionCheck before the next JNI
 *     call, so that -Xcheck:jni stays silent.
 *  4. Calls that may be interrupted by a signal are retried on EINTR, except close(2) (see
 *     pl_close_fd).
 *  5. File descriptors are opened with O_CLOEXEC so that a child process started by the JVM never
 *     inherits a lock file (and with it a flock(2) lock). The one exception is deliberate: the
 *     keeper of `pathlock run` (keeper/pathlock_keeper.c) receives lock file descriptors over a
 *     socket (SCM_RIGHTS) so that the locks live as long as the command it runs.
 */
#define _GNU_SOURCE
#include <jni.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#include <time.h>

#include "io_pathlock_nativeio_PathlockNative.h"

#define PATHLOCK_ABI_VERSION 8

/* Flags of createExclusive; the same values as PathlockNative.CREATE_*. */
#define PL_CREATE_SYNC_DATA 1
#define PL_CREATE_LOCK_EXCLUSIVE 2

/* Slots of the long[] filled by the stat family; the same values as PathlockNative.STAT_*. */
#define PL_STAT_INO 0
#define PL_STAT_DEV 1
#define PL_STAT_SIZE 2
#define PL_STAT_MODE 3
#define PL_STAT_MTIME_NANOS 4
#define PL_STAT_NLINK 5
#define PL_STAT_UID 6
#define PL_STAT_LENGTH 7

/* Reads of at most this many bytes use a stack buffer; larger ones malloc. */
#define PL_STACK_READ_MAX 8192

/* ---------------------------------------------------------------------------------------------- */
/* helpers                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

/* Copies a byte[] path into buf (PATH_MAX bytes) and terminates it. Returns 0 or -errno. */
static int pl_copy_path(JNIEnv *env, jbyteArray path, char *buf)
{
    if (path == NULL)
    {
        return -EINVAL;
    }
    const jsize len = (*env)->GetArrayLength(env, path);
    if (len <= 0)
    {
        return -ENOENT; /* what open("") reports */
    }
    if (len >= PATH_MAX)
    {
        return -ENAMETOOLONG;
    }
    (*env)->GetByteArrayRegion(env, path, 0, len, (jbyte *)buf);
    if ((*env)->ExceptionCheck(env))
    {
        return -EFAULT;
    }
    buf[len] = '\0';
    if (memchr(buf, '\0', (size_t)len) != NULL)
    {
        return -EINVAL;
    }
    return 0;
}

/*
 * Copies a byte[] file name (no '/') into buf (NAME_MAX + 1 bytes). A null array gives an empty
 * string when allowNull is set. Returns 0 or -errno.
 */
static int pl_copy_name(JNIEnv *env, jbyteArray name, char *buf, int allowNull)
{
    if (name == NULL)
    {
        buf[0] = '\0';
        return allowNull ? 0 : -EINVAL;
    }
    const jsize len = (*env)->GetArrayLength(env, name);
    if (len <= 0 || len > NAME_MAX)
    {
        return len <= 0 ? -EINVAL : -ENAMETOOLONG;
    }
    (*env)->GetByteArrayRegion(env, name, 0, len, (jbyte *)buf);
    if ((*env)->ExceptionCheck(env))
    {
        return -EFAULT;
    }
    buf[len] = '\0';
    if (memchr(buf, '\0', (size_t)len) != NULL || memchr(buf, '/', (size_t)len) != NULL)
    {
        return -EINVAL;
    }
    return 0;
}

/*
 * Closes a descriptor and ignores EINTR. On Linux close(2) releases the descriptor before it can
 * be interrupted, so the fd is gone even when EINTR is reported; retrying would close a descriptor
 * number that another thread may already have been given by open(2).
 */
static int pl_close_fd(int fd)
{
    if (close(fd) != 0 && errno != EINTR)
    {
        return -errno;
    }
    return 0;
}

/* Writes all len bytes, retrying short writes and EINTR. Returns 0 or -errno. */
static int pl_write_all(int fd, const char *data, size_t len)
{
    size_t done = 0;
    while (done < len)
    {
        const ssize_t n = write(fd, data + done, len - done);
        if (n < 0)
        {
            if (errno == EINTR)
            {
                continue;
            }
            return -errno;
        }
        if (n == 0)
        {
            return -EIO;
        }
        done += (size_t)n;
    }
    return 0;
}

static int pl_fdatasync(int fd)
{
    while (fdatasync(fd) != 0)
    {
        if (errno != EINTR)
        {
            return -errno;
        }
    }
    return 0;
}

static int pl_fsync(int fd)
{
    while (fsync(fd) != 0)
    {
        if (errno != EINTR)
        {
            return -errno;
        }
    }
    return 0;
}

static int pl_flock(int fd, int op)
{
    while (flock(fd, op) != 0)
    {
        if (errno != EINTR)
        {
            return -errno;
        }
    }
    return 0;
}

/*
 * Removes a file this process has just created and still holds open, but only while the path
 * still names that inode: if someone removed ours and created another in the meantime, theirs must
 * survive.
 */
static void pl_unlink_if_same(const char *path, int fd)
{
    struct stat byFd;
    struct stat byPath;
    if (fstat(fd, &byFd) == 0 && lstat(path, &byPath) == 0 &&
        byFd.st_dev == byPath.st_dev && byFd.st_ino == byPath.st_ino)
    {
        unlink(path);
    }
}

/*
 * open(O_CREAT|O_EXCL|O_WRONLY|O_CLOEXEC) + optional flock(LOCK_EX|LOCK_NB) + full write +
 * optional fdatasync. Returns the open fd or -errno; on a failure after the open, the new file is
 * removed (see pl_unlink_if_same) and the fd closed.
 */
static int pl_create_exclusive(const char *path, const char *data, size_t len, mode_t mode, int flags)
{
    int fd;
    do
    {
        fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode);
    }
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
    {
        return -errno;
    }

    int rc = 0;
    if ((flags & PL_CREATE_LOCK_EXCLUSIVE) != 0)
    {
        rc = pl_flock(fd, LOCK_EX | LOCK_NB);
    }
    if (rc == 0)
    {
        rc = pl_write_all(fd, data, len);
    }
    if (rc == 0 && (flags & PL_CREATE_SYNC_DATA) != 0)
    {
        rc = pl_fdatasync(fd);
    }
    if (rc != 0)
    {
        pl_unlink_if_same(path, fd);
        pl_close_fd(fd);
        return rc;
    }
    return fd;
}

/*
 * Reads from fd into buf (capacity cap) until EOF, with pread from offset 0 when positional is set,
 * otherwise with read from the current offset. Returns the byte count, or -EFBIG when the file
 * holds more than cap bytes, or -errno.
 */
static ssize_t pl_read_all(int fd, char *buf, size_t cap, int positional)
{
    size_t done = 0;
    for (;;)
    {
        char probe;
        char *dst = done < cap ? buf + done : &probe;
        const size_t want = done < cap ? cap - done : 1;
        const ssize_t n = positional ? pread(fd, dst, want, (off_t)done) : read(fd, dst, want);
        if (n < 0)
        {
            if (errno == EINTR)
            {
                continue;
            }
            return -errno;
        }
        if (n == 0)
        {
            return (ssize_t)done;
        }
        if (done >= cap)
        {
            return -EFBIG;
        }
        done += (size_t)n;
    }
}

/* Reads into dst (a Java byte[]) through a stack or heap buffer. Returns count or -errno. */
static jint pl_read_into_array(JNIEnv *env, int fd, jbyteArray dst, int positional)
{
    if (dst == NULL)
    {
        return -EINVAL;
    }
    const jsize cap = (*env)->GetArrayLength(env, dst);
    char stackBuf[PL_STACK_READ_MAX];
    char *buf = stackBuf;
    if (cap > PL_STACK_READ_MAX)
    {
        buf = malloc((size_t)cap);
        if (buf == NULL)
        {
            return -ENOMEM;
        }
    }
    ssize_t n = pl_read_all(fd, buf, (size_t)cap, positional);
    if (n > 0)
    {
        (*env)->SetByteArrayRegion(env, dst, 0, (jsize)n, (const jbyte *)buf);
        if ((*env)->ExceptionCheck(env))
        {
            n = -EFAULT;
        }
    }
    if (buf != stackBuf)
    {
        free(buf);
    }
    return (jint)n;
}

static jint pl_fill_stat(JNIEnv *env, const struct stat *st, jlongArray out)
{
    if (out == NULL || (*env)->GetArrayLength(env, out) < PL_STAT_LENGTH)
    {
        return -EINVAL;
    }
    jlong values[PL_STAT_LENGTH];
    values[PL_STAT_INO] = (jlong)st->st_ino;
    values[PL_STAT_DEV] = (jlong)st->st_dev;
    values[PL_STAT_SIZE] = (jlong)st->st_size;
    values[PL_STAT_MODE] = (jlong)st->st_mode;
    values[PL_STAT_MTIME_NANOS] = (jlong)st->st_mtim.tv_sec * 1000000000LL + (jlong)st->st_mtim.tv_nsec;
    values[PL_STAT_NLINK] = (jlong)st->st_nlink;
    values[PL_STAT_UID] = (jlong)st->st_uid;
    (*env)->SetLongArrayRegion(env, out, 0, PL_STAT_LENGTH, values);
    if ((*env)->ExceptionCheck(env))
    {
        return -EFAULT;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* directory walk                                                                                 */
/* ---------------------------------------------------------------------------------------------- */

/* Growable buffer of NUL-separated relative paths. */
struct pl_out
{
    char *data;
    size_t len;
    size_t cap;
};

struct pl_walk_spec
{
    const char *name;  /* file name to find; "*SUFFIX" finds every name ending in SUFFIX */
    const char *skip;  /* directory name never entered; empty for none */
    struct pl_out *out; /* NULL: only count */
    long count;
};

/*
 * Whether a directory entry's name is one the walk looks for: equal to spec->name, or, when
 * spec->name is "*SUFFIX", ending in SUFFIX (SUFFIX itself included). The suffix mode lets one walk
 * find both a directory's lock file (".path.ovlock") and the sidecars of the files in it
 * (".NAME.path.ovlock").
 */
static int pl_name_matches(const char *n, const char *pattern)
{
    if (pattern[0] != '*')
    {
        return strcmp(n, pattern) == 0;
    }
    const char *suffix = pattern + 1;
    const size_t sl = strlen(suffix);
    const size_t nl = strlen(n);
    return nl >= sl && memcmp(n + nl - sl, suffix, sl) == 0;
}

static int pl_out_append(struct pl_out *out, const char *rel, size_t relLen, const char *name)
{
    const size_t nameLen = strlen(name);
    const size_t need = relLen + (relLen > 0 ? 1 : 0) + nameLen + 1;
    if (out->len + need > out->cap)
    {
        size_t cap = out->cap == 0 ? 4096 : out->cap;
        while (out->len + need > cap)
        {
            cap *= 2;
        }
        if (cap > INT32_MAX)
        {
            return -ENOMEM;
        }
        char *grown = realloc(out->data, cap);
        if (grown == NULL)
        {
            return -ENOMEM;
        }
        out->data = grown;
        out->cap = cap;
    }
    char *p = out->data + out->len;
    if (relLen > 0)
    {
        memcpy(p, rel, relLen);
        p += relLen;
        *p++ = '/';
    }
    memcpy(p, name, nameLen);
    p[nameLen] = '\0';
    out->len += need;
    return 0;
}

/*
 * Walks the directory open on dfd (takes ownership of dfd). rel holds the path of that directory
 * relative to the start (relLen bytes, empty for the start) in a PATH_MAX buffer shared by the
 * whole walk. Only real directories are entered: sub-directories are opened with O_NOFOLLOW |
 * O_DIRECTORY relative to their parent, so a directory swapped for a symlink after readdir is
 * never followed. Entries that vanish during the walk (ENOENT, or ENOTDIR / ELOOP when replaced)
 * are skipped; any other error ends the walk, because a lock scan that silently misses an
 * unreadable directory would report a held lock as free.
 */
static int pl_walk_dir(int dfd, char *rel, size_t relLen, struct pl_walk_spec *spec)
{
    DIR *dir = fdopendir(dfd);
    if (dir == NULL)
    {
        const int e = errno;
        pl_close_fd(dfd);
        return -e;
    }
    int rc = 0;
    for (;;)
    {
        errno = 0;
        const struct dirent *de = readdir(dir);
        if (de == NULL)
        {
            if (errno != 0)
            {
                rc = -errno;
            }
            break;
        }
        const char *n = de->d_name;
        if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
        {
            continue;
        }
        unsigned char type = de->d_type;
        if (type == DT_UNKNOWN)
        {
            /* some file systems (xfs without ftype, some network ones) do not fill d_type */
            struct stat st;
            if (fstatat(dirfd(dir), n, &st, AT_SYMLINK_NOFOLLOW) != 0)
            {
                if (errno == ENOENT)
                {
                    continue;
                }
                rc = -errno;
                break;
            }
            type = S_ISDIR(st.st_mode) ? DT_DIR : (S_ISREG(st.st_mode) ? DT_REG : DT_LNK);
        }

        if (type == DT_REG)
        {
            if (pl_name_matches(n, spec->name))
            {
                if (spec->out != NULL)
                {
                    rc = pl_out_append(spec->out, rel, relLen, n);
                    if (rc != 0)
                    {
                        break;
                    }
                }
                spec->count++;
            }
        }
        else if (type == DT_DIR)
        {
            if (spec->skip[0] != '\0' && strcmp(n, spec->skip) == 0)
            {
                continue;
            }
            const size_t nameLen = strlen(n);
            const size_t childLen = relLen + (relLen > 0 ? 1 : 0) + nameLen;
            if (childLen >= PATH_MAX)
            {
                rc = -ENAMETOOLONG;
                break;
            }
            int cfd;
            do
            {
                cfd = openat(dirfd(dir), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            }
            while (cfd < 0 && errno == EINTR);
            if (cfd < 0)
            {
                const int e = errno;
                if (e == ENOENT || e == ENOTDIR || e == ELOOP)
                {
                    continue;
                }
                rc = -e;
                break;
            }
            if (relLen > 0)
            {
                rel[relLen] = '/';
            }
            memcpy(rel + relLen + (relLen > 0 ? 1 : 0), n, nameLen);
            rel[childLen] = '\0';
            rc = pl_walk_dir(cfd, rel, childLen, spec);
            rel[relLen] = '\0';
            if (rc != 0)
            {
                break;
            }
        }
        /* symlinks, sockets, fifos, devices: never matched, never followed */
    }
    closedir(dir);
    return rc;
}

static int pl_walk(const char *start, struct pl_walk_spec *spec)
{
    int fd;
    do
    {
        fd = open(start, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
    {
        return -errno;
    }
    char rel[PATH_MAX];
    rel[0] = '\0';
    return pl_walk_dir(fd, rel, 0, spec);
}

/* ---------------------------------------------------------------------------------------------- */
/* JNI entry points                                                                               */
/* ---------------------------------------------------------------------------------------------- */

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_abiVersion(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    return PATHLOCK_ABI_VERSION;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_createExclusive(
    JNIEnv *env, jclass cls, jbyteArray path, jbyteArray content, jint length, jint mode, jint flags)
{
    (void)cls;
    char p[PATH_MAX];
    int rc = pl_copy_path(env, path, p);
    if (rc != 0)
    {
        return rc;
    }
    if (content == NULL || length < 0 || length > (*env)->GetArrayLength(env, content))
    {
        return -EINVAL;
    }
    char stackBuf[PL_STACK_READ_MAX];
    char *buf = stackBuf;
    if (length > PL_STACK_READ_MAX)
    {
        buf = malloc((size_t)length);
        if (buf == NULL)
        {
            return -ENOMEM;
        }
    }
    (*env)->GetByteArrayRegion(env, content, 0, length, (jbyte *)buf);
    if ((*env)->ExceptionCheck(env))
    {
        rc = -EFAULT;
    }
    else
    {
        rc = pl_create_exclusive(p, buf, (size_t)length, (mode_t)(mode & 07777), flags);
    }
    if (buf != stackBuf)
    {
        free(buf);
    }
    return rc;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_openRead(JNIEnv *env, jclass cls, jbyteArray path)
{
    (void)cls;
    char p[PATH_MAX];
    const int rc = pl_copy_path(env, path, p);
    if (rc != 0)
    {
        return rc;
    }
    int fd;
    do
    {
        fd = open(p, O_RDONLY | O_CLOEXEC);
    }
    while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_readFile(
    JNIEnv *env, jclass cls, jbyteArray path, jbyteArray dst)
{
    (void)cls;
    char p[PATH_MAX];
    const int rc = pl_copy_path(env, path, p);
    if (rc != 0)
    {
        return rc;
    }
    if (dst == NULL)
    {
        return -EINVAL;
    }
    int fd;
    do
    {
        fd = open(p, O_RDONLY | O_CLOEXEC);
    }
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
    {
        return -errno;
    }
    const jint n = pl_read_into_array(env, fd, dst, 0);
    pl_close_fd(fd);
    return n;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_preadAll(
    JNIEnv *env, jclass cls, jint fd, jbyteArray dst)
{
    (void)cls;
    return pl_read_into_array(env, fd, dst, 1);
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_stat(
    JNIEnv *env, jclass cls, jbyteArray path, jlongArray out)
{
    (void)cls;
    char p[PATH_MAX];
    const int rc = pl_copy_path(env, path, p);
    if (rc != 0)
    {
        return rc;
    }
    struct stat st;
    if (stat(p, &st) != 0)
    {
        return -errno;
    }
    return pl_fill_stat(env, &st, out);
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_lstat(
    JNIEnv *env, jclass cls, jbyteArray path, jlongArray out)
{
    (void)cls;
    char p[PATH_MAX];
    const int rc = pl_copy_path(env, path, p);
    if (rc != 0)
    {
        return rc;
    }
    struct stat st;
    if (lstat(p, &st) != 0)
    {
        return -errno;
    }
    return pl_fill_stat(env, &st, out);
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_fstat(
    JNIEnv *env, jclass cls, jint fd, jlongArray out)
{
    (void)cls;
    struct stat st;
    if (fstat(fd, &st) != 0)
    {
        return -errno;
    }
    return pl_fill_stat(env, &st, out);
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_link(
    JNIEnv *env, jclass cls, jbyteArray existing, jbyteArray newPath)
{
    (void)cls;
    char from[PATH_MAX];
    char to[PATH_MAX];
    int rc = pl_copy_path(env, existing, from);
    if (rc == 0)
    {
        rc = pl_copy_path(env, newPath, to);
    }
    if (rc != 0)
    {
        return rc;
    }
    return link(from, to) != 0 ? -errno : 0;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_rename(
    JNIEnv *env, jclass cls, jbyteArray from, jbyteArray to)
{
    (void)cls;
    char src[PATH_MAX];
    char dst[PATH_MAX];
    int rc = pl_copy_path(env, from, src);
    if (rc == 0)
    {
        rc = pl_copy_path(env, to, dst);
    }
    if (rc != 0)
    {
        return rc;
    }
    return rename(src, dst) != 0 ? -errno : 0;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_unlink(JNIEnv *env, jclass cls, jbyteArray path)
{
    (void)cls;
    char p[PATH_MAX];
    const int rc = pl_copy_path(env, path, p);
    if (rc != 0)
    {
        return rc;
    }
    return unlink(p) != 0 ? -errno : 0;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_mkdir(
    JNIEnv *env, jclass cls, jbyteArray path, jint mode)
{
    (void)cls;
    char p[PATH_MAX];
    const int rc = pl_copy_path(env, path, p);
    if (rc != 0)
    {
        return rc;
    }
    return mkdir(p, (mode_t)(mode & 07777)) != 0 ? -errno : 0;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_flock(JNIEnv *env, jclass cls, jint fd, jint op)
{
    (void)env;
    (void)cls;
    return pl_flock(fd, op);
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_fsync(JNIEnv *env, jclass cls, jint fd)
{
    (void)env;
    (void)cls;
    return pl_fsync(fd);
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_fdatasync(JNIEnv *env, jclass cls, jint fd)
{
    (void)env;
    (void)cls;
    return pl_fdatasync(fd);
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_fsyncDirectory(
    JNIEnv *env, jclass cls, jbyteArray path)
{
    (void)cls;
    char p[PATH_MAX];
    int rc = pl_copy_path(env, path, p);
    if (rc != 0)
    {
        return rc;
    }
    int fd;
    do
    {
        fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
    {
        return -errno;
    }
    rc = pl_fsync(fd);
    const int closed = pl_close_fd(fd);
    return rc != 0 ? rc : closed;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_close(JNIEnv *env, jclass cls, jint fd)
{
    (void)env;
    (void)cls;
    return pl_close_fd(fd);
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_getpid(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    return (jint)getpid();
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_findFiles(
    JNIEnv *env, jclass cls, jbyteArray start, jbyteArray name, jbyteArray skipDir, jobjectArray out)
{
    (void)cls;
    char s[PATH_MAX];
    char n[NAME_MAX + 1];
    char k[NAME_MAX + 1];
    int rc = pl_copy_path(env, start, s);
    if (rc == 0)
    {
        rc = pl_copy_name(env, name, n, 0);
    }
    if (rc == 0)
    {
        rc = pl_copy_name(env, skipDir, k, 1);
    }
    if (rc != 0)
    {
        return rc;
    }
    if (out == NULL || (*env)->GetArrayLength(env, out) < 1)
    {
        return -EINVAL;
    }

    struct pl_out buf = { NULL, 0, 0 };
    struct pl_walk_spec spec = { n, k, &buf, 0 };
    rc = pl_walk(s, &spec);
    if (rc == 0)
    {
        if (spec.count > INT32_MAX)
        {
            rc = -EOVERFLOW;
        }
        else
        {
            jbyteArray result = (*env)->NewByteArray(env, (jsize)buf.len);
            if (result == NULL)
            {
                rc = -ENOMEM; /* OutOfMemoryError is pending and will be thrown on return */
            }
            else
            {
                if (buf.len > 0)
                {
                    (*env)->SetByteArrayRegion(env, result, 0, (jsize)buf.len, (const jbyte *)buf.data);
                }
                if ((*env)->ExceptionCheck(env))
                {
                    rc = -EFAULT;
                }
                else
                {
                    (*env)->SetObjectArrayElement(env, out, 0, result);
                    rc = (*env)->ExceptionCheck(env) ? -EINVAL : (jint)spec.count;
                }
                (*env)->DeleteLocalRef(env, result);
            }
        }
    }
    free(buf.data);
    return rc;
}

JNIEXPORT jlong JNICALL Java_io_pathlock_nativeio_PathlockNative_pointFloor(
    JNIEnv *env, jclass cls, jbyteArray path, jbyteArray content, jint length, jint mode, jint flags,
    jint iterations)
{
    (void)cls;
    char p[PATH_MAX];
    int rc = pl_copy_path(env, path, p);
    if (rc != 0)
    {
        return rc;
    }
    if (content == NULL || length < 0 || length > PL_STACK_READ_MAX ||
        length > (*env)->GetArrayLength(env, content) || iterations < 0)
    {
        return -EINVAL;
    }
    char data[PL_STACK_READ_MAX];
    (*env)->GetByteArrayRegion(env, content, 0, length, (jbyte *)data);
    if ((*env)->ExceptionCheck(env))
    {
        return -EFAULT;
    }
    for (jint i = 0; i < iterations; i++)
    {
        const int fd = pl_create_exclusive(p, data, (size_t)length, (mode_t)(mode & 07777), flags);
        if (fd < 0)
        {
            return fd;
        }
        rc = pl_close_fd(fd);
        if (rc == 0 && unlink(p) != 0)
        {
            rc = -errno;
        }
        if (rc != 0)
        {
            return rc;
        }
    }
    return iterations;
}

JNIEXPORT jlong JNICALL Java_io_pathlock_nativeio_PathlockNative_walkFloor(
    JNIEnv *env, jclass cls, jbyteArray start, jbyteArray name, jbyteArray skipDir, jint iterations)
{
    (void)cls;
    char s[PATH_MAX];
    char n[NAME_MAX + 1];
    char k[NAME_MAX + 1];
    int rc = pl_copy_path(env, start, s);
    if (rc == 0)
    {
        rc = pl_copy_name(env, name, n, 0);
    }
    if (rc == 0)
    {
        rc = pl_copy_name(env, skipDir, k, 1);
    }
    if (rc != 0)
    {
        return rc;
    }
    if (iterations < 0)
    {
        return -EINVAL;
    }
    jlong total = 0;
    for (jint i = 0; i < iterations; i++)
    {
        struct pl_walk_spec spec = { n, k, NULL, 0 };
        rc = pl_walk(s, &spec);
        if (rc != 0)
        {
            return rc;
        }
        total += spec.count;
    }
    return total;
}

/* Copies a byte[][] of paths into a malloc'ed array of PATH_MAX buffers. Returns 0 or -errno. */
static int pl_copy_paths(JNIEnv *env, jobjectArray paths, char **out, jsize *count)
{
    *out = NULL;
    *count = 0;
    if (paths == NULL)
    {
        return 0;
    }
    const jsize n = (*env)->GetArrayLength(env, paths);
    if (n == 0)
    {
        return 0;
    }
    char *buf = malloc((size_t)n * PATH_MAX);
    if (buf == NULL)
    {
        return -ENOMEM;
    }
    for (jsize i = 0; i < n; i++)
    {
        jbyteArray p = (jbyteArray)(*env)->GetObjectArrayElement(env, paths, i);
        if ((*env)->ExceptionCheck(env))
        {
            free(buf);
            return -EFAULT;
        }
        const int rc = pl_copy_path(env, p, buf + (size_t)i * PATH_MAX);
        (*env)->DeleteLocalRef(env, p);
        if (rc != 0)
        {
            free(buf);
            return rc;
        }
    }
    *out = buf;
    *count = n;
    return 0;
}

/* Opens each path expecting ENOENT (a lock-file check that finds nothing). Returns 0 or -errno. */
static int pl_expect_absent(const char *paths, jsize n)
{
    for (jsize i = 0; i < n; i++)
    {
        int fd;
        do
        {
            fd = open(paths + (size_t)i * PATH_MAX, O_RDONLY | O_CLOEXEC);
        }
        while (fd < 0 && errno == EINTR);
        if (fd >= 0)
        {
            pl_close_fd(fd);
            return -EEXIST;
        }
        if (errno != ENOENT && errno != ENOTDIR)
        {
            return -errno;
        }
    }
    return 0;
}

JNIEXPORT jlong JNICALL Java_io_pathlock_nativeio_PathlockNative_lockSequenceFloor(
    JNIEnv *env, jclass cls, jobjectArray lstats, jobjectArray preChecks, jbyteArray tmp, jbyteArray file,
    jobjectArray postChecks, jbyteArray scanDir, jbyteArray guard, jbyteArray content, jint length, jint mode,
    jint iterations)
{
    (void)cls;
    char t[PATH_MAX];
    char f[PATH_MAX];
    char g[PATH_MAX];
    char s[PATH_MAX];
    int rc = pl_copy_path(env, tmp, t);
    if (rc == 0)
    {
        rc = pl_copy_path(env, file, f);
    }
    if (rc == 0)
    {
        rc = pl_copy_path(env, guard, g);
    }
    if (rc == 0 && scanDir != NULL)
    {
        rc = pl_copy_path(env, scanDir, s);
    }
    if (rc != 0)
    {
        return rc;
    }
    if (content == NULL || length < 0 || length > PL_STACK_READ_MAX ||
        length > (*env)->GetArrayLength(env, content) || iterations < 0)
    {
        return -EINVAL;
    }
    char data[PL_STACK_READ_MAX];
    (*env)->GetByteArrayRegion(env, content, 0, length, (jbyte *)data);
    if ((*env)->ExceptionCheck(env))
    {
        return -EFAULT;
    }
    char *ls = NULL;
    char *pre = NULL;
    char *post = NULL;
    jsize nls = 0;
    jsize npre = 0;
    jsize npost = 0;
    rc = pl_copy_paths(env, lstats, &ls, &nls);
    if (rc == 0)
    {
        rc = pl_copy_paths(env, preChecks, &pre, &npre);
    }
    if (rc == 0)
    {
        rc = pl_copy_paths(env, postChecks, &post, &npost);
    }
    int gfd = -1;
    if (rc == 0)
    {
        do
        {
            gfd = open(g, O_RDONLY | O_CLOEXEC);
        }
        while (gfd < 0 && errno == EINTR);
        if (gfd < 0)
        {
            rc = -errno;
        }
    }
    struct stat st;
    for (jint it = 0; rc == 0 && it < iterations; it++)
    {
        for (jsize i = 0; rc == 0 && i < nls; i++)
        {
            if (lstat(ls + (size_t)i * PATH_MAX, &st) != 0)
            {
                rc = -errno;
            }
        }
        if (rc == 0)
        {
            rc = pl_expect_absent(pre, npre);
        }
        if (rc != 0)
        {
            break;
        }
        const int fd = pl_create_exclusive(t, data, (size_t)length, (mode_t)(mode & 07777), PL_CREATE_LOCK_EXCLUSIVE);
        if (fd < 0)
        {
            rc = fd;
            break;
        }
        if (fstat(fd, &st) != 0 || link(t, f) != 0)
        {
            rc = -errno;
        }
        unlink(t);
        if (rc == 0 && scanDir != NULL)
        {
            struct pl_walk_spec spec = { "*.path.ovlock", "", NULL, 0 };
            spec.skip = ".pathlock";
            rc = pl_walk(s, &spec);
            if (rc == 0 && spec.count != 1)
            {
                rc = -EEXIST;
            }
        }
        if (rc == 0)
        {
            rc = pl_expect_absent(post, npost);
        }
        if (rc == 0)
        {
            rc = pl_flock(gfd, LOCK_EX);
        }
        if (rc == 0)
        {
            if (lstat(f, &st) != 0 || unlink(f) != 0)
            {
                rc = -errno;
            }
            pl_flock(gfd, LOCK_UN);
        }
        pl_close_fd(fd);
    }
    if (gfd >= 0)
    {
        pl_close_fd(gfd);
    }
    free(ls);
    free(pre);
    free(post);
    return rc != 0 ? rc : iterations;
}

/* ---------------------------------------------------------------------------------------------- */
/* descriptor-relative calls (ABI 4)                                                              */
/*                                                                                                */
/*  R1. A name is one component: 1..NAME_MAX bytes, no '/', no NUL, not "." or "..". Anything     */
/*      else is -EINVAL (-ENAMETOOLONG beyond NAME_MAX) before any syscall, so that no call here  */
/*      can be steered to another directory by its name.                                          */
/*  R2. Nothing here follows a symlink in the last component (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW,    */
/*      linkat without AT_SYMLINK_FOLLOW), and every open of something that may be a FIFO or a    */
/*      device carries O_NONBLOCK, so no call blocks on the type of what it finds.                */
/*  R3. Linux reports ENOTDIR, not ELOOP, for openat(O_DIRECTORY | O_NOFOLLOW) of a symlink; the  */
/*      openDirAt contract promises ELOOP, so ENOTDIR is refined with fstatat (the refinement     */
/*      only picks the error code; nothing is opened through it).                                */
/* ---------------------------------------------------------------------------------------------- */

/* Copies a name component into buf (NAME_MAX + 1 bytes) and terminates it (R1). */
static int pl_copy_component(JNIEnv *env, jbyteArray name, char *buf)
{
    if (name == NULL)
    {
        return -EINVAL;
    }
    const jsize len = (*env)->GetArrayLength(env, name);
    if (len <= 0)
    {
        return -EINVAL;
    }
    if (len > NAME_MAX)
    {
        return -ENAMETOOLONG;
    }
    (*env)->GetByteArrayRegion(env, name, 0, len, (jbyte *)buf);
    if ((*env)->ExceptionCheck(env))
    {
        return -EFAULT;
    }
    buf[len] = '\0';
    if (memchr(buf, '\0', (size_t)len) != NULL || memchr(buf, '/', (size_t)len) != NULL)
    {
        return -EINVAL;
    }
    if (buf[0] == '.' && (len == 1 || (len == 2 && buf[1] == '.')))
    {
        return -EINVAL;
    }
    return 0;
}

static int pl_openat(int dirFd, const char *name, int flags, mode_t mode)
{
    int fd;
    do
    {
        fd = openat(dirFd, name, flags, mode);
    }
    while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}

/* openat of a sub-directory that never follows a symlink and never blocks (R2, R3). */
static int pl_open_dir_at(int dirFd, const char *name)
{
    const int fd = pl_openat(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
    if (fd == -ENOTDIR)
    {
        struct stat st;
        if (fstatat(dirFd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        {
            return -ELOOP;
        }
    }
    return fd;
}

/* unlinkat of a name this process has just created, only while it still names fd's inode. */
static void pl_unlinkat_if_same(int dirFd, const char *name, int fd)
{
    struct stat byFd;
    struct stat byName;
    if (fstat(fd, &byFd) == 0 && fstatat(dirFd, name, &byName, AT_SYMLINK_NOFOLLOW) == 0 &&
        byFd.st_dev == byName.st_dev && byFd.st_ino == byName.st_ino)
    {
        unlinkat(dirFd, name, 0);
    }
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_openDirectory(
    JNIEnv *env, jclass cls, jbyteArray path)
{
    (void)cls;
    char p[PATH_MAX];
    const int rc = pl_copy_path(env, path, p);
    if (rc != 0)
    {
        return rc;
    }
    int fd;
    do
    {
        fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_openDirAt(
    JNIEnv *env, jclass cls, jint dirFd, jbyteArray name)
{
    (void)cls;
    char n[NAME_MAX + 1];
    const int rc = pl_copy_component(env, name, n);
    return rc != 0 ? rc : pl_open_dir_at(dirFd, n);
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_fstatAt(
    JNIEnv *env, jclass cls, jint dirFd, jbyteArray name, jlongArray out)
{
    (void)cls;
    char n[NAME_MAX + 1];
    const int rc = pl_copy_component(env, name, n);
    if (rc != 0)
    {
        return rc;
    }
    struct stat st;
    if (fstatat(dirFd, n, &st, AT_SYMLINK_NOFOLLOW) != 0)
    {
        return -errno;
    }
    return pl_fill_stat(env, &st, out);
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_openReadAt(
    JNIEnv *env, jclass cls, jint dirFd, jbyteArray name, jlongArray out)
{
    (void)cls;
    char n[NAME_MAX + 1];
    int rc = pl_copy_component(env, name, n);
    if (rc != 0)
    {
        return rc;
    }
    if (out == NULL || (*env)->GetArrayLength(env, out) < PL_STAT_LENGTH)
    {
        return -EINVAL;
    }
    const int fd = pl_openat(dirFd, n, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
    if (fd < 0)
    {
        return fd;
    }
    struct stat st;
    rc = fstat(fd, &st) != 0 ? -errno : pl_fill_stat(env, &st, out);
    if (rc != 0)
    {
        pl_close_fd(fd);
        return rc;
    }
    return fd;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_createExclusiveAt(
    JNIEnv *env, jclass cls, jint dirFd, jbyteArray name, jbyteArray content, jint length, jint mode, jint flags)
{
    (void)cls;
    char n[NAME_MAX + 1];
    int rc = pl_copy_component(env, name, n);
    if (rc != 0)
    {
        return rc;
    }
    if (content == NULL || length < 0 || length > (*env)->GetArrayLength(env, content))
    {
        return -EINVAL;
    }
    char stackBuf[PL_STACK_READ_MAX];
    char *buf = stackBuf;
    if (length > PL_STACK_READ_MAX)
    {
        buf = malloc((size_t)length);
        if (buf == NULL)
        {
            return -ENOMEM;
        }
    }
    (*env)->GetByteArrayRegion(env, content, 0, length, (jbyte *)buf);
    if ((*env)->ExceptionCheck(env))
    {
        rc = -EFAULT;
    }
    else
    {
        const int fd = pl_openat(dirFd, n, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
            (mode_t)(mode & 07777));
        rc = fd;
        if (fd >= 0)
        {
            int step = 0;
            if ((flags & PL_CREATE_LOCK_EXCLUSIVE) != 0)
            {
                step = pl_flock(fd, LOCK_EX | LOCK_NB);
            }
            if (step == 0)
            {
                step = pl_write_all(fd, buf, (size_t)length);
            }
            if (step == 0 && (flags & PL_CREATE_SYNC_DATA) != 0)
            {
                step = pl_fdatasync(fd);
            }
            if (step != 0)
            {
                pl_unlinkat_if_same(dirFd, n, fd);
                pl_close_fd(fd);
                rc = step;
            }
        }
    }
    if (buf != stackBuf)
    {
        free(buf);
    }
    return rc;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_linkAt(
    JNIEnv *env, jclass cls, jint oldDirFd, jbyteArray oldName, jint newDirFd, jbyteArray newName)
{
    (void)cls;
    char from[NAME_MAX + 1];
    char to[NAME_MAX + 1];
    int rc = pl_copy_component(env, oldName, from);
    if (rc == 0)
    {
        rc = pl_copy_component(env, newName, to);
    }
    if (rc != 0)
    {
        return rc;
    }
    return linkat(oldDirFd, from, newDirFd, to, 0) != 0 ? -errno : 0;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_renameAt(
    JNIEnv *env, jclass cls, jint oldDirFd, jbyteArray oldName, jint newDirFd, jbyteArray newName)
{
    (void)cls;
    char from[NAME_MAX + 1];
    char to[NAME_MAX + 1];
    int rc = pl_copy_component(env, oldName, from);
    if (rc == 0)
    {
        rc = pl_copy_component(env, newName, to);
    }
    if (rc != 0)
    {
        return rc;
    }
    return renameat(oldDirFd, from, newDirFd, to) != 0 ? -errno : 0;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_unlinkAt(
    JNIEnv *env, jclass cls, jint dirFd, jbyteArray name)
{
    (void)cls;
    char n[NAME_MAX + 1];
    const int rc = pl_copy_component(env, name, n);
    if (rc != 0)
    {
        return rc;
    }
    return unlinkat(dirFd, n, 0) != 0 ? -errno : 0;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_mkdirAt(
    JNIEnv *env, jclass cls, jint dirFd, jbyteArray name, jint mode)
{
    (void)cls;
    char n[NAME_MAX + 1];
    const int rc = pl_copy_component(env, name, n);
    if (rc != 0)
    {
        return rc;
    }
    return mkdirat(dirFd, n, (mode_t)(mode & 07777)) != 0 ? -errno : 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* walkAt: the descriptor-relative walk with a Java visitor                                       */
/*                                                                                                */
/*  W1. Iterative, with a heap stack of open directory streams: depth is bounded by the number   */
/*      of descriptors the process may open, never by the C stack or by PATH_MAX. The relative    */
/*      path lives in one growable buffer; each frame remembers its length in it.                 */
/*  W2. The start is re-opened as openat(dirFd, ".") so the walk has its own open file           */
/*      description (its own readdir offset) and the caller's descriptor is left untouched.      */
/*  W3. Sub-directories are entered only through openat(O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK)   */
/*      from the parent's descriptor: a directory replaced by a symlink after readdir is refused  */
/*      by the kernel (ELOOP / ENOTDIR) and skipped as replaced, so no rename elsewhere in the    */
/*      tree can lead the walk outside the start.                                                 */
/*  W4. ENOENT, ENOTDIR and ELOOP on a sub-directory mean it vanished or was replaced: skipped.   */
/*      Every other failure to open or read a directory goes to visitor.error and the walk goes   */
/*      on (or stops, if the visitor says so).                                                    */
/*  W5. A Java exception thrown by the visitor stops the walk at once; it is pending on return.   */
/* ---------------------------------------------------------------------------------------------- */

struct pl_bytes
{
    char *data;
    jsize len;
};

struct pl_patterns
{
    struct pl_bytes *items;
    jsize count;
};

struct pl_frame
{
    DIR *dir;
    size_t relLen;
};

struct pl_visit
{
    JNIEnv *env;
    jobject visitor;
    jmethodID match;
    jmethodID error;
    char *rel;      /* growable relative path, not NUL-terminated */
    size_t relCap;
    jint count;
    int stopped;    /* visitor returned false, or threw (W5) */
};

static void pl_free_patterns(struct pl_patterns *p)
{
    for (jsize i = 0; i < p->count; i++)
    {
        free(p->items[i].data);
    }
    free(p->items);
    p->items = NULL;
    p->count = 0;
}

/* Copies a byte[][] (null: none) of patterns. Returns 0 or -errno (-EINVAL for a null element). */
static int pl_copy_patterns(JNIEnv *env, jobjectArray arrays, struct pl_patterns *out)
{
    out->items = NULL;
    out->count = 0;
    if (arrays == NULL)
    {
        return 0;
    }
    const jsize n = (*env)->GetArrayLength(env, arrays);
    if (n == 0)
    {
        return 0;
    }
    out->items = calloc((size_t)n, sizeof(struct pl_bytes));
    if (out->items == NULL)
    {
        return -ENOMEM;
    }
    for (jsize i = 0; i < n; i++)
    {
        jbyteArray a = (jbyteArray)(*env)->GetObjectArrayElement(env, arrays, i);
        if ((*env)->ExceptionCheck(env))
        {
            pl_free_patterns(out);
            return -EFAULT;
        }
        if (a == NULL)
        {
            pl_free_patterns(out);
            return -EINVAL;
        }
        const jsize len = (*env)->GetArrayLength(env, a);
        out->items[i].data = malloc(len > 0 ? (size_t)len : 1);
        out->count = i + 1;
        if (out->items[i].data == NULL)
        {
            (*env)->DeleteLocalRef(env, a);
            pl_free_patterns(out);
            return -ENOMEM;
        }
        (*env)->GetByteArrayRegion(env, a, 0, len, (jbyte *)out->items[i].data);
        (*env)->DeleteLocalRef(env, a);
        if ((*env)->ExceptionCheck(env))
        {
            pl_free_patterns(out);
            return -EFAULT;
        }
        out->items[i].len = len;
    }
    return 0;
}

static int pl_matches_any(const char *n, size_t nl, const struct pl_patterns *suffixes,
    const struct pl_patterns *prefixes)
{
    for (jsize i = 0; i < suffixes->count; i++)
    {
        const size_t sl = (size_t)suffixes->items[i].len;
        if (nl >= sl && memcmp(n + nl - sl, suffixes->items[i].data, sl) == 0)
        {
            return 1;
        }
    }
    for (jsize i = 0; i < prefixes->count; i++)
    {
        const size_t pl = (size_t)prefixes->items[i].len;
        if (nl >= pl && memcmp(n, prefixes->items[i].data, pl) == 0)
        {
            return 1;
        }
    }
    return 0;
}

/* Sets v->rel to the first relLen bytes followed by "/name" (or "name" at the start). */
static int pl_rel_child(struct pl_visit *v, size_t relLen, const char *name, size_t nameLen, size_t *childLen)
{
    const size_t need = relLen + (relLen > 0 ? 1 : 0) + nameLen;
    if (need > (size_t)INT32_MAX)
    {
        return -ENAMETOOLONG;
    }
    if (need > v->relCap)
    {
        size_t cap = v->relCap == 0 ? 4096 : v->relCap;
        while (cap < need)
        {
            cap *= 2;
        }
        char *grown = realloc(v->rel, cap);
        if (grown == NULL)
        {
            return -ENOMEM;
        }
        v->rel = grown;
        v->relCap = cap;
    }
    char *p = v->rel + relLen;
    if (relLen > 0)
    {
        *p++ = '/';
    }
    memcpy(p, name, nameLen);
    *childLen = need;
    return 0;
}

/* Calls visitor.match (isMatch) or visitor.error with the first relLen bytes of v->rel. */
static void pl_visit_call(struct pl_visit *v, int isMatch, size_t relLen, jint arg)
{
    JNIEnv *env = v->env;
    jbyteArray path = (*env)->NewByteArray(env, (jsize)relLen);
    if (path == NULL)
    {
        v->stopped = 1; /* OutOfMemoryError pending */
        return;
    }
    if (relLen > 0)
    {
        (*env)->SetByteArrayRegion(env, path, 0, (jsize)relLen, (const jbyte *)v->rel);
    }
    jboolean goOn = JNI_FALSE;
    if (!(*env)->ExceptionCheck(env))
    {
        goOn = (*env)->CallBooleanMethod(env, v->visitor, isMatch ? v->match : v->error, path, arg);
    }
    (*env)->DeleteLocalRef(env, path);
    if ((*env)->ExceptionCheck(env) || goOn == JNI_FALSE)
    {
        v->stopped = 1;
    }
}

static unsigned char pl_type_of_mode(mode_t mode)
{
    return (unsigned char)IFTODT(mode);
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_walkAt(
    JNIEnv *env, jclass cls, jint dirFd, jobjectArray suffixArrays, jobjectArray prefixArrays, jbyteArray skipDir,
    jobject visitor)
{
    (void)cls;
    if (visitor == NULL)
    {
        return -EINVAL;
    }
    char skip[NAME_MAX + 1];
    skip[0] = '\0';
    int rc = skipDir == NULL ? 0 : pl_copy_component(env, skipDir, skip);
    if (rc != 0)
    {
        return rc;
    }
    jclass visitorClass = (*env)->GetObjectClass(env, visitor);
    const jmethodID match = (*env)->GetMethodID(env, visitorClass, "match", "([BI)Z");
    if ((*env)->ExceptionCheck(env))
    {
        (*env)->DeleteLocalRef(env, visitorClass);
        return -EINVAL;
    }
    const jmethodID error = (*env)->GetMethodID(env, visitorClass, "error", "([BI)Z");
    (*env)->DeleteLocalRef(env, visitorClass);
    if ((*env)->ExceptionCheck(env))
    {
        return -EINVAL;
    }

    struct pl_patterns suffixes;
    struct pl_patterns prefixes = { NULL, 0 };
    rc = pl_copy_patterns(env, suffixArrays, &suffixes);
    if (rc == 0)
    {
        rc = pl_copy_patterns(env, prefixArrays, &prefixes);
    }
    if (rc != 0)
    {
        pl_free_patterns(&suffixes);
        return rc;
    }

    /* W2 */
    const int startFd = pl_openat(dirFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    DIR *startDir = NULL;
    if (startFd >= 0)
    {
        startDir = fdopendir(startFd);
        if (startDir == NULL)
        {
            rc = -errno;
            pl_close_fd(startFd);
        }
    }
    else
    {
        rc = startFd;
    }
    if (rc != 0)
    {
        pl_free_patterns(&suffixes);
        pl_free_patterns(&prefixes);
        return rc;
    }

    struct pl_visit v = { env, visitor, match, error, NULL, 0, 0, 0 };
    size_t stackCap = 64;
    size_t depth = 1;
    struct pl_frame *stack = malloc(stackCap * sizeof(struct pl_frame));
    if (stack == NULL)
    {
        closedir(startDir);
        pl_free_patterns(&suffixes);
        pl_free_patterns(&prefixes);
        return -ENOMEM;
    }
    stack[0].dir = startDir;
    stack[0].relLen = 0;

    while (depth > 0 && !v.stopped && rc == 0)
    {
        struct pl_frame *top = &stack[depth - 1];
        errno = 0;
        const struct dirent *de = readdir(top->dir);
        if (de == NULL)
        {
            const int e = errno;
            if (e != 0)
            {
                pl_visit_call(&v, 0, top->relLen, e);
            }
            closedir(top->dir);
            depth--;
            continue;
        }
        const char *n = de->d_name;
        if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
        {
            continue;
        }
        const size_t nameLen = strlen(n);
        size_t childLen;
        rc = pl_rel_child(&v, top->relLen, n, nameLen, &childLen);
        if (rc != 0)
        {
            break;
        }
        unsigned char type = de->d_type;
        int vanished = 0;
        if (type == DT_UNKNOWN)
        {
            /* some file systems (xfs without ftype, some network ones) do not fill d_type */
            struct stat st;
            if (fstatat(dirfd(top->dir), n, &st, AT_SYMLINK_NOFOLLOW) == 0)
            {
                type = pl_type_of_mode(st.st_mode);
            }
            else if (errno == ENOENT)
            {
                vanished = 1;
            }
            else
            {
                pl_visit_call(&v, 0, childLen, errno);
                continue;
            }
        }
        if (pl_matches_any(n, nameLen, &suffixes, &prefixes))
        {
            v.count++;
            pl_visit_call(&v, 1, childLen, vanished ? 0 : (jint)DTTOIF(type));
            if (v.stopped)
            {
                break;
            }
        }
        if (type != DT_DIR || (skip[0] != '\0' && strcmp(n, skip) == 0))
        {
            continue;
        }
        /* W3, W4 */
        const int cfd = pl_openat(dirfd(top->dir), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
        if (cfd < 0)
        {
            if (cfd != -ENOENT && cfd != -ENOTDIR && cfd != -ELOOP)
            {
                pl_visit_call(&v, 0, childLen, -cfd);
            }
            continue;
        }
        DIR *child = fdopendir(cfd);
        if (child == NULL)
        {
            const int e = errno;
            pl_close_fd(cfd);
            pl_visit_call(&v, 0, childLen, e);
            continue;
        }
        if (depth == stackCap)
        {
            struct pl_frame *grown = realloc(stack, stackCap * 2 * sizeof(struct pl_frame));
            if (grown == NULL)
            {
                closedir(child);
                rc = -ENOMEM;
                break;
            }
            stack = grown;
            stackCap *= 2;
        }
        stack[depth].dir = child;
        stack[depth].relLen = childLen;
        depth++;
    }
    while (depth > 0)
    {
        closedir(stack[--depth].dir);
    }
    free(stack);
    free(v.rel);
    pl_free_patterns(&suffixes);
    pl_free_patterns(&prefixes);
    return rc != 0 ? rc : v.count;
}

/* ---------------------------------------------------------------------------------------------- */
/* descriptor-relative benchmark floors (ABI 5; one scope per request: ABI 6)                      */
/*                                                                                                */
/*  The lock-file store's uncontended acquire + release as `strace -f -e trace=%file,%desc,flock` */
/*  shows it since RootedFs opens one scope per request (RootedFs R3): every directory below the  */
/*  root is opened once per request, by openat(O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK) from its    */
/*  parent's descriptor (the root's, or the scope's), and its descriptor is reused for every      */
/*  later call of the request; the scope closes them all at its end. The held file's directory    */
/*  and the walked directory are fresh descriptors (RootedFs.openDir) opened from the scope's     */
/*  parent. lockSequenceAtFloor repeats exactly that, from paths relative to the root             */
/*  ("a/b/.exact.ovlock.c.HASH"; "" is the root itself, never closed). walkAtFloor (the SUBTREE   */
/*  target) opens its directory by an openat chain from the root, closing each link.              */
/* ---------------------------------------------------------------------------------------------- */

struct pl_rel
{
    char path[PATH_MAX];
    size_t dirLen;      /* bytes of the directory part (0: the root) */
    const char *name;   /* last component, inside path */
};

/* Splits a relative path into its directory part and last component. */
static int pl_rel_parse(JNIEnv *env, jbyteArray rel, struct pl_rel *out, int allowEmpty)
{
    if (rel == NULL)
    {
        return -EINVAL;
    }
    const jsize len = (*env)->GetArrayLength(env, rel);
    if (len >= PATH_MAX)
    {
        return -ENAMETOOLONG;
    }
    if (len == 0 && !allowEmpty)
    {
        return -EINVAL;
    }
    (*env)->GetByteArrayRegion(env, rel, 0, len, (jbyte *)out->path);
    if ((*env)->ExceptionCheck(env))
    {
        return -EFAULT;
    }
    out->path[len] = '\0';
    if (memchr(out->path, '\0', (size_t)len) != NULL || (len > 0 && (out->path[0] == '/' || out->path[len - 1] == '/')))
    {
        return -EINVAL;
    }
    const char *slash = strrchr(out->path, '/');
    out->dirLen = slash == NULL ? 0 : (size_t)(slash - out->path);
    out->name = slash == NULL ? out->path : slash + 1;
    return 0;
}

/* Copies a byte[][] of relative paths (null: none) into a malloc'ed array. */
static int pl_rels_copy(JNIEnv *env, jobjectArray rels, struct pl_rel **out, jsize *count)
{
    *out = NULL;
    *count = 0;
    if (rels == NULL)
    {
        return 0;
    }
    const jsize n = (*env)->GetArrayLength(env, rels);
    if (n == 0)
    {
        return 0;
    }
    struct pl_rel *a = malloc((size_t)n * sizeof(struct pl_rel));
    if (a == NULL)
    {
        return -ENOMEM;
    }
    for (jsize i = 0; i < n; i++)
    {
        jbyteArray r = (jbyteArray)(*env)->GetObjectArrayElement(env, rels, i);
        if ((*env)->ExceptionCheck(env))
        {
            free(a);
            return -EFAULT;
        }
        const int rc = pl_rel_parse(env, r, &a[i], 0);
        (*env)->DeleteLocalRef(env, r);
        if (rc != 0)
        {
            free(a);
            return rc;
        }
    }
    *out = a;
    *count = n;
    return 0;
}

/* The store's RootedFs resolution: openat chain of the first len bytes of rel from rootFd. */
static int pl_chain(int rootFd, const char *rel, size_t len)
{
    int cur = rootFd;
    size_t i = 0;
    char name[NAME_MAX + 1];
    while (i < len)
    {
        size_t j = i;
        while (j < len && rel[j] != '/')
        {
            j++;
        }
        if (j == i || j - i > NAME_MAX)
        {
            if (cur != rootFd)
            {
                pl_close_fd(cur);
            }
            return -EINVAL;
        }
        memcpy(name, rel + i, j - i);
        name[j - i] = '\0';
        const int fd = pl_openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
        if (cur != rootFd)
        {
            pl_close_fd(cur);
        }
        if (fd < 0)
        {
            return fd;
        }
        cur = fd;
        i = j + 1;
    }
    return cur;
}

static void pl_unchain(int rootFd, int fd)
{
    if (fd >= 0 && fd != rootFd)
    {
        pl_close_fd(fd);
    }
}

/*
 * One request's directory descriptors (RootedFs.Scope): relative directory path -> descriptor, each
 * directory opened once per request from its parent's (cached) descriptor, all closed at the end.
 */
#define PL_SCOPE_MAX 256
#define PL_SCOPE_ARENA 65536

struct pl_scope
{
    size_t n;
    size_t used;
    size_t off[PL_SCOPE_MAX];
    size_t len[PL_SCOPE_MAX];
    int fd[PL_SCOPE_MAX];
    char arena[PL_SCOPE_ARENA];
};

/* The descriptor of the directory made of the first len bytes of rel (the scope keeps it). */
static int pl_scope_dir(struct pl_scope *sc, int rootFd, const char *rel, size_t len)
{
    if (len == 0)
    {
        return rootFd;
    }
    for (size_t i = 0; i < sc->n; i++)
    {
        if (sc->len[i] == len && memcmp(sc->arena + sc->off[i], rel, len) == 0)
        {
            return sc->fd[i];
        }
    }
    size_t p = len;
    while (p > 0 && rel[p - 1] != '/')
    {
        p--;
    }
    const size_t nameLen = len - p;
    if (nameLen == 0 || nameLen > NAME_MAX)
    {
        return -EINVAL;
    }
    const int pfd = pl_scope_dir(sc, rootFd, rel, p == 0 ? 0 : p - 1);
    if (pfd < 0)
    {
        return pfd;
    }
    char name[NAME_MAX + 1];
    memcpy(name, rel + p, nameLen);
    name[nameLen] = '\0';
    const int fd = pl_openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
    if (fd < 0)
    {
        return fd;
    }
    if (sc->n == PL_SCOPE_MAX || sc->used + len > PL_SCOPE_ARENA)
    {
        pl_close_fd(fd);
        return -ENOMEM;
    }
    memcpy(sc->arena + sc->used, rel, len);
    sc->off[sc->n] = sc->used;
    sc->len[sc->n] = len;
    sc->fd[sc->n] = fd;
    sc->used += len;
    sc->n++;
    return fd;
}

/* RootedFs.openDir: a fresh descriptor of the directory rel (the caller closes it), parent from the scope. */
static int pl_scope_open_dir(struct pl_scope *sc, int rootFd, const char *rel)
{
    const size_t len = strlen(rel);
    if (len == 0)
    {
        return rootFd;
    }
    const char *slash = strrchr(rel, '/');
    const int pfd = pl_scope_dir(sc, rootFd, rel, slash == NULL ? 0 : (size_t)(slash - rel));
    if (pfd < 0)
    {
        return pfd;
    }
    return pl_openat(pfd, slash == NULL ? rel : slash + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
        0);
}

/* The end of the request: close(2) of every descriptor of the scope, in the order they were opened. */
static void pl_scope_close(struct pl_scope *sc)
{
    for (size_t i = 0; i < sc->n; i++)
    {
        pl_close_fd(sc->fd[i]);
    }
    sc->n = 0;
    sc->used = 0;
}

/* A lock-file check that finds nothing: openat(O_RDONLY | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW). */
static int pl_expect_absent_at(struct pl_scope *sc, int rootFd, const struct pl_rel *rels, jsize n)
{
    for (jsize i = 0; i < n; i++)
    {
        const int d = pl_scope_dir(sc, rootFd, rels[i].path, rels[i].dirLen);
        if (d < 0)
        {
            if (d == -ENOENT || d == -ENOTDIR)
            {
                continue;
            }
            return d;
        }
        const int fd = pl_openat(d, rels[i].name, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd >= 0)
        {
            pl_close_fd(fd);
            return -EEXIST;
        }
        if (fd != -ENOENT && fd != -ENOTDIR)
        {
            return fd;
        }
    }
    return 0;
}

/*
 * The walk of walkAt (W1-W4) without the Java visitor: openat(dirFd, ".") + fdopendir, readdir,
 * sub-directories through openat(O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK) + fdopendir; names matched
 * against the suffixes and prefixes are counted. Returns the count or -errno.
 */
static jlong pl_walk_at_count(int dirFd, const struct pl_patterns *suffixes, const struct pl_patterns *prefixes,
    const char *skip)
{
    const int startFd = pl_openat(dirFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (startFd < 0)
    {
        return startFd;
    }
    DIR *startDir = fdopendir(startFd);
    if (startDir == NULL)
    {
        const int e = errno;
        pl_close_fd(startFd);
        return -e;
    }
    size_t stackCap = 64;
    size_t depth = 1;
    DIR **stack = malloc(stackCap * sizeof(DIR *));
    if (stack == NULL)
    {
        closedir(startDir);
        return -ENOMEM;
    }
    stack[0] = startDir;
    jlong count = 0;
    int rc = 0;
    while (depth > 0 && rc == 0)
    {
        DIR *top = stack[depth - 1];
        errno = 0;
        const struct dirent *de = readdir(top);
        if (de == NULL)
        {
            closedir(top);
            depth--;
            continue;
        }
        const char *n = de->d_name;
        if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
        {
            continue;
        }
        const size_t nameLen = strlen(n);
        unsigned char type = de->d_type;
        if (type == DT_UNKNOWN)
        {
            struct stat st;
            if (fstatat(dirfd(top), n, &st, AT_SYMLINK_NOFOLLOW) == 0)
            {
                type = pl_type_of_mode(st.st_mode);
            }
            else
            {
                continue;
            }
        }
        if (pl_matches_any(n, nameLen, suffixes, prefixes))
        {
            count++;
        }
        if (type != DT_DIR || (skip[0] != '\0' && strcmp(n, skip) == 0))
        {
            continue;
        }
        const int cfd = pl_openat(dirfd(top), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
        if (cfd < 0)
        {
            continue;
        }
        DIR *child = fdopendir(cfd);
        if (child == NULL)
        {
            pl_close_fd(cfd);
            continue;
        }
        if (depth == stackCap)
        {
            DIR **grown = realloc(stack, stackCap * 2 * sizeof(DIR *));
            if (grown == NULL)
            {
                closedir(child);
                rc = -ENOMEM;
                break;
            }
            stack = grown;
            stackCap *= 2;
        }
        stack[depth++] = child;
    }
    while (depth > 0)
    {
        closedir(stack[--depth]);
    }
    free(stack);
    return rc != 0 ? rc : count;
}

static int pl_open_root(JNIEnv *env, jbyteArray root)
{
    char r[PATH_MAX];
    const int rc = pl_copy_path(env, root, r);
    if (rc != 0)
    {
        return rc;
    }
    return pl_openat(AT_FDCWD, r, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
}

JNIEXPORT jlong JNICALL Java_io_pathlock_nativeio_PathlockNative_walkAtFloor(
    JNIEnv *env, jclass cls, jbyteArray root, jbyteArray scanDir, jobjectArray suffixArrays, jobjectArray prefixArrays,
    jbyteArray skipDir, jint iterations)
{
    (void)cls;
    if (iterations < 0)
    {
        return -EINVAL;
    }
    struct pl_rel scan;
    char skip[NAME_MAX + 1];
    skip[0] = '\0';
    int rc = pl_rel_parse(env, scanDir, &scan, 1);
    if (rc == 0 && skipDir != NULL)
    {
        rc = pl_copy_component(env, skipDir, skip);
    }
    if (rc != 0)
    {
        return rc;
    }
    struct pl_patterns suffixes;
    struct pl_patterns prefixes = { NULL, 0 };
    rc = pl_copy_patterns(env, suffixArrays, &suffixes);
    if (rc == 0)
    {
        rc = pl_copy_patterns(env, prefixArrays, &prefixes);
    }
    const int rootFd = rc == 0 ? pl_open_root(env, root) : rc;
    jlong total = rootFd < 0 ? rootFd : 0;
    for (jint it = 0; total >= 0 && it < iterations; it++)
    {
        const int d = pl_chain(rootFd, scan.path, strlen(scan.path));
        if (d < 0)
        {
            total = d;
            break;
        }
        const jlong n = pl_walk_at_count(d, &suffixes, &prefixes, skip);
        pl_unchain(rootFd, d);
        total = n < 0 ? n : total + n;
    }
    if (rootFd >= 0)
    {
        pl_close_fd(rootFd);
    }
    pl_free_patterns(&suffixes);
    pl_free_patterns(&prefixes);
    return total;
}

JNIEXPORT jlong JNICALL Java_io_pathlock_nativeio_PathlockNative_lockSequenceAtFloor(
    JNIEnv *env, jclass cls, jbyteArray root, jobjectArray components, jobjectArray preChecks, jbyteArray tmpDir,
    jbyteArray tmpName, jbyteArray lockFile, jobjectArray postChecks, jbyteArray scanDir, jobjectArray suffixArrays,
    jobjectArray prefixArrays, jbyteArray skipDir, jbyteArray guard, jbyteArray content, jint length, jint mode,
    jint iterations)
{
    (void)cls;
    if (content == NULL || length < 0 || length > PL_STACK_READ_MAX ||
        length > (*env)->GetArrayLength(env, content) || iterations < 0)
    {
        return -EINVAL;
    }
    char data[PL_STACK_READ_MAX];
    (*env)->GetByteArrayRegion(env, content, 0, length, (jbyte *)data);
    if ((*env)->ExceptionCheck(env))
    {
        return -EFAULT;
    }
    struct pl_rel tmp;
    struct pl_rel file;
    struct pl_rel scan;
    char tname[NAME_MAX + 1];
    char skip[NAME_MAX + 1];
    char g[PATH_MAX];
    skip[0] = '\0';
    int rc = pl_rel_parse(env, tmpDir, &tmp, 0);
    if (rc == 0)
    {
        rc = pl_copy_component(env, tmpName, tname);
    }
    if (rc == 0)
    {
        rc = pl_rel_parse(env, lockFile, &file, 0);
    }
    if (rc == 0 && scanDir != NULL)
    {
        rc = pl_rel_parse(env, scanDir, &scan, 1);
    }
    if (rc == 0 && skipDir != NULL)
    {
        rc = pl_copy_component(env, skipDir, skip);
    }
    if (rc == 0)
    {
        rc = pl_copy_path(env, guard, g);
    }
    if (rc != 0)
    {
        return rc;
    }
    struct pl_rel *cs = NULL;
    struct pl_rel *pre = NULL;
    struct pl_rel *post = NULL;
    jsize ncs = 0;
    jsize npre = 0;
    jsize npost = 0;
    struct pl_patterns suffixes = { NULL, 0 };
    struct pl_patterns prefixes = { NULL, 0 };
    rc = pl_rels_copy(env, components, &cs, &ncs);
    if (rc == 0)
    {
        rc = pl_rels_copy(env, preChecks, &pre, &npre);
    }
    if (rc == 0)
    {
        rc = pl_rels_copy(env, postChecks, &post, &npost);
    }
    if (rc == 0)
    {
        rc = pl_copy_patterns(env, suffixArrays, &suffixes);
    }
    if (rc == 0)
    {
        rc = pl_copy_patterns(env, prefixArrays, &prefixes);
    }
    int rootFd = -1;
    int gfd = -1;
    if (rc == 0)
    {
        rootFd = pl_open_root(env, root);
        rc = rootFd < 0 ? rootFd : 0;
    }
    if (rc == 0)
    {
        gfd = pl_openat(AT_FDCWD, g, O_RDONLY | O_CLOEXEC, 0);
        rc = gfd < 0 ? gfd : 0;
    }
    struct pl_scope *sc = NULL;
    if (rc == 0)
    {
        sc = malloc(sizeof(struct pl_scope));
        if (sc == NULL)
        {
            rc = -ENOMEM;
        }
        else
        {
            sc->n = 0;
            sc->used = 0;
        }
    }
    const size_t tmpLen = strlen(tmp.path);
    const size_t fileDirLen = file.dirLen;
    struct stat st;
    for (jint it = 0; rc == 0 && it < iterations; it++)
    {
        /* one scope per request: every directory below is opened once and kept until step 9 */
        /* 1. each component: fstatat(parent, name, AT_SYMLINK_NOFOLLOW) */
        for (jsize i = 0; rc == 0 && i < ncs; i++)
        {
            const int d = pl_scope_dir(sc, rootFd, cs[i].path, cs[i].dirLen);
            if (d < 0)
            {
                rc = d;
            }
            else if (fstatat(d, cs[i].name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            {
                rc = -errno;
            }
        }
        /* 2. pre-checks */
        if (rc == 0)
        {
            rc = pl_expect_absent_at(sc, rootFd, pre, npre);
        }
        if (rc != 0)
        {
            pl_scope_close(sc);
            break;
        }
        /* 3. exclusive create in tmp: openat(O_CREAT | O_EXCL | O_NOFOLLOW), flock, write, fstat */
        const int td = pl_scope_dir(sc, rootFd, tmp.path, tmpLen);
        if (td < 0)
        {
            pl_scope_close(sc);
            rc = td;
            break;
        }
        const int fd = pl_openat(td, tname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
            (mode_t)(mode & 07777));
        if (fd < 0)
        {
            pl_scope_close(sc);
            rc = fd;
            break;
        }
        rc = pl_flock(fd, LOCK_EX | LOCK_NB);
        if (rc == 0)
        {
            rc = pl_write_all(fd, data, (size_t)length);
        }
        if (rc == 0 && fstat(fd, &st) != 0)
        {
            rc = -errno;
        }
        /* 4. linkat(tmp dir, name, lock dir, lock name), both from the scope */
        int held = -1;
        if (rc == 0)
        {
            const int ld = pl_scope_dir(sc, rootFd, file.path, fileDirLen);
            if (ld < 0)
            {
                rc = ld;
            }
            else if (linkat(td, tname, ld, file.name, 0) != 0)
            {
                rc = -errno;
            }
        }
        /* 5. unlinkat of the temporary name */
        unlinkat(td, tname, 0);
        /* 6. the held file keeps its own descriptor of its directory (openDir: fresh, not the scope's) */
        if (rc == 0)
        {
            file.path[fileDirLen] = '\0';
            held = pl_scope_open_dir(sc, rootFd, fileDirLen == 0 ? "" : file.path);
            if (fileDirLen > 0)
            {
                file.path[fileDirLen] = '/';
            }
            rc = held < 0 ? held : 0;
        }
        /* 7. SUBTREE: the walk of walkAt below the scan directory (openDir: fresh; only the file just linked) */
        if (rc == 0 && scanDir != NULL)
        {
            const int sd = pl_scope_open_dir(sc, rootFd, scan.path);
            if (sd < 0)
            {
                rc = sd;
            }
            else
            {
                const jlong n = pl_walk_at_count(sd, &suffixes, &prefixes, skip);
                pl_unchain(rootFd, sd);
                rc = n < 0 ? (int)n : (n != 1 ? -EEXIST : 0);
            }
        }
        /* 8. post-checks */
        if (rc == 0)
        {
            rc = pl_expect_absent_at(sc, rootFd, post, npost);
        }
        /* the request's scope ends */
        pl_scope_close(sc);
        /* 9. release: flock(guard, LOCK_EX | LOCK_NB), fstatat, unlinkat, flock(LOCK_UN), close x2 */
        if (held >= 0)
        {
            int r2 = pl_flock(gfd, LOCK_EX | LOCK_NB);
            if (r2 == 0)
            {
                if (fstatat(held, file.name, &st, AT_SYMLINK_NOFOLLOW) != 0 || unlinkat(held, file.name, 0) != 0)
                {
                    r2 = -errno;
                }
                pl_flock(gfd, LOCK_UN);
            }
            if (rc == 0)
            {
                rc = r2;
            }
        }
        pl_close_fd(fd);
        pl_unchain(rootFd, held);
    }
    free(sc);
    if (gfd >= 0)
    {
        pl_close_fd(gfd);
    }
    if (rootFd >= 0)
    {
        pl_close_fd(rootFd);
    }
    free(cs);
    free(pre);
    free(post);
    pl_free_patterns(&suffixes);
    pl_free_patterns(&prefixes);
    return rc != 0 ? rc : iterations;
}

/* ---------------------------------------------------------------------------------------------- */
/* processes: the keeper of `pathlock run` and the signal relay (ABI 7)                           */
/* ---------------------------------------------------------------------------------------------- */

/* Copies a byte[][] into a NULL-terminated array of malloc'ed C strings. Returns 0 or -errno. */
static int pl_copy_strings(JNIEnv *env, jobjectArray arrays, char ***out)
{
    *out = NULL;
    if (arrays == NULL)
    {
        return -EINVAL;
    }
    const jsize n = (*env)->GetArrayLength(env, arrays);
    char **v = calloc((size_t)n + 1, sizeof(char *));
    if (v == NULL)
    {
        return -ENOMEM;
    }
    for (jsize i = 0; i < n; i++)
    {
        jbyteArray a = (jbyteArray)(*env)->GetObjectArrayElement(env, arrays, i);
        if ((*env)->ExceptionCheck(env) || a == NULL)
        {
            *out = v;
            return -EINVAL;
        }
        const jsize len = (*env)->GetArrayLength(env, a);
        v[i] = malloc((size_t)len + 1);
        if (v[i] == NULL)
        {
            (*env)->DeleteLocalRef(env, a);
            *out = v;
            return -ENOMEM;
        }
        (*env)->GetByteArrayRegion(env, a, 0, len, (jbyte *)v[i]);
        (*env)->DeleteLocalRef(env, a);
        if ((*env)->ExceptionCheck(env))
        {
            *out = v;
            return -EFAULT;
        }
        v[i][len] = '\0';
        if (memchr(v[i], '\0', (size_t)len) != NULL)
        {
            *out = v;
            return -EINVAL;
        }
    }
    *out = v;
    return 0;
}

static void pl_free_strings(char **v)
{
    if (v != NULL)
    {
        for (char **p = v; *p != NULL; p++)
        {
            free(*p);
        }
        free(v);
    }
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_socketPair(JNIEnv *env, jclass cls, jintArray out)
{
    (void)cls;
    if (out == NULL || (*env)->GetArrayLength(env, out) < 2)
    {
        return -EINVAL;
    }
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
    {
        return -errno;
    }
    const jint v[2] = {fds[0], fds[1]};
    (*env)->SetIntArrayRegion(env, out, 0, 2, v);
    if ((*env)->ExceptionCheck(env))
    {
        pl_close_fd(fds[0]);
        pl_close_fd(fds[1]);
        return -EFAULT;
    }
    return 0;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_spawnKeeper(
    JNIEnv *env, jclass cls, jbyteArray exe, jobjectArray argv, jobjectArray envp, jint ctlFd)
{
    (void)cls;
    char path[PATH_MAX];
    int rc = pl_copy_path(env, exe, path);
    if (rc != 0)
    {
        return rc;
    }
    char **av = NULL;
    char **ev = NULL;
    rc = pl_copy_strings(env, argv, &av);
    if (rc == 0)
    {
        rc = pl_copy_strings(env, envp, &ev);
    }
    /* The keeper's end is the one descriptor it inherits: a copy without FD_CLOEXEC. */
    const int inherited = rc == 0 ? fcntl(ctlFd, F_DUPFD, 3) : -1;
    if (rc == 0 && inherited < 0)
    {
        rc = -errno;
    }
    if (rc == 0)
    {
        char number[16];
        snprintf(number, sizeof number, "%d", inherited);
        free(av[1]);
        av[1] = strdup(number);
        if (av[1] == NULL)
        {
            rc = -ENOMEM;
        }
    }
    pid_t pid = -1;
    if (rc == 0)
    {
        posix_spawnattr_t attr;
        sigset_t none;
        sigemptyset(&none);
        posix_spawnattr_init(&attr);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
        const int e = posix_spawn(&pid, path, NULL, &attr, av, ev);
        posix_spawnattr_destroy(&attr);
        rc = e == 0 ? (jint)pid : -e;
    }
    if (inherited >= 0)
    {
        pl_close_fd(inherited);
    }
    pl_free_strings(av);
    pl_free_strings(ev);
    return rc;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_sendMessage(
    JNIEnv *env, jclass cls, jint sock, jbyteArray message, jint fd)
{
    (void)cls;
    char buf[256];
    const jsize len = message == NULL ? -1 : (*env)->GetArrayLength(env, message);
    if (len <= 0 || len > (jsize)sizeof buf)
    {
        return -EINVAL;
    }
    (*env)->GetByteArrayRegion(env, message, 0, len, (jbyte *)buf);
    if ((*env)->ExceptionCheck(env))
    {
        return -EFAULT;
    }
    struct iovec iov = {.iov_base = buf, .iov_len = (size_t)len};
    union
    {
        struct cmsghdr align;
        char bytes[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (fd >= 0)
    {
        memset(&control, 0, sizeof control);
        msg.msg_control = control.bytes;
        msg.msg_controllen = sizeof control.bytes;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    ssize_t n;
    do
    {
        n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : (jint)n;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_read(JNIEnv *env, jclass cls, jint fd, jbyteArray dst)
{
    (void)cls;
    char buf[256];
    const jsize cap = dst == NULL ? 0 : (*env)->GetArrayLength(env, dst);
    if (cap <= 0)
    {
        return -EINVAL;
    }
    ssize_t n;
    do
    {
        n = read(fd, buf, (size_t)(cap < (jsize)sizeof buf ? cap : (jsize)sizeof buf));
    } while (n < 0 && errno == EINTR);
    if (n < 0)
    {
        return -errno;
    }
    (*env)->SetByteArrayRegion(env, dst, 0, (jsize)n, (const jbyte *)buf);
    return (*env)->ExceptionCheck(env) ? -EFAULT : (jint)n;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_waitPid(JNIEnv *env, jclass cls, jint pid)
{
    (void)env;
    (void)cls;
    int status;
    pid_t r;
    do
    {
        r = waitpid(pid, &status, 0);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : (jint)status;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_kill(JNIEnv *env, jclass cls, jint pid, jint sig)
{
    (void)env;
    (void)cls;
    if (pid <= 0)
    {
        return -EINVAL; /* never a process group or every process */
    }
    return kill(pid, sig) == 0 ? 0 : -errno;
}

/*
 * The signal relay: while installed, SIGTERM/SIGINT/SIGHUP (those given) do not end the JVM; each
 * delivery writes {signo, si_code, si_pid} (three native ints) to a pipe that a Java thread reads.
 * A signal that was ignored when the relay was installed stays ignored (nohup). Only one relay per
 * process; the handler uses only write(2), which is async-signal-safe.
 */
static int pl_relay_pipe[2] = {-1, -1};
static struct sigaction pl_relay_old[NSIG];
static unsigned char pl_relay_installed[NSIG];

static void pl_relay_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    const int saved = errno;
    const int32_t rec[3] = {sig, si == NULL ? 0 : si->si_code, si == NULL ? 0 : (int32_t)si->si_pid};
    (void)!write(pl_relay_pipe[1], rec, sizeof rec);
    errno = saved;
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_signalRelayInstall(
    JNIEnv *env, jclass cls, jintArray signals, jintArray installed)
{
    (void)cls;
    if (signals == NULL || installed == NULL || pl_relay_pipe[0] >= 0)
    {
        return pl_relay_pipe[0] >= 0 ? -EBUSY : -EINVAL;
    }
    const jsize n = (*env)->GetArrayLength(env, signals);
    if (n > 8 || (*env)->GetArrayLength(env, installed) < n)
    {
        return -EINVAL;
    }
    jint sigs[8];
    jint done[8] = {0};
    (*env)->GetIntArrayRegion(env, signals, 0, n, sigs);
    if ((*env)->ExceptionCheck(env))
    {
        return -EFAULT;
    }
    if (pipe2(pl_relay_pipe, O_CLOEXEC) != 0)
    {
        return -errno;
    }
    for (jsize i = 0; i < n; i++)
    {
        const int s = sigs[i];
        if (s <= 0 || s >= NSIG)
        {
            continue;
        }
        struct sigaction old;
        if (sigaction(s, NULL, &old) != 0 || old.sa_handler == SIG_IGN)
        {
            continue;
        }
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = pl_relay_handler;
        sa.sa_flags = SA_SIGINFO | SA_RESTART;
        sigemptyset(&sa.sa_mask);
        if (sigaction(s, &sa, &pl_relay_old[s]) == 0)
        {
            pl_relay_installed[s] = 1;
            done[i] = 1;
        }
    }
    (*env)->SetIntArrayRegion(env, installed, 0, n, done);
    return pl_relay_pipe[0];
}

JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_signalRelayRemove(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    for (int s = 1; s < NSIG; s++)
    {
        if (pl_relay_installed[s])
        {
            sigaction(s, &pl_relay_old[s], NULL);
            pl_relay_installed[s] = 0;
        }
    }
    if (pl_relay_pipe[1] >= 0)
    {
        /* Closing the write end ends the reader's read with end of file; it closes the read end. */
        pl_close_fd(pl_relay_pipe[1]);
        pl_relay_pipe[1] = -1;
        pl_relay_pipe[0] = -1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* futex on a shared mapping: the host lock table's wake stripes (ABI 8)                          */
/* ---------------------------------------------------------------------------------------------- */

/*
 * FUTEX_WAIT on a 32-bit word of a MAP_SHARED mapping. Not FUTEX_PRIVATE_FLAG: the waker is another
 * process mapping the same file, and the kernel keys a shared futex by (inode, offset). Returns 0
 * when woken (or spuriously), -EAGAIN when the word no longer holds `expected`, -ETIMEDOUT, or
 * -EINTR (a signal: the caller re-checks and waits again, so it is not retried here).
 */
JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_futexWait(
    JNIEnv *env, jclass cls, jlong address, jint expected, jlong timeoutNanos)
{
    (void)env;
    (void)cls;
    if (address == 0 || (address & 3) != 0)
    {
        return -EINVAL;
    }
    struct timespec ts;
    struct timespec *tp = NULL;
    if (timeoutNanos >= 0)
    {
        ts.tv_sec = (time_t)(timeoutNanos / 1000000000LL);
        ts.tv_nsec = (long)(timeoutNanos % 1000000000LL);
        tp = &ts;
    }
    long rc = syscall(SYS_futex, (uint32_t *)(intptr_t)address, FUTEX_WAIT, (uint32_t)expected, tp, NULL, 0);
    return rc == 0 ? 0 : -errno;
}

/* FUTEX_WAKE of at most `count` waiters of a shared word. Returns how many were woken, or -errno. */
JNIEXPORT jint JNICALL Java_io_pathlock_nativeio_PathlockNative_futexWake(
    JNIEnv *env, jclass cls, jlong address, jint count)
{
    (void)env;
    (void)cls;
    if (address == 0 || (address & 3) != 0)
    {
        return -EINVAL;
    }
    long rc = syscall(SYS_futex, (uint32_t *)(intptr_t)address, FUTEX_WAKE, count, NULL, NULL, 0);
    return rc >= 0 ? (jint)rc : -errno;
}
