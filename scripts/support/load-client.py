#!/usr/bin/env python3
"""Sends N requests of one kind to daytimed, one at a time, and checks each answer; for the scripts
that count what an answer costs (scripts/syscalls-per-connection, scripts/allocations-per-answer).

    load-client.py ntp|udp-sizes|tcp-hostile|proxy-v1|proxy-v2 HOST PORT N

udp-sizes: Daytime datagrams whose sizes are spread evenly over 0 to 65,507 bytes (the largest
an IPv4 datagram carries), each answered with one line ending in CR LF. tcp-hostile: Daytime
connections that misbehave in turn: one sends 64 KiB the server never reads, one resets at once
(SO_LINGER 0), one half-closes before reading, one never sends; the last two must get a line. ntp: SNTP client requests (version 4, mode 3, a random transmit time), each answer 48 bytes with
that time as its origin. proxy-v1, proxy-v2: TCP connections that start with a PROXY protocol
header (as HAProxy's send-proxy and send-proxy-v2 send it) naming a loopback client, which the
rate limit exempts; each must get a whole line. Exits 1 unless all N (for tcp-hostile, all that must be) are answered."""
import os
import socket
import struct
import sys

kind, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
answered = 0
if kind == "ntp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect((host, port))
    for _ in range(n):
        request = bytes([0x23]) + bytes(39) + os.urandom(8)
        s.send(request)
        answer = s.recv(512)
        answered += len(answer) == 48 and answer[24:32] == request[40:48]
elif kind == "udp-sizes":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    s.connect((host, port))
    payload = bytes(65507)
    for i in range(n):
        s.send(payload[: i * 65507 // max(n - 1, 1)])
        answered += s.recv(512).endswith(b"\r\n")
elif kind == "tcp-hostile":
    expected = 0
    for i in range(n):
        mode = i % 4
        s = socket.create_connection((host, port), timeout=2)
        try:
            if mode == 0:
                try:
                    s.sendall(bytes(65536))
                    while s.recv(4096):
                        pass
                except (ConnectionResetError, BrokenPipeError):
                    pass
            elif mode == 1:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                expected += 1
                if mode == 2:
                    s.shutdown(socket.SHUT_WR)
                line = b""
                while chunk := s.recv(64):
                    line += chunk
                answered += line.endswith(b"\r\n")
        finally:
            s.close()
    n = expected
elif kind in ("proxy-v1", "proxy-v2"):
    for i in range(n):
        client_port = 40000 + i % 20000
        if kind == "proxy-v1":
            header = f"PROXY TCP4 127.0.0.9 {host} {client_port} 13\r\n".encode()
        else:
            addresses = socket.inet_aton("127.0.0.9") + socket.inet_aton(host) + struct.pack("!HH", client_port, 13)
            header = b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, 0x11]) + struct.pack("!H", len(addresses)) + addresses
        with socket.create_connection((host, port), timeout=2) as s:
            s.sendall(header)
            line = b""
            while chunk := s.recv(64):
                line += chunk
            answered += line.endswith(b"\r\n")
else:
    sys.exit(f"load-client.py: no kind '{kind}'; give ntp, udp-sizes, tcp-hostile, proxy-v1 or proxy-v2")
print(f"{kind}: {answered} of {n} answered", file=sys.stderr)
sys.exit(0 if answered == n else 1)
