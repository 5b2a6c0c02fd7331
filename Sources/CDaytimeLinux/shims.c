// Wrappers for glibc macros that Swift cannot call (CPU_COUNT needs _GNU_SOURCE).
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>

#include "CDaytimeLinux.h"

#include <stddef.h>

_Static_assert(sizeof(struct c_daytime_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");
_Static_assert(offsetof(struct c_daytime_mmsghdr, msg_len) == offsetof(struct mmsghdr, msg_len), "mmsghdr layout");
_Static_assert(C_DAYTIME_MSG_WAITFORONE == MSG_WAITFORONE, "MSG_WAITFORONE");

int c_daytime_available_cpus(void) {
#ifdef __linux__
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) {
        return 0;
    }
    return CPU_COUNT(&set);
#else
    return 0;
#endif
}

int c_daytime_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) {
    return accept4(fd, address, length, flags);
}

void c_daytime_set_thread_name(const char *name) {
#ifdef __linux__
    pthread_setname_np(pthread_self(), name);
#endif
}

int c_daytime_recvmmsg(int fd, struct c_daytime_mmsghdr *messages, unsigned int count, int flags) {
    return recvmmsg(fd, (struct mmsghdr *)messages, count, flags, NULL);
}

int c_daytime_sendmmsg(int fd, struct c_daytime_mmsghdr *messages, unsigned int count, int flags) {
    return sendmmsg(fd, (struct mmsghdr *)messages, count, flags);
}
