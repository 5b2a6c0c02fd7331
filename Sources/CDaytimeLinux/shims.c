// Wrappers for glibc macros that Swift cannot call (CPU_COUNT needs _GNU_SOURCE).
#define _GNU_SOURCE
#include <pthread.h>
#include <spawn.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

#include "CDaytimeLinux.h"

#include <netinet/in.h>
#include <linux/filter.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/timex.h>
#endif

_Static_assert(sizeof(struct c_daytime_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");
_Static_assert(offsetof(struct c_daytime_mmsghdr, msg_len) == offsetof(struct mmsghdr, msg_len), "mmsghdr layout");
_Static_assert(C_DAYTIME_MSG_WAITFORONE == MSG_WAITFORONE, "MSG_WAITFORONE");
#ifdef __linux__
_Static_assert(C_DAYTIME_STA_UNSYNC == STA_UNSYNC, "STA_UNSYNC");
_Static_assert(C_DAYTIME_TIME_ERROR == TIME_ERROR, "TIME_ERROR");
#endif

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

int c_daytime_enable_packet_info(int fd, int family) {
    int on = 1;
    if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) != 0 && family == AF_INET) {
        return -1;
    }
    if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) != 0) {
        return -1;
    }
    return 0;
}

unsigned long c_daytime_packet_info_space(void) {
    size_t v4 = CMSG_SPACE(sizeof(struct in_pktinfo));
    size_t v6 = CMSG_SPACE(sizeof(struct in6_pktinfo));
    return v4 > v6 ? v4 : v6;
}

int c_daytime_enable_receive_timestamps(int fd) {
    int on = 1;
    return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
}

int c_daytime_refuse_new_peers(int fd, int tcp) {
    // A TCP socket's filter sees the segment from its TCP header on (the flags are byte 13).
    struct sock_filter synOnly[] = {
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),
        BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x02, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0),
        BPF_STMT(BPF_RET | BPF_K, 0xFFFFFFFF),
    };
    struct sock_filter everything[] = {
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    struct sock_fprog program = tcp
        ? (struct sock_fprog){ .len = sizeof(synOnly) / sizeof(synOnly[0]), .filter = synOnly }
        : (struct sock_fprog){ .len = 1, .filter = everything };
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program));
}

unsigned long c_daytime_receive_timestamp_space(void) {
    return CMSG_SPACE(sizeof(struct timespec));
}

/// The first control message of `level` and `type` among the `length` bytes at `received`, or NULL.
static inline const struct cmsghdr *c_daytime_find_control(const void *received, unsigned long length, int level, int type) {
    struct msghdr in = {0};
    in.msg_control = (void *)received;
    in.msg_controllen = length;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&in); c != NULL; c = CMSG_NXTHDR(&in, c)) {
        if (c->cmsg_level == level && c->cmsg_type == type) {
            return c;
        }
    }
    return NULL;
}

/// Writes one control message of `level` and `type` carrying the `size` bytes at `data` into
/// `reply`; returns the space it takes.
static inline unsigned long c_daytime_write_control(void *reply, int level, int type, const void *data, size_t size) {
    struct cmsghdr *out = reply;
    out->cmsg_level = level;
    out->cmsg_type = type;
    out->cmsg_len = CMSG_LEN(size);
    memcpy(CMSG_DATA(out), data, size);
    return CMSG_SPACE(size);
}

int c_daytime_receive_timestamp(const void *received, unsigned long receivedLength, int64_t *seconds, int32_t *nanoseconds) {
    const struct cmsghdr *c = c_daytime_find_control(received, receivedLength, SOL_SOCKET, SCM_TIMESTAMPNS);
    if (c == NULL) {
        return 0;
    }
    struct timespec stamp;
    memcpy(&stamp, CMSG_DATA(c), sizeof(stamp));
    *seconds = stamp.tv_sec;
    *nanoseconds = (int32_t)stamp.tv_nsec;
    return 1;
}

unsigned long c_daytime_reply_packet_info(const void *received, unsigned long receivedLength, void *reply) {
    const struct cmsghdr *c = c_daytime_find_control(received, receivedLength, IPPROTO_IP, IP_PKTINFO);
    if (c != NULL) {
        struct in_pktinfo info;
        memcpy(&info, CMSG_DATA(c), sizeof(info));
        struct in_pktinfo answer = {0};
        answer.ipi_spec_dst = info.ipi_addr;  // the address the client asked becomes our source
        return c_daytime_write_control(reply, IPPROTO_IP, IP_PKTINFO, &answer, sizeof(answer));
    }
    c = c_daytime_find_control(received, receivedLength, IPPROTO_IPV6, IPV6_PKTINFO);
    if (c != NULL) {
        // Same address, same interface (needed for link-local addresses).
        return c_daytime_write_control(reply, IPPROTO_IPV6, IPV6_PKTINFO, CMSG_DATA(c), sizeof(struct in6_pktinfo));
    }
    return 0;
}

static volatile unsigned int c_daytime_target_uid;
static volatile unsigned int c_daytime_target_gid;

static void c_daytime_credentials_handler(int signal) {
    (void)signal;
    int saved = errno;
    // The raw calls change only this thread; glibc's wrappers would signal every thread again.
    syscall(SYS_setgroups, 0, NULL);
    syscall(SYS_setresgid, c_daytime_target_gid, c_daytime_target_gid, c_daytime_target_gid);
    syscall(SYS_setresuid, c_daytime_target_uid, c_daytime_target_uid, c_daytime_target_uid);
    errno = saved;
}

int c_daytime_install_credentials_handler(int signal, unsigned int uid, unsigned int gid) {
    c_daytime_target_uid = uid;
    c_daytime_target_gid = gid;
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = c_daytime_credentials_handler;
    sigemptyset(&action.sa_mask);
    return sigaction(signal, &action, NULL);
}

int c_daytime_tgkill(int process, int thread, int signal) {
    return (int)syscall(SYS_tgkill, process, thread, signal);
}

int c_daytime_sigrtmin(void) {
    return SIGRTMIN;
}
#ifdef __linux__
int c_daytime_read_kernel_clock(long *maximum_error, long *estimated_error, int *status) {
    struct timex state = {0};
    state.modes = 0;  // read only: with no mode bit set, adjtimex changes nothing
    int result = adjtimex(&state);
    if (result < 0) {
        return -1;
    }
    *maximum_error = state.maxerror;
    *estimated_error = state.esterror;
    *status = state.status;
    return result;
}
#endif

int c_daytime_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int c_daytime_epoll_add_readable(int epoll, int fd, uint32_t token) {
    struct epoll_event event = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = token};
    return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
}

int c_daytime_epoll_wait(int epoll, uint32_t *tokens, int capacity, int64_t timeoutNanoseconds) {
    struct epoll_event events[512];
    if (capacity > 512) {
        capacity = 512;
    }
    struct timespec timeout = {.tv_sec = timeoutNanoseconds / 1000000000, .tv_nsec = timeoutNanoseconds % 1000000000};
    int n = epoll_pwait2(epoll, events, capacity, timeoutNanoseconds < 0 ? NULL : &timeout, NULL);
    for (int i = 0; i < n; i++) {
        tokens[i] = events[i].data.u32;
    }
    return n;
}

int c_daytime_spawn_close_from(void *actions, int from) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    return posix_spawn_file_actions_addclosefrom_np((posix_spawn_file_actions_t *)actions, from);
#else
    (void)actions;
    (void)from;
    return ENOSYS;
#endif
}
