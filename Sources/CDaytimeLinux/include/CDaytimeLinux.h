// Linux calls that Swift's Glibc module does not export (glibc declares them only under
// _GNU_SOURCE) and wrappers around macros Swift cannot call. Nothing here has logic of its own.
#ifndef C_DAYTIME_LINUX_H
#define C_DAYTIME_LINUX_H

#ifdef __linux__
#include <sched.h>
#include <netinet/in.h>
#include <sys/socket.h>

/// The number of CPUs this process may run on (its affinity mask), or 0 if unknown.
/// Under `taskset -c 0` this is 1, where sysconf would still say every core.
int c_daytime_available_cpus(void);

/// `accept4(2)`, which glibc declares only under _GNU_SOURCE.
int c_daytime_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);

/// `struct mmsghdr`, which glibc declares only under _GNU_SOURCE; same layout (checked in shims.c).
struct c_daytime_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};

/// `MSG_WAITFORONE` (glibc: _GNU_SOURCE only): block for the first datagram, then take what is queued.
#define C_DAYTIME_MSG_WAITFORONE 0x10000

/// `recvmmsg(2)`: receive up to `count` datagrams in one call.
int c_daytime_recvmmsg(int fd, struct c_daytime_mmsghdr *messages, unsigned int count, int flags);

/// `sendmmsg(2)`: send up to `count` datagrams in one call; returns how many were sent.
int c_daytime_sendmmsg(int fd, struct c_daytime_mmsghdr *messages, unsigned int count, int flags);

/// Names the calling thread (15 characters at most), for `top -H` and debuggers.
void c_daytime_set_thread_name(const char *name);
#endif

#endif
