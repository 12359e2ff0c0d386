/*
 * pathlock-keeper: the process that keeps `pathlock run`'s lock files flocked for as long as the
 * command runs, even when the pathlock JVM that took the locks dies (kill -9), as flock(1) does by
 * letting its child inherit the locked descriptor.
 *
 *   pathlock-keeper CTLFD COMMAND [ARG...]
 *
 * The JVM starts this program (PathlockNative.spawnKeeper) with one inherited descriptor, CTLFD, one
 * end of a SOCK_SEQPACKET socket pair; every other descriptor above 2 is closed first thing. Messages
 * (text, one per packet):
 *
 *   JVM -> keeper   "A <id>" + one descriptor (SCM_RIGHTS)  hold this descriptor under id; an id
 *                                                            already held is replaced (its old
 *                                                            descriptor closed)
 *                   "R <id>"                                close the descriptor held under id
 *                   "G"                                     start COMMAND (sent once every lock
 *                                                            file descriptor has been added)
 *                   "K <signal>"                            send signal to COMMAND while it runs
 *   keeper -> JVM   "S <pid>"                               COMMAND started
 *                   "E <errno>"                             COMMAND could not be executed
 *                   "X <wait status>"                       COMMAND ended (raw waitpid status)
 *
 * Invariants:
 *
 *  K1. The keeper starts COMMAND only after "G": every descriptor the JVM added before it is held by
 *      the keeper (a descriptor in flight in the socket is kept open by the socket itself), so the
 *      flock of every lock file lives at least as long as COMMAND, whatever happens to the JVM.
 *  K2. The keeper exits only after COMMAND has ended (or never started). Its descriptors close with
 *      it, so lock files the JVM could not release (it died) become un-flocked, and the next
 *      pathlock acquirer takes them over at once.
 *  K3. COMMAND inherits no lock file descriptor and no control socket: only 0, 1 and 2, the
 *      environment and the signal dispositions of the keeper as it was started (a signal ignored by
 *      the caller, as under nohup, stays ignored).
 *  K4. SIGTERM, SIGINT and SIGHUP sent to the keeper by a process are forwarded to COMMAND; those the
 *      kernel generates for the terminal's foreground process group (Ctrl-C, hang-up) are not, because
 *      COMMAND, in the same group, received them itself (sudo's rule). The keeper never dies of them.
 *  K5. If the JVM goes away (end of file on CTLFD) the keeper carries on holding what it holds until
 *      COMMAND ends; before "G" it exits without starting COMMAND.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PK_MAX_HELD 4096
#define PK_MSG_MAX 64

struct pk_held
{
    long id;
    int fd;
};

static struct pk_held held[PK_MAX_HELD];
static int heldCount;

/* Closes every descriptor above 2 except keep (K3 starts here: nothing the JVM leaked survives). */
static void pk_close_others(int keep)
{
    const int low = keep > 3 ? close_range(3, (unsigned)keep - 1, 0) : 0;
    const int high = close_range((unsigned)keep + 1, ~0U, 0);
    if (low == 0 && high == 0)
    {
        return;
    }
    /* A kernel older than 5.9 has no close_range: close what /proc lists. */
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
    {
        return;
    }
    const int self = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
    {
        const int fd = atoi(e->d_name);
        if (fd > 2 && fd != keep && fd != self)
        {
            close(fd);
        }
    }
    closedir(d);
}

static void pk_send(int ctl, const char *type, long value)
{
    if (ctl < 0)
    {
        return;
    }
    char buf[PK_MSG_MAX];
    const int n = snprintf(buf, sizeof buf, "%s %ld", type, value);
    /* The JVM may be gone (K5): nothing to do about a failed send. */
    (void)!send(ctl, buf, (size_t)n, MSG_NOSIGNAL);
}

static void pk_hold(long id, int fd)
{
    for (int i = 0; i < heldCount; i++)
    {
        if (held[i].id == id)
        {
            close(held[i].fd);
            held[i].fd = fd;
            return;
        }
    }
    if (heldCount == PK_MAX_HELD)
    {
        /* Cannot happen with a lock request of sane size; dropping it would break K1 silently. */
        fprintf(stderr, "pathlock-keeper: more than %d lock files\n", PK_MAX_HELD);
        close(fd);
        return;
    }
    held[heldCount].id = id;
    held[heldCount].fd = fd;
    heldCount++;
}

static void pk_unhold(long id)
{
    for (int i = 0; i < heldCount; i++)
    {
        if (held[i].id == id)
        {
            close(held[i].fd);
            held[i] = held[--heldCount];
            return;
        }
    }
}

/*
 * Reads one control message. Returns 1 for a message (type in *type, number in *value, descriptor
 * or -1 in *fd), 0 at end of file, -1 on an error that ends the control channel.
 */
static int pk_receive(int ctl, char *type, long *value, int *fd)
{
    char buf[PK_MSG_MAX];
    union
    {
        struct cmsghdr align;
        char bytes[CMSG_SPACE(sizeof(int) * 16)];
    } control;
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf - 1};
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.bytes;
    msg.msg_controllen = sizeof control.bytes;
    ssize_t n;
    do
    {
        n = recvmsg(ctl, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n <= 0)
    {
        return n == 0 ? 0 : -1;
    }
    buf[n] = '\0';
    *fd = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
    {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
        {
            const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            int fds[16];
            memcpy(fds, CMSG_DATA(c), count * sizeof(int));
            for (size_t i = 0; i < count; i++)
            {
                if (*fd < 0)
                {
                    *fd = fds[i];
                }
                else
                {
                    close(fds[i]);
                }
            }
        }
    }
    *type = buf[0];
    *value = n > 2 ? strtol(buf + 2, NULL, 10) : 0;
    return 1;
}

/* Starts COMMAND (K3). Returns its pid, or -errno when it could not be executed. */
static pid_t pk_start(int ctl, int sigFd, char **argv, const sigset_t *oldMask)
{
    int errPipe[2];
    if (pipe2(errPipe, O_CLOEXEC) != 0)
    {
        return -errno;
    }
    const pid_t pid = fork();
    if (pid < 0)
    {
        const int e = errno;
        close(errPipe[0]);
        close(errPipe[1]);
        return -e;
    }
    if (pid == 0)
    {
        close(ctl);
        close(sigFd);
        close(errPipe[0]);
        for (int i = 0; i < heldCount; i++)
        {
            close(held[i].fd);
        }
        sigprocmask(SIG_SETMASK, oldMask, NULL);
        execvp(argv[0], argv);
        int e = errno;
        (void)!write(errPipe[1], &e, sizeof e);
        _exit(127);
    }
    close(errPipe[1]);
    int e = 0;
    ssize_t n;
    do
    {
        n = read(errPipe[0], &e, sizeof e);
    } while (n < 0 && errno == EINTR);
    close(errPipe[0]);
    if (n == (ssize_t)sizeof e)
    {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        {
        }
        return -(e == 0 ? ENOEXEC : e);
    }
    return pid;
}

int main(int argc, char **argv)
{
    if (argc < 3)
    {
        fprintf(stderr, "usage: pathlock-keeper CTLFD COMMAND [ARG...] (started by pathlock run)\n");
        return 64;
    }
    char *end;
    const long ctlArg = strtol(argv[1], &end, 10);
    if (*end != '\0' || ctlArg < 3 || ctlArg > INT_MAX)
    {
        fprintf(stderr, "pathlock-keeper: bad control descriptor %s\n", argv[1]);
        return 64;
    }
    int ctl = (int)ctlArg;
    pk_close_others(ctl);
    fcntl(ctl, F_SETFD, FD_CLOEXEC);

    sigset_t mask;
    sigset_t oldMask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    const int relayed[] = {SIGTERM, SIGINT, SIGHUP};
    for (size_t i = 0; i < sizeof relayed / sizeof relayed[0]; i++)
    {
        struct sigaction sa;
        /* An ignored signal stays ignored (K3): it is never delivered, so it needs no relay. */
        if (sigaction(relayed[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
        {
            sigaddset(&mask, relayed[i]);
        }
    }
    sigprocmask(SIG_BLOCK, &mask, &oldMask);
    const int sigFd = signalfd(-1, &mask, SFD_CLOEXEC);
    if (sigFd < 0)
    {
        pk_send(ctl, "E", errno);
        return 70;
    }

    pid_t child = 0;
    /* Before "G" only descriptors and "G" itself are accepted (K1, K5). */
    while (child == 0)
    {
        char type;
        long value;
        int fd;
        const int r = pk_receive(ctl, &type, &value, &fd);
        if (r <= 0)
        {
            return 0;
        }
        if (type == 'A' && fd >= 0)
        {
            pk_hold(value, fd);
        }
        else if (fd >= 0)
        {
            close(fd);
        }
        if (type == 'R')
        {
            pk_unhold(value);
        }
        else if (type == 'G')
        {
            child = pk_start(ctl, sigFd, argv + 2, &oldMask);
            if (child < 0)
            {
                pk_send(ctl, "E", -child);
                return 0;
            }
            pk_send(ctl, "S", child);
        }
    }

    for (;;)
    {
        struct pollfd fds[2] = {{.fd = sigFd, .events = POLLIN}, {.fd = ctl, .events = POLLIN}};
        const int n = poll(fds, ctl >= 0 ? 2 : 1, -1);
        if (n < 0)
        {
            if (errno == EINTR)
            {
                continue;
            }
            /* Cannot wait any more: wait for COMMAND blocking, then end (K2). */
            int status = 0;
            while (waitpid(child, &status, 0) < 0 && errno == EINTR)
            {
            }
            pk_send(ctl, "X", status);
            return 0;
        }
        if (fds[0].revents & POLLIN)
        {
            struct signalfd_siginfo si;
            if (read(sigFd, &si, sizeof si) == (ssize_t)sizeof si)
            {
                if (si.ssi_signo == SIGCHLD)
                {
                    int status;
                    const pid_t w = waitpid(child, &status, WNOHANG);
                    if (w == child)
                    {
                        pk_send(ctl, "X", status);
                        return 0;
                    }
                }
                else if (si.ssi_code <= 0 && (pid_t)si.ssi_pid != child)
                {
                    /* Sent by a process (SI_USER, SI_QUEUE, SI_TKILL): forward it (K4). */
                    kill(child, (int)si.ssi_signo);
                }
            }
        }
        if (ctl >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
        {
            char type;
            long value;
            int fd;
            const int r = pk_receive(ctl, &type, &value, &fd);
            if (r <= 0)
            {
                /* The JVM is gone: keep holding until COMMAND ends (K5). */
                close(ctl);
                ctl = -1;
                continue;
            }
            if (type == 'A' && fd >= 0)
            {
                pk_hold(value, fd);
            }
            else
            {
                if (fd >= 0)
                {
                    close(fd);
                }
                if (type == 'R')
                {
                    pk_unhold(value);
                }
                else if (type == 'K' && value > 0 && value < NSIG)
                {
                    kill(child, (int)value);
                }
            }
        }
    }
}
