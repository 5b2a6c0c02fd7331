// Linux calls that Swift's Glibc module does not export (glibc declares them only under
// _GNU_SOURCE) and wrappers around macros Swift cannot call. Nothing here has logic of its own.
#ifndef C_DAYTIME_LINUX_H
#define C_DAYTIME_LINUX_H

#ifdef __linux__
#include <sched.h>
#include <stdint.h>
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

/// Asks the kernel to report each datagram's destination address (IP_PKTINFO, and IPV6_RECVPKTINFO
/// on an IPv6 socket, which also covers IPv4-mapped traffic on a dual-stack socket). Returns 0 or -1.
int c_daytime_enable_packet_info(int fd, int family);

/// Room for one received or sent packet-info control message (the larger of IPv4's and IPv6's).
unsigned long c_daytime_packet_info_space(void);

/// From the control messages of a received datagram, writes into `reply` (at least
/// `c_daytime_packet_info_space()` bytes) a control message that makes the answer leave from the
/// address the datagram was sent to. Returns its length, or 0 if the datagram carried none.
unsigned long c_daytime_reply_packet_info(const void *received, unsigned long receivedLength, void *reply);

/// Asks the kernel to stamp each received datagram with the time it arrived (`SO_TIMESTAMPNS`,
/// CLOCK_REALTIME, nanoseconds). Returns 0 or -1.
int c_daytime_enable_receive_timestamps(int fd);

/// For a socket that is stopping: attaches a socket filter that drops what would start a new
/// exchange, so that what is already queued can be served before the socket closes and nobody is
/// reset. On a TCP listener (`tcp` non-zero) it drops SYNs (a segment with SYN and without ACK):
/// handshakes under way still complete into the accept queue, new ones get no answer until the
/// port is closed. On a UDP socket it drops every datagram. Returns 0 or -1 with errno.
int c_daytime_refuse_new_peers(int fd, int tcp);

/// Room for one receive-timestamp control message.
unsigned long c_daytime_receive_timestamp_space(void);

/// From the control messages of a received datagram, the kernel's receive timestamp. Returns 1 and
/// fills `seconds` and `nanoseconds`, or 0 if the datagram carried none.
int c_daytime_receive_timestamp(const void *received, unsigned long receivedLength, int64_t *seconds, int32_t *nanoseconds);

/// `epoll_create1(EPOLL_CLOEXEC)`: a new epoll set, or -1. (Swift cannot use `struct epoll_event`,
/// which is packed on x86_64, so the calls below take and give plain tokens instead.)
int c_daytime_epoll_create(void);

/// Adds `fd` to the epoll set `epoll`, to be reported when readable, at end of stream or on error
/// (EPOLLIN | EPOLLRDHUP; EPOLLERR and EPOLLHUP always are), with `token` as its data. 0 or -1.
int c_daytime_epoll_add_readable(int epoll, int fd, uint32_t token);

/// `epoll_pwait2(2)`: waits at most `timeoutNanoseconds` (negative: without limit) and writes the
/// token of each ready descriptor, at most `capacity` (512 at most), to `tokens`. Returns how many,
/// or -1 (errno EINTR when a signal came).
int c_daytime_epoll_wait(int epoll, uint32_t *tokens, int capacity, int64_t timeoutNanoseconds);

/// Names the calling thread (15 characters at most), for `top -H` and debuggers.
void c_daytime_set_thread_name(const char *name);

/// Installs, for `signal`, a handler that sets the supplementary groups (none), gid and uid of the
/// thread it runs on, and only that thread, with raw system calls (setgroups, setresgid,
/// setresuid: async-signal-safe). For a thread glibc's setuid cannot reach: glibc changes every
/// thread's credentials, except one that is exiting, which is where libdispatch parks the main
/// thread of an async Swift program. Returns 0 or -1.
int c_daytime_install_credentials_handler(int signal, unsigned int uid, unsigned int gid);

/// `tgkill(2)`: a signal to one thread of a process.
int c_daytime_tgkill(int process, int thread, int signal);

/// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34 and later, _GNU_SOURCE only): the child
/// closes every descriptor from `from` up before it runs the program. `actions` is a
/// `posix_spawn_file_actions_t *`. Returns 0, or an error number (ENOSYS on an older glibc).
int c_daytime_spawn_close_from(void *actions, int from);

/// `SIGRTMIN` (a macro over a glibc call).
int c_daytime_sigrtmin(void);

/// The kernel's clock discipline state, read with `adjtimex(2)` in read-only mode (`modes` = 0),
/// which never changes the clock. Returns the clock state (`TIME_OK` ... `TIME_ERROR`) and fills
/// the maximum and estimated errors (microseconds) and the status bits; -1 if the call failed.
int c_daytime_read_kernel_clock(long *maximum_error, long *estimated_error, int *status);

/// `STA_UNSYNC`: the clock is not synchronized.
#define C_DAYTIME_STA_UNSYNC 0x0040
/// `TIME_ERROR`: the clock is not synchronized (or, with `STA_UNSYNC`, never was).
#define C_DAYTIME_TIME_ERROR 5
#endif

#endif
