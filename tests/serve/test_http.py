#!/usr/bin/env python3
"""End-to-end tests of Warren's HTTP front end (src/serve/http_server.c) through
tests/serve/test_server.c, over loopback with raw sockets.

Usage: test_http.py PATH/TO/serve_test_server
Every socket operation has a timeout, so a hung server fails a test instead of hanging it; each
server started here is stopped by its PID. Prints "N passed, N failed" and exits non-zero on a
failure."""
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

SERVER = sys.argv[1]
IO_TIMEOUT = 10.0  # a guard against hangs, never an expectation about speed


class Server:
    def __init__(self, *args):
        self.proc = subprocess.Popen([SERVER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("port "):
            raise RuntimeError("server did not start: %r %r" % (line, self.proc.stderr.read()))
        self.port = int(line.split()[1])

    def stop(self):
        """Graceful stop by SIGTERM; returns (exit code, stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            _, err = self.proc.communicate(timeout=IO_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
            return None, err.decode(errors="replace")
        return self.proc.returncode, err.decode(errors="replace")


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
    s.settimeout(IO_TIMEOUT)
    return s


class Reader:
    """Reads HTTP/1.1 responses off a socket, keeping what it read past the current one."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.trailers = []  # of the last chunked response

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self, head_request=False):
        status_line = self._line()
        parts = status_line.split(b" ", 2)
        assert parts[0] == b"HTTP/1.1", status_line
        status = int(parts[1])
        headers = {}
        while True:
            line = self._line()
            if not line:
                break
            name, value = line.split(b":", 1)
            headers[name.strip().lower().decode()] = value.strip().decode()
        if status < 200:
            return status, headers, b""
        if head_request or status in (204, 304):
            return status, headers, b""
        if "content-length" in headers:
            return status, headers, self._exact(int(headers["content-length"]))
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    self.trailers = []
                    while True:
                        line = self._line()
                        if not line:
                            return status, headers, body
                        self.trailers.append(line)
                body += self._exact(size)
                assert self._exact(2) == b"\r\n"
        body = self.buf
        self.buf = b""
        while True:
            data = self.sock.recv(65536)
            if not data:
                return status, headers, body
            body += data

    def closed(self):
        """True if the peer closes with nothing more to read."""
        if self.buf:
            return False
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True


def get(port, path="/hello", extra=b""):
    s = connect(port)
    s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n" + extra + b"\r\n")
    r = Reader(s).response()
    s.close()
    return r


def pattern(n):
    return bytes((ord("a") + i % 26) for i in range(n))


# ---------------- tests ----------------

def test_hello(port):
    status, headers, body = get(port)
    assert (status, body) == (200, b"hello\n"), (status, body)
    assert headers["content-length"] == "6" and headers["content-type"] == "text/plain"
    assert "date" in headers


def test_keep_alive(port):
    s = connect(port)
    r = Reader(s)
    for _ in range(5):
        s.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        status, headers, body = r.response()
        assert (status, body) == (200, b"hello\n")
        assert "connection" not in headers
    s.close()


def test_pipelining_three_in_one_write(port):
    s = connect(port)
    s.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
              b"GET /head HTTP/1.1\r\nHost: second\r\n\r\n"
              b"GET /bytes/30 HTTP/1.1\r\nHost: t\r\n\r\n")
    r = Reader(s)
    assert r.response()[2] == b"hello\n"
    assert b"authority=second" in r.response()[2]
    assert r.response()[2] == pattern(30)
    s.close()


def test_pipelining_with_bodies(port):
    s = connect(port)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
              b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n1\r\nf\r\n0\r\n\r\n"
              b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
    r = Reader(s)
    assert r.response()[2] == b"abc"
    assert r.response()[2] == b"def"
    assert r.response()[2] == b"hello\n"
    s.close()


def test_chunked_request_body(port):
    s = connect(port)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
              b"5;ext=1\r\nhello\r\n")
    time.sleep(0.05)  # the body arrives in pieces
    s.sendall(b"7\r\n, world\r\n0\r\nTrailer-Field: x\r\n\r\n")
    status, headers, body = Reader(s).response()
    assert status == 200 and headers.get("transfer-encoding") == "chunked"
    assert body == b"hello, world", body
    s.close()


def echo_big(port, chunked):
    data = random.Random(7).randbytes(1 << 20)
    s = connect(port)
    if chunked:
        head = b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
    else:
        head = b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % len(data)

    def send():
        s.sendall(head)
        for i in range(0, len(data), 10000):
            piece = data[i:i + 10000]
            s.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        if chunked:
            s.sendall(b"0\r\n\r\n")

    sender = threading.Thread(target=send)
    sender.start()
    status, headers, body = Reader(s).response()
    sender.join(IO_TIMEOUT)
    assert status == 200
    assert len(body) == len(data) and body == data, len(body)
    s.close()


def test_one_mib_body_echoed(port):
    echo_big(port, chunked=False)


def test_one_mib_chunked_body_echoed(port):
    echo_big(port, chunked=True)


def test_large_response_to_slow_reader(port):
    n = 5 * 1000 * 1000
    s = connect(port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    s.sendall(b"GET /bytes/%d HTTP/1.1\r\nHost: t\r\n\r\n" % n)
    time.sleep(0.3)  # let the server hit backpressure before anything is read
    status, _, body = Reader(s).response()
    assert status == 200 and len(body) == n and body[:52] == pattern(52) and body == pattern(n)
    s.close()


def test_head_request_has_no_body(port):
    s = connect(port)
    s.sendall(b"HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
    r = Reader(s)
    status, headers, body = r.response(head_request=True)
    assert status == 200 and headers["content-length"] == "6" and body == b""
    assert r.response()[2] == b"hello\n"  # the next response follows directly
    s.close()


def test_http10(port):
    s = connect(port)
    s.sendall(b"GET /hello HTTP/1.0\r\n\r\n")
    r = Reader(s)
    status, headers, body = r.response()
    assert (status, body) == (200, b"hello\n") and headers.get("connection") == "close"
    assert r.closed()
    s = connect(port)
    s.sendall(b"GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    r = Reader(s)
    status, headers, _ = r.response()
    assert headers.get("connection") == "keep-alive"
    s.sendall(b"GET /bytes/5 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    status, headers, body = r.response()  # unknown length in HTTP/1.0: delimited by closing
    assert body == b"abcde" and headers.get("connection") == "close"


def test_connection_close(port):
    s = connect(port)
    s.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    r = Reader(s)
    status, headers, body = r.response()
    assert body == b"hello\n" and headers.get("connection") == "close"
    assert r.closed()


def test_expect_100_continue(port):
    s = connect(port)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    r = Reader(s)
    assert r.response()[0] == 100
    s.sendall(b"ping")
    status, _, body = r.response()
    assert (status, body) == (200, b"ping")


def test_request_head_as_parsed(port):
    status, _, body = get(port, "/head", b"X-Mixed-Case: Value 1\r\nx-empty:\r\n")
    text = body.decode()
    assert "method=GET\nauthority=t\npath=/head\nversion=1.1\nbody=0\n" in text, text
    assert "x-mixed-case: Value 1\n" in text and "x-empty: \n" in text


def test_absolute_form_target(port):
    s = connect(port)
    s.sendall(b"GET http://example.test:81/head?q=1 HTTP/1.1\r\nHost: other\r\n\r\n")
    body = Reader(s).response()[2].decode()
    assert "authority=example.test:81\npath=/head?q=1\n" in body, body


def test_sink_counts_a_streamed_body(port):
    s = connect(port)
    s.sendall(b"POST /sink HTTP/1.1\r\nHost: t\r\nContent-Length: 3000000\r\n\r\n")
    for _ in range(300):
        s.sendall(b"x" * 10000)
    assert Reader(s).response()[2] == b"3000000\n"


def test_task_echo_through_wasi_streams(port):
    data = random.Random(3).randbytes(1 << 20)
    s = connect(port)

    def send():
        s.sendall(b"POST /task/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        for i in range(0, len(data), 30000):
            piece = data[i:i + 30000]
            s.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        s.sendall(b"0\r\n\r\n")

    sender = threading.Thread(target=send)
    sender.start()
    status, _, body = Reader(s).response()
    sender.join(IO_TIMEOUT)
    assert status == 200 and body == data, len(body)


def test_task_empty_body(port):
    s = connect(port)
    s.sendall(b"POST /task/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
    assert Reader(s).response()[:3:2] == (200, b"")


def test_task_waits_on_an_fd(port):
    a = connect(port)
    a.sendall(b"GET /task/fdwait HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(0.1)
    a.setblocking(False)
    try:
        early = a.recv(10)
    except BlockingIOError:
        early = None
    assert early is None, "answered before its fd was readable"
    a.settimeout(IO_TIMEOUT)
    assert get(port, "/fdpoke")[0] == 200
    assert Reader(a).response()[2] == b"got x blocking=1\n"


def test_response_trailers(port):
    s = connect(port)
    s.sendall(b"GET /trailers HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
    r = Reader(s)
    assert r.response()[2] == b"body"
    assert r.trailers == [b"x-checksum: 42"], r.trailers
    assert r.response()[2] == b"hello\n"


def test_not_found(port):
    assert get(port, "/nope")[0] == 404


def expect_error(port, raw, status, pause=None):
    """Sends raw bytes; expects `status` (None: closed without a response) and then a close."""
    s = connect(port)
    try:
        s.sendall(raw)
    except (BrokenPipeError, ConnectionResetError):
        pass
    r = Reader(s)
    try:
        got = r.response()[0]
    except (EOFError, ConnectionResetError):
        got = None
    assert got == status, "%r: got %r, expected %r" % (raw[:60], got, status)
    assert r.closed(), "%r: connection left open" % raw[:60]
    s.close()


def test_body_too_large_413(port):
    expect_error(port, b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999\r\n\r\n", 413)
    chunk = b"%x\r\n%s\r\n" % (1 << 20, b"x" * (1 << 20))
    expect_error(port, b"POST /sink HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk * 5, 413)


def test_headers_too_large_431(port):
    expect_error(port, b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431)
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(60))
    expect_error(port, b"GET / HTTP/1.1\r\nHost: t\r\n" + many + b"\r\n", 431)
    expect_error(port, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 431)


def test_slow_head_408(port):
    expect_error(port, b"GET /hello HTTP/1.1\r\nHost: t\r\n", 408)


def test_slow_body_408(port):
    expect_error(port, b"POST /never HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789", 408)


MALFORMED = [
    (b"GET / HTTP/1.1\r\nHost: t\r\nNo colon here\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHo st: t\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: t\r\nX(y): z\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: t\r\n: empty-name\r\n\r\n", 400),
    (b"GET / HTTP/9.9\r\nHost: t\r\n\r\n", 400),
    (b"GET / HTTP/1.1 extra\r\nHost: t\r\n\r\n", 400),
    (b"GET /\r\n\r\n", 400),
    (b"GE T / HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    (b"GET  / HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    (b"\x00GET / HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    (b"GET /\x00 HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: t\x00x\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: t\r\nX: a\x7fb\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: t\r\nX: a\x01b\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n\r\n", 400),  # HTTP/1.1 without Host
    (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n folded\r\n\r\n", 400),
    (b"GET foo HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    (b"GET * HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1 2\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400),
    (b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    (b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    (b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400),  # chunked only once
    (b"POST /never HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400),
    (b"POST /never HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nx\r\n", 400),
    (b"POST /never HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", 400),
    (b"POST /never HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n", 400),
    (b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: teapot\r\n\r\nping", 417),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(32)) + b"\r\n\r\n", 400),  # a TLS hello
    (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400),
    (random.Random(1).randbytes(4096), 400),
    (b"\"" * 4096, 400),
    (b"\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\xff\xfe: x\r\n\r\n", 400),
]


# issue 13, item 1: chunk-size lines are 1*HEXDIG [ chunk-ext ] CRLF, trailers are field lines;
# anything else must fail the body (400, then close), never end it early and leave the rest to be
# read as the next request.
SMUGGLE_HEAD = b"POST /sink HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
SMUGGLED = b"GET /head HTTP/1.1\r\nHost: smuggled\r\n\r\n"
SMUGGLING = [
    b"0x26\r\n" + SMUGGLED,
    b"5g\r\nhello\r\n0\r\n\r\n" + SMUGGLED,
    b"5 junk\r\nhello\r\n0\r\n\r\n" + SMUGGLED,
    b"5 \r\nhello\r\n0\r\n\r\n" + SMUGGLED,
    b"0\r\nno colon here\r\n\r\n" + SMUGGLED,
    b"0\r\nX: y\r\n folded\r\n\r\n" + SMUGGLED,
    b"0\r\nX : y\r\n\r\n" + SMUGGLED,
    b"0\r\nX: a\x00b\r\n\r\n" + SMUGGLED,
    b"0\r\nX: a\rb\r\n\r\n" + SMUGGLED,
    b"0\r\nX: y\n\r\n" + SMUGGLED,
    b"0\r\nX: " + b"y" * 9000 + b"\r\n\r\n" + SMUGGLED,
    b"0\r\n" + b"X: y\r\n" * 51 + b"\r\n" + SMUGGLED,
    b"5;a b\r\nhello\r\n0\r\n\r\n" + SMUGGLED,
    b"5;a=\"x\x01\"\r\nhello\r\n0\r\n\r\n" + SMUGGLED,
    b"5;(x)\r\nhello\r\n0\r\n\r\n" + SMUGGLED,
    b"0" * 5000 + b"5\r\nhello\r\n0\r\n\r\n" + SMUGGLED,
    b"10000000000000005\r\nhello\r\n0\r\n\r\n" + SMUGGLED,
    b"5\nhello\r\n0\r\n\r\n" + SMUGGLED,
    b"5\rhello\r\n0\r\n\r\n" + SMUGGLED,
]


def test_chunk_smuggling_rejected(port):
    failures = []
    for body in SMUGGLING:
        s = connect(port)
        s.sendall(SMUGGLE_HEAD + body)
        r = Reader(s)
        try:
            status, _, text = r.response()
            closed = status == 400 and r.closed()
        except (EOFError, ConnectionResetError):
            status, text, closed = None, b"", True
        if status != 400 or not closed or b"smuggled" in text:
            failures.append("%r: status %r, closed %r, body %r" % (body[:40], status, closed, text[:60]))
        s.close()
    assert not failures, "\n".join(failures)


def test_chunk_extensions_and_trailers_accepted(port):
    s = connect(port)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
              b"3 ; a ; b = c ;d=\"q \\\" ;x\"\r\nabc\r\n0000;last\r\nX-T: 1 \r\nY:\r\n\r\n"
              b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
    r = Reader(s)
    assert r.response()[2] == b"abc"
    assert r.response()[2] == b"hello\n"


def test_request_trailers_reach_the_handler(port):
    # a wasi stream over the request body reports its trailers once it ended: kept in order, names
    # and values as sent (OWS trimmed), the fields that must not be trailers dropped; the bounds are
    # the head's: max_header_count lines (50 here), max_head_bytes bytes (8192 here)
    s = connect(port)
    s.sendall(b"POST /task/late-sink/0 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
              b"5\r\nhello\r\n0\r\nX-Checksum:  abc \r\nContent-Length: 5\r\nHost: elsewhere\r\nAuthorization: x\r\n"
              b"Server-Timing: db;dur=53\r\n\r\n"
              b"POST /task/late-sink/0 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
              b"0\r\n" + b"X-N: 1\r\n" * 50 + b"\r\n"
              b"POST /task/late-sink/0 HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi")
    r = Reader(s)
    status, _, body = r.response()
    assert (status, body) == (200, b"5\nX-Checksum: abc\nServer-Timing: db;dur=53\n"), (status, body)
    status, _, body = r.response()
    assert status == 200 and body.count(b"X-N: 1\n") == 50, (status, body[:80])
    assert r.response()[:3:2] == (200, b"2\n")  # no trailers without a chunked body
    for over in (b"X-N: 1\r\n" * 51, b"X-N: " + b"1" * 8190 + b"\r\n"):
        s = connect(port)
        s.sendall(b"POST /task/late-sink/0 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + over + b"\r\n")
        r = Reader(s)
        assert r.response()[0] == 400 and r.closed()
        s.close()


def head_text(port, extra, host=b"Host: t\r\n"):
    s = connect(port)
    s.sendall(b"GET /head HTTP/1.1\r\n" + host + extra + b"\r\n")
    status, _, body = Reader(s).response()
    s.close()
    return status, body.decode()


# issue 13, item 6: OWS around field values is not part of them
def test_trailing_whitespace_trimmed(port):
    s = connect(port)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: t \r\nContent-Length: 5 \t\r\n\r\nhello"
              b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked \r\n\r\n5\r\nworld\r\n0\r\n\r\n")
    r = Reader(s)
    assert r.response()[:3:2] == (200, b"hello")
    assert r.response()[:3:2] == (200, b"world")
    status, text = head_text(port, b"X-Pad: \t value \t\r\n", b"Host:  example.test:8080 \r\n")
    assert status == 200 and "authority=example.test:8080\n" in text and "x-pad: value\n" in text, text
    assert "host: example.test:8080\n" in text, text


def test_host_validated(port):
    for host in (b"Host: exa mple\r\n", b"Host: a@b\r\n", b"Host: a/b\r\n", b"Host: [::1\r\n",
                 b"Host: x:8o\r\n", b"Host: a\r\nHost: a\r\n", b""):
        expect_error(port, b"GET /head HTTP/1.1\r\n" + host + b"\r\n", 400)
    expect_error(port, b"GET http://exa mple/head HTTP/1.1\r\nHost: t\r\n\r\n", 400)
    for host in (b"[::1]:80", b"127.0.0.1", b"a.b-c_d~%41", b""):
        status, text = head_text(port, b"", b"Host: " + host + b"\r\n")
        assert status == 200 and ("authority=%s\n" % host.decode()) in text, (host, text)


def test_content_length_duplicates(port):
    s = connect(port)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc"
              b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2, 2\r\n\r\nde")
    r = Reader(s)
    assert r.response()[2] == b"abc"
    assert r.response()[2] == b"de"
    expect_error(port, b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2, 3\r\n\r\nabc", 400)
    expect_error(port, b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 2\r\n\r\nabc", 400)


def test_transfer_encoding_rules(port):
    for te, status in ((b"chunked, gzip", 400), (b"chunked\r\nTransfer-Encoding: gzip", 400),
                       (b"chunked\r\nTransfer-Encoding: chunked", 400), (b"gzip, chunked", 501)):
        expect_error(port, b"POST /sink HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: " + te +
                     b"\r\n\r\n0\r\n\r\n", status)
    # the codings of several lines form one list: "identity" then chunked
    expect_error(port, b"POST /sink HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: identity\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501)


def test_head_line_ends_strict(port):
    for raw in (b"GET /hello HTTP/1.1\nHost: t\n\n", b"GET /hello HTTP/1.1\r\nHost: t\rX: y\r\n\r\n",
                b"GET /hello HTTP/1.1\r\nHost: t\r\nX: a\r\n\tfolded\r\n\r\n",
                b"GET /hello HTTP/1.1\r\nHost: t\r\n\n"):
        expect_error(port, raw, 400)


# issue 13, item 6: the fields of the connection are the server's, not the handler's
def test_hop_by_hop_fields_removed(port):
    status, text = head_text(port, b"Connection: keep-alive, X-Private\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n"
                             b"Upgrade: h2c\r\nProxy-Connection: keep-alive\r\nX-Private: secret\r\nX-Public: yes\r\n")
    assert status == 200 and "x-public: yes\n" in text, text
    for name in ("connection", "keep-alive", "te:", "upgrade", "proxy-connection", "x-private"):
        assert name not in text, (name, text)
    s = connect(port)
    s.sendall(b"POST /head HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    text = Reader(s).response()[2].decode()
    assert "body=1\n" in text and "transfer-encoding" not in text, text


# issue 13, item 4: the 100 goes out when the handler asks for the body, and never when it answers
# without reading
def test_expect_100_sent_when_the_handler_reads(port):
    s = connect(port)
    s.sendall(b"POST /sink HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    r = Reader(s)
    assert r.response()[0] == 100  # before any body byte was sent
    s.sendall(b"ping")
    status, _, body = r.response()
    assert (status, body) == (200, b"4\n")
    s.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")  # and the connection goes on
    assert r.response()[2] == b"hello\n"


def test_expect_100_waits_for_a_late_reader(port):
    # the server's 700 ms body timeout must not run while the client waits for its 100
    s = connect(port)
    s.sendall(b"POST /task/late-sink/1500 HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    r = Reader(s)
    assert r.response()[0] == 100
    s.sendall(b"ping")
    assert r.response()[:3:2] == (200, b"4\n")


def test_expect_100_never_when_answered_without_reading(port):
    s = connect(port)
    s.sendall(b"POST /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    r = Reader(s)
    status, headers, body = r.response()
    assert (status, body) == (200, b"hello\n"), status
    assert headers.get("connection") == "close"  # the body may or may not come: not reusable
    assert r.closed()


def test_malformed_corpus(port):
    failures = []
    for raw, status in MALFORMED:
        try:
            expect_error(port, raw, status)
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, "\n".join(failures)
    assert get(port)[2] == b"hello\n"  # still serving


def test_fragmented_head(port):
    s = connect(port)
    for b in b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n":
        s.sendall(bytes([b]))
    assert Reader(s).response()[2] == b"hello\n"


def test_client_disconnects_mid_request(port):
    for path in (b"/never", b"/echo"):
        s = connect(port)
        s.sendall(b"POST " + path + b" HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\nabc")
        time.sleep(0.05)
        s.close()
    s = connect(port)
    s.sendall(b"GET /bytes/10000000 HTTP/1.1\r\nHost: t\r\n\r\n")
    s.recv(1000)
    s.close()
    assert get(port)[2] == b"hello\n"


def test_concurrent_connections(port):
    errors = []

    def client():
        try:
            s = connect(port)
            r = Reader(s)
            for _ in range(20):
                s.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                assert r.response()[2] == b"hello\n"
            s.close()
        except Exception as e:  # reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=client) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(IO_TIMEOUT * 2)
    assert not errors, errors


def run_task_does_not_block_the_loop():
    srv = Server("--workers", "1")
    try:
        sleepers = []
        for _ in range(4):
            a = connect(srv.port)
            a.sendall(b"GET /task/sleep/3000 HTTP/1.1\r\nHost: t\r\n\r\n")
            sleepers.append(a)
        time.sleep(0.1)
        assert get(srv.port)[2] == b"hello\n"  # answered while four guests wait on the same loop
        for a in sleepers:
            a.setblocking(False)
            try:
                early = a.recv(10)
            except BlockingIOError:
                early = None
            assert early is None, "a sleeping task answered before its deadline"
            a.setblocking(True)
            a.settimeout(IO_TIMEOUT)
        for a in sleepers:
            assert Reader(a).response()[2] == b"slept\n"
            a.close()
    finally:
        code, err = srv.stop()
    assert code == 0 and "ERROR" not in err, (code, err)


def run_request_limit():
    srv = Server("--workers", "1", "--max-requests", "1")
    try:
        a = connect(srv.port)
        a.sendall(b"GET /task/sleep/3000 HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.1)
        assert get(srv.port)[0] == 503  # the one allowed request is in flight
        assert Reader(a).response()[2] == b"slept\n"
        assert get(srv.port)[2] == b"hello\n"
        a.close()
    finally:
        code, err = srv.stop()
    assert code == 0 and "ERROR" not in err, (code, err)


# The tests below start servers whose keep-alive and header timeouts are a minute, far beyond
# IO_TIMEOUT: a client served, or a connection closed, within IO_TIMEOUT was not served or
# closed by one of those timeouts.
PATIENT = ("--idle-timeout-ms", "60000", "--head-timeout-ms", "60000")


def run_connection_limit():
    """At the cap, the connection waiting longest for a request makes room for a new one; with
    every connection busy, a new one gets 503 at once instead of waiting in the backlog."""
    srv = Server("--workers", "1", "--max-connections", "2", *PATIENT)
    try:
        a, b = connect(srv.port), connect(srv.port)
        for s in (a, b):
            s.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            assert Reader(s).response()[2] == b"hello\n"
        c = connect(srv.port)
        c.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        assert Reader(c).response()[2] == b"hello\n"  # served at once: `a` made room
        assert Reader(a).closed(), "the longest idle connection was not the one closed"
        for s in (b, c):
            s.sendall(b"GET /task/sleep/2000 HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.1)
        d = connect(srv.port)  # both are busy: nothing can make room
        d.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        r = Reader(d)
        status, headers, _ = r.response()
        assert status == 503 and headers.get("connection") == "close", (status, headers)
        assert r.closed()
        for s in (b, c):  # the busy ones were not disturbed
            assert Reader(s).response()[2] == b"slept\n"
            s.close()
        for s in (a, d):
            s.close()
    finally:
        code, err = srv.stop()
    assert code == 0 and "ERROR" not in err, (code, err)


def run_silent_connections_do_not_lock_out():
    """1,000 connections that never send a byte, over a cap of 50: a new client is still served
    at once (each new connection closes the one that has waited longest)."""
    srv = Server("--workers", "1", "--max-connections", "50", *PATIENT)
    silent = []
    try:
        for _ in range(1000):
            silent.append(socket.create_connection(("127.0.0.1", srv.port), timeout=IO_TIMEOUT))
        assert get(srv.port)[2] == b"hello\n"
        assert Reader(silent[0]).closed(), "the oldest silent connection is still open"
        silent[-1].settimeout(IO_TIMEOUT)
        silent[-1].sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")  # a recent one is still served
        assert Reader(silent[-1]).response()[2] == b"hello\n"
    finally:
        for s in silent:
            s.close()
        code, err = srv.stop()
    assert code == 0 and "ERROR" not in err, (code, err)


def run_silent_connection_gets_the_header_deadline():
    """A connection that never sends a byte has the header deadline from its accept (and is closed
    without a response); a kept-alive connection waits for the keep-alive timeout instead."""
    srv = Server("--workers", "1", "--head-timeout-ms", "300", "--idle-timeout-ms", "60000")
    try:
        silent = connect(srv.port)
        assert Reader(silent).closed(), "a silent connection got a response"
        silent.close()
        kept = connect(srv.port)
        r = Reader(kept)
        kept.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        assert r.response()[2] == b"hello\n"
        time.sleep(1.0)  # past the header deadline, well within the keep-alive timeout
        kept.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        assert r.response()[2] == b"hello\n"
        kept.close()
    finally:
        code, err = srv.stop()
    assert code == 0 and "ERROR" not in err, (code, err)


def run_trickled_body_hits_the_body_deadline():
    """One byte every 100 ms never leaves the body silent for its 700 ms between-bytes timeout,
    but the whole body must arrive within 1 s of the head: then 408 and a close."""
    srv = Server("--workers", "1", "--body-total-timeout-ms", "1000")
    try:
        s = connect(srv.port)
        s.sendall(b"POST /sink HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n")
        s.settimeout(0.1)
        answer = b""
        for _ in range(int(IO_TIMEOUT * 10)):
            try:
                s.sendall(b"x")
            except (BrokenPipeError, ConnectionResetError):
                break
            try:
                answer = s.recv(1000)
                break
            except socket.timeout:
                pass
        assert answer.startswith(b"HTTP/1.1 408 "), answer
        s.close()
    finally:
        code, err = srv.stop()
    assert code == 0 and "ERROR" not in err, (code, err)


def run_graceful_stop():
    srv = Server("--workers", "2")
    idle = connect(srv.port)
    busy = connect(srv.port)
    busy.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\nabc")
    time.sleep(0.1)
    srv.proc.send_signal(signal.SIGTERM)
    time.sleep(0.1)
    # the listeners are closed at once: a new client is refused, not left in a backlog
    refused = False
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", srv.port), timeout=5).close()
        except ConnectionRefusedError:
            refused = True
            break
        time.sleep(0.05)
    assert refused and srv.proc.poll() is None, "a connect during the graceful stop was not refused"
    busy.sendall(b"def")
    r = Reader(busy)
    status, headers, body = r.response()  # the request in flight still completes
    assert body == b"abcdef", (body, headers)
    assert r.closed()
    assert Reader(idle).closed()
    code, err = srv.stop()
    assert code == 0 and "ERROR" not in err, (code, err)


def run_hundreds_of_backpressured_connections():
    """Hundreds of connections whose responses back up, then all drain at once: more sockets turn
    writable in one pass than one epoll_wait returns (256), while each has its next, pipelined
    answer ready. h2o 2.2.5 aborted the process on an assertion here (src/serve/socket_repoll.h)."""
    import selectors
    srv = Server("--workers", "1")
    try:
        conns = []
        for _ in range(400):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.settimeout(IO_TIMEOUT)
            s.connect(("127.0.0.1", srv.port))
            conns.append(s)
        for round_ in range(3):
            for s in conns:
                s.sendall(b"GET /bytes/200000 HTTP/1.1\r\nHost: t\r\n\r\n" + b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n" * 3)
            time.sleep(0.3)  # every response stuck on a full socket buffer
            want = 200000 + 3 * len(b"hello\n")
            got = {s: 0 for s in conns}
            sel = selectors.DefaultSelector()
            for s in conns:
                s.setblocking(False)
                sel.register(s, selectors.EVENT_READ)
            bodies = {s: b"" for s in conns}
            deadline = time.time() + IO_TIMEOUT * 3
            done = 0
            while done < len(conns) and time.time() < deadline:
                for key, _ in sel.select(timeout=1.0):
                    s = key.fileobj
                    data = s.recv(1 << 20)
                    assert data, "the server closed a connection (round %d)" % round_
                    bodies[s] += data
                    if bodies[s].count(b"HTTP/1.1 200") == 4 and bodies[s].endswith(b"hello\n"):
                        sel.unregister(s)
                        done += 1
            sel.close()
            assert done == len(conns), "%d of %d connections answered (round %d)" % (done, len(conns), round_)
            for s in conns:
                s.setblocking(True)
                s.settimeout(IO_TIMEOUT)
            assert srv.proc.poll() is None, "the server died"
        assert get(srv.port)[2] == b"hello\n"
        for s in conns:
            s.close()
    finally:
        code, err = srv.stop()
    assert code == 0, "server exit %r: %s" % (code, err[-2000:])


def main():
    srv = Server()
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_")]
    passed = failed = 0
    for name, fn in tests:
        try:
            fn(srv.port)
            passed += 1
            print("ok   ", name)
        except Exception:
            failed += 1
            print("FAIL ", name)
            traceback.print_exc()
        if srv.proc.poll() is not None:
            print("server died:", srv.proc.returncode)
            break
    code, err = srv.stop()
    if code != 0 or "ERROR" in err or "runtime error" in err:
        failed += 1
        print("FAIL  server exit", code, err[-3000:])
    else:
        passed += 1
        print("ok    server_exits_cleanly")
    for name, fn in (("connection_limit", run_connection_limit),
                     ("silent_connections_do_not_lock_out", run_silent_connections_do_not_lock_out),
                     ("silent_connection_gets_the_header_deadline", run_silent_connection_gets_the_header_deadline),
                     ("trickled_body_hits_the_body_deadline", run_trickled_body_hits_the_body_deadline),
                     ("graceful_stop", run_graceful_stop),
                     ("task_does_not_block_the_loop", run_task_does_not_block_the_loop),
                     ("request_limit", run_request_limit),
                     ("hundreds_of_backpressured_connections", run_hundreds_of_backpressured_connections)):
        try:
            fn()
            passed += 1
            print("ok   ", name)
        except Exception:
            failed += 1
            print("FAIL ", name)
            traceback.print_exc()
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
