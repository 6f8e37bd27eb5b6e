# SPDX-License-Identifier: MIT
"""Small HTTP/1.1 helpers for bench/http.sh (standard library only).

  http_client.py check PORT PATH FILE [DEPTH]
                                          GET PATH DEPTH times (default 1) pipelined in one write;
                                          exit 0 if every status is 200 and every body equals FILE
                                          byte for byte (message on stderr otherwise)
  http_client.py idle PORT PATH N         open N keep-alive connections, do one GET on each, then
                                          print "ready OK_COUNT" and hold them open until killed
                                          (at most 120 s)
With BENCH_TLS=1 in the environment every connection speaks TLS 1.2 (no certificate check, SNI
BENCH_TLS_NAME or none): bench/tls.sh.
"""
import os
import resource
import socket
import ssl
import sys
import time

TLS = None
if os.environ.get("BENCH_TLS") == "1":
    TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    TLS.check_hostname = False
    TLS.verify_mode = ssl.CERT_NONE
    TLS.maximum_version = ssl.TLSVersion.TLSv1_2


def connect(port, timeout):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if TLS:
        s = TLS.wrap_socket(s, server_hostname=os.environ.get("BENCH_TLS_NAME") or None)
    return s


def read_response(sock, buf=b""):
    """Reads one response with a Content-Length body; returns (status, body, leftover)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed in the headers")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None:
        raise ValueError("no Content-Length in: %r" % lines[0])
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed in the body")
        rest += chunk
    return status, rest[:length], rest[length:]


def get(sock, port, path):
    req = "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (path, port)
    sock.sendall(req.encode())
    status, body, _ = read_response(sock)
    return status, body


def check(port, path, fname, depth):
    with open(fname, "rb") as f:
        want = f.read()
    req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (path, port)).encode()
    try:
        with connect(port, 2) as s:
            s.sendall(req * depth)
            buf = b""
            for i in range(depth):
                status, body, buf = read_response(s, buf)
                if status != 200 or body != want:
                    print("check %s, response %d of %d: status %d, %d body bytes (want 200, %d bytes%s)"
                          % (path, i + 1, depth, status, len(body), len(want),
                             "" if len(body) != len(want) else ", different bytes"),
                          file=sys.stderr)
                    return 1
    except (OSError, ValueError) as e:
        print("check %s: %s" % (path, e), file=sys.stderr)
        return 1
    return 0


def idle(port, path, n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))
    socks = []
    failed = 0
    for _ in range(n):
        try:
            s = connect(port, 5)
            status, _ = get(s, port, path)
            if status != 200:
                failed += 1
            socks.append(s)
        except (OSError, ValueError) as e:
            failed += 1
            if failed == 1:
                print("idle: %s" % e, file=sys.stderr)
    print("ready %d" % (len(socks) - failed), flush=True)
    time.sleep(120)
    return 0


def main():
    if len(sys.argv) in (5, 6) and sys.argv[1] == "check":
        depth = int(sys.argv[5]) if len(sys.argv) == 6 else 1
        return check(int(sys.argv[2]), sys.argv[3], sys.argv[4], depth)
    if len(sys.argv) == 5 and sys.argv[1] == "idle":
        return idle(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
