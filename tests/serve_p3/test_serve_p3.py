#!/usr/bin/env python3
"""`warren serve` of WASI 0.3 (wasi:http/handler@0.3.x) components, end to end.

Usage: test_serve_p3.py --warren WARREN --corpus CORPUS_DIR --components DIR TEST...
       test_serve_p3.py --list

The corpus' componentize-qjs guests (CORPUS_DIR/p3js, ../shared/corpus/README.md "p3js" says what each
answers) and this test's own guests in component text (DIR: tests/serve_p3/*.wat assembled). Each
test starts its own server on loopback port 0 (the Warren class of tests/serve_e2e), talks to it
over raw sockets or http.client, and stops it by PID; every wait is bounded (a guard against hangs,
never an expectation about speed). A server that exits with a sanitizer report or a non-zero code
after SIGTERM fails the test."""
import argparse
import hashlib
import http.server
import os
import random
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "serve_e2e"))
import test_serve_e2e as e2e  # noqa: E402  (the server and client helpers)
from test_serve_e2e import Raw, Warren, check, request  # noqa: E402

CORPUS = COMPONENTS = None
TESTS = {}


def test(fn):
    TESTS[fn.__name__] = fn
    return fn


def p3js(name):
    return os.path.join(CORPUS, "p3js", name + ".wasm")


def own(name):
    return os.path.join(COMPONENTS, name + ".wasm")


def raw_head_lines(port, path="/", extra=b""):
    """One GET on a fresh connection; the response's status and header lines as sent (repeated names
    stay separate), and its body."""
    conn = Raw(port)
    conn.send(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n" + extra + b"\r\n")
    lines = []
    status = conn._line().decode()
    while True:
        line = conn._line()
        if not line:
            break
        lines.append(line.decode())
    body = b""
    headers = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines}
    if headers.get("transfer-encoding") == "chunked":
        while True:
            size = int(conn._line().split(b";")[0], 16)
            if size == 0:
                while conn._line():
                    pass
                break
            body += conn._take(size)
            conn._take(2)
    elif "content-length" in headers:
        body = conn._take(int(headers["content-length"]))
    conn.close()
    return status, lines, body


# ---- the componentize-qjs guests ----

@test
def qjs_hello():
    with Warren(p3js("hello")) as w:
        for _ in range(3):
            status, headers, body = request(w.port)
            check(status == 200 and body == b"hello from qjs p3\n", "hello", status, body)
            check(headers.get("content-type") == "text/plain", "content-type", headers)
        w.stop()


@test
def qjs_counter_default_reuse():
    """A p3 component's instance is reused by default (p2's fresh instance per request is opt-in)."""
    with Warren(p3js("counter"), "--seed", "1", "--max-instances", "1", *e2e.NO_IDLE) as w:
        bodies = [request(w.port)[2] for _ in range(3)]
        check(bodies == [b"count=1\n", b"count=2\n", b"count=3\n"], "one instance counts on", bodies)
        w.stop()


@test
def qjs_counter_fresh_instance_per_request():
    with Warren(p3js("counter"), "--max-instance-reuse-count", "1") as w:
        for _ in range(3):
            status, _, body = request(w.port)
            check(status == 200 and body == b"count=1\n", "a fresh instance counts 1", status, body)
        w.stop()


@test
def qjs_counter_sequential_reuse():
    """--max-instance-reuse-count: one instance serves requests one after the other (its module state
    carries over), then a fresh one takes over."""
    # (--max-instances 1: an instance busy for a moment, e.g. preempted on a loaded machine, makes the
    # next request wait for it instead of starting another)
    with Warren(p3js("counter"), "--max-instance-reuse-count", "3", "--exact-limits", "--max-instances", "1",
                *e2e.NO_IDLE) as w:
        bodies = [request(w.port)[2] for _ in range(4)]
        check(bodies == [b"count=1\n", b"count=2\n", b"count=3\n", b"count=1\n"], "counts", bodies)
        w.stop()


@test
def qjs_headers_repeated_fields_stay_separate():
    with Warren(p3js("headers")) as w:
        status, lines, body = raw_head_lines(w.port, "/h", b"X-Multi: a\r\nX-Multi: b\r\n")
        check(status.startswith("HTTP/1.1 201"), "status", status)
        cookies = [l for l in lines if l.lower().startswith("set-cookie:")]
        check(len(cookies) == 3, "three set-cookie lines", lines)
        multi = [l for l in lines if l.lower().startswith("x-req-x-multi:")]
        check(len(multi) == 2, "both x-multi values come back", lines)
        check(b"x-multi: a" in body and b"x-multi: b" in body, "body lists the request headers", body)
        w.stop()


@test
def qjs_echo_small_and_large():
    with Warren(p3js("echo")) as w:
        status, headers, body = request(w.port, "POST", "/some/path?q=1", b"hello body",
                                        {"content-type": "text/x-test"})
        check(status == 200 and body == b"hello body", "small echo", status, body)
        check(headers.get("x-echo-method") == "POST" and headers.get("x-echo-path") == "/some/path?q=1",
              "method and path", headers)
        check(headers.get("content-type") == "text/x-test", "content-type copied", headers)
        big = os.urandom(300000)
        status, _, body = request(w.port, "POST", "/", big)
        check(status == 200 and body == big, "300000 bytes, content-length", status, len(body))
        # chunked upload
        conn = Raw(w.port)
        conn.send(b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        for i in range(0, len(big), 70000):
            piece = big[i:i + 70000]
            conn.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
        conn.send(b"0\r\n\r\n")
        status, _, body = conn.response()
        check(status == 200 and body == big, "300000 bytes, chunked", status, len(body))
        conn.close()
        w.stop()


@test
def qjs_echo_answers_before_the_upload_ends():
    """The response head and the first bytes come back while the client still holds the rest."""
    with Warren(p3js("echo")) as w:
        conn = Raw(w.port)
        conn.send(b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        conn.send(b"5\r\nfirst\r\n")
        version_status = conn._line()
        check(version_status.startswith(b"HTTP/1.1 200"), "head before the upload ended", version_status)
        while conn._line():
            pass
        got = b""
        while b"first" not in got:
            size = int(conn._line().split(b";")[0], 16)
            got += conn._take(size)
            conn._take(2)
        conn.send(b"6\r\nsecond\r\n0\r\n\r\n")
        while True:
            size = int(conn._line().split(b";")[0], 16)
            if size == 0:
                while conn._line():
                    pass
                break
            got += conn._take(size)
            conn._take(2)
        check(got == b"firstsecond", "whole body echoed", got)
        conn.close()
        w.stop()


@test
def qjs_echo_four_uploads_at_once():
    with Warren(p3js("echo"), workers=2) as w:
        bodies = [os.urandom(100000 + i) for i in range(4)]
        results = [None] * 4

        def one(i):
            results[i] = request(w.port, "POST", "/", bodies[i])

        threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(e2e.IO_TIMEOUT)
        for i in range(4):
            check(results[i] and results[i][0] == 200 and results[i][2] == bodies[i], "upload %d" % i)
        w.stop()


@test
def qjs_echo_body_limit():
    """--max-request-body-size applies to p3 guests too: 413, and the server goes on."""
    with Warren(p3js("echo"), "--max-request-body-size", "1000") as w:
        status, _, _ = request(w.port, "POST", "/", b"x" * 5000)
        check(status == 413, "too large", status)
        status, _, body = request(w.port, "POST", "/", b"small")
        check(status == 200 and body == b"small", "then served", status, body)
        w.stop()


@test
def qjs_throw_every_path_500_and_serving_goes_on():
    with Warren(p3js("throw")) as w:
        for path in ("/sync", "/err", "/reject", "/other", "/sync"):
            status, _, _ = request(w.port, "GET", path)
            check(status == 500, "500 for " + path, status)
        w.wait_for(r"guest trapped")
        w.stop()


@test
def qjs_slow():
    """await waitFor(200 ms): wasi:clocks@0.3.0 wait-for, async-lowered, on the worker's loop."""
    with Warren(p3js("slow")) as w:
        started = time.monotonic()
        status, _, body = request(w.port)
        check(status == 200 and body == b"slow done\n", "slow", status, body)
        check(time.monotonic() - started >= 0.2, "waited its 200 ms")
        w.stop()


@test
def qjs_slow_clients_leaving_under_load():
    """48 clients for 6 s, each asking /, then reading the answer or leaving within 250 ms: requests on
    shared instances are cancelled while other tasks of the instance drive it (and get preempted).
    A cancelled request waited for the driver with a pointer to its guest task, which the driver could
    run to its exit and free meanwhile; the cancellation then wrote into freed memory (the heap
    corruption bench/p3.sh's server died of; AddressSanitizer reported it here in 3 runs of 3). Every
    request must end, the server must go on serving, and stop cleanly. Load, not timing: nothing
    here measures how fast."""
    with Warren(p3js("slow")) as w:
        stop_at = time.monotonic() + 6
        errors = []

        def client(seed):
            rng = random.Random(seed)
            while time.monotonic() < stop_at:
                try:
                    with socket.create_connection(("127.0.0.1", w.port), timeout=GUARD) as s:
                        s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                        if rng.random() < 0.5:
                            time.sleep(rng.uniform(0, 0.25))  # leaves, answered or not
                        else:
                            s.recv(4096)
                except OSError as e:
                    errors.append(e)
                    return

        threads = [threading.Thread(target=client, args=(i,)) for i in range(48)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=GUARD + 10)
        check(not errors, "no connection failed", errors[:3])
        status, _, body = request(w.port)
        check(status == 200 and body == b"slow done\n", "served after", status, body)
        w.stop()


@test
def qjs_timeout():
    """-W timeout: a guest still running after it answers 500 (here: echo waiting for a body that never
    comes), and the server goes on."""
    with Warren(p3js("echo"), "-W", "timeout=500ms") as w:
        conn = Raw(w.port)
        conn.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly part")
        check(conn.closed_or_error(), "cut after the timeout")
        conn.close()
        w.wait_for(r"request timed out")
        status, _, body = request(w.port, "POST", "/", b"again")
        check(status == 200 and body == b"again", "then served", status, body)
        w.stop()


@test
def qjs_client_goes_away_mid_upload():
    with Warren(p3js("echo")) as w:
        for _ in range(3):
            conn = Raw(w.port)
            conn.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + b"y" * 1000)
            conn.close()
        status, _, body = request(w.port, "POST", "/", b"after")
        check(status == 200 and body == b"after", "served after", status, body)
        w.stop()


# ---- this test's own guests (component text) ----

@test
def wat_hello():
    with Warren(own("p3_hello")) as w:
        status, headers, body = request(w.port, "GET", "/x")
        check(status == 200 and body == b"hello from p3 wat\n", "hello", status, body)
        check(headers.get("content-type") == "text/plain", "content-type", headers)
        w.stop()


class WarrenStdoutUnread(Warren):
    """A server whose stdout, a pipe, is read up to the line with its port and never again."""

    def _collect_stdout(self):
        self.stdout.put(self.proc.stdout.readline().decode(errors="replace").rstrip("\n"))


@test
def wat_stdout_nobody_reads():
    """Each request's fresh instance hands the host a chunk of stdout (p3_stdout_flood.wat) that a
    pipe nobody reads has no room for: when the instance goes, that chunk is dropped (a debug line
    counts it) instead of holding the only worker while it waits for a reader, so the requests
    keep being answered."""
    with WarrenStdoutUnread(own("p3_stdout_flood"), "--max-instance-reuse-count", "1", log="debug") as w:
        start = time.monotonic()
        for i in range(12):
            status, _, body = request(w.port)
            check(status == 200 and body == b"flooded stdout\n", "request %d answered" % i, status, body)
        # a guard, not a speed check: a teardown that waits for the reader blocks for seconds each
        elapsed = time.monotonic() - start
        check(elapsed < 10, "12 requests answered within 10 s", elapsed)
        # every instance but the first (whose chunk found the pipe empty) dropped its chunk
        w.wait_for(r"wasi:cli: \d+ bytes of stdout output dropped at teardown", count=11)
        w.stop()


@test
def wat_echo_streams_both_ways_with_trailers():
    with Warren(own("p3_echo")) as w:
        big = os.urandom(200000)
        conn = Raw(w.port)
        conn.send(b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        for i in range(0, len(big), 50000):
            piece = big[i:i + 50000]
            conn.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
        conn.send(b"0\r\n\r\n")
        status = conn._line()
        check(status.startswith(b"HTTP/1.1 200"), "status", status)
        while conn._line():
            pass
        got, trailers = b"", []
        while True:
            size = int(conn._line().split(b";")[0], 16)
            if size == 0:
                while True:
                    line = conn._line()
                    if not line:
                        break
                    trailers.append(line.decode())
                break
            got += conn._take(size)
            conn._take(2)
        check(got == big, "body echoed byte for byte", len(got))
        check(any(t.lower() == "x-echo-done: yes" for t in trailers), "trailer sent", trailers)
        conn.close()
        w.stop()


@test
def wat_echo_request_trailers_come_back():
    """A chunked request's trailers reach the guest's trailers future (consume-body's second half)
    after its body; this echo sends them back as its response's trailers. Fields that must not be
    trailers (RFC 9110 6.5.1) were dropped on the way in; malformed trailers are a 400."""
    with Warren(own("p3_echo")) as w:
        conn = Raw(w.port)
        conn.send(b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"5\r\nhello\r\n0\r\nX-Checksum: abc \r\nContent-Length: 99\r\nHost: elsewhere\r\n"
                  b"Server-Timing: db;dur=5\r\n\r\n")
        status, _, body = conn.response()
        check(status == 200 and body == b"hello", "echoed", status, body)
        check(conn.trailers == {"x-checksum": "abc", "server-timing": "db;dur=5"}, "the request's trailers came back, "
              "the forbidden ones dropped", conn.trailers)
        for bad in (b"Bad Name: x\r\n", b"X-A: 1\r\n folded\r\n", b"X-A: a\x00b\r\n", b"X-A: " + b"v" * 70000 + b"\r\n"):
            conn = Raw(w.port)
            conn.send(b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + bad + b"\r\n")
            line = conn._line()
            # the guest answers as soon as it got the request; if the 400 lost that race the
            # response that started is cut off (no last chunk) and the connection closed
            if line.startswith(b"HTTP/1.1 200"):
                check(conn.closed_or_error(), "a response already started is cut off", bad[:20])
            else:
                check(line.startswith(b"HTTP/1.1 400"), "malformed trailers: 400", bad[:20], line)
            conn.close()
        status, _, body = request(w.port, "POST", "/", b"still here")
        check(status == 200 and body == b"still here", "served after", status, body)
        w.stop()


@test
def wat_echo_client_leaves_mid_stream():
    """The client goes away while the guest streams its answer: the guest's next write finds the
    body's reader gone (this echo then traps on purpose), the response is cut, and the server goes on."""
    with Warren(own("p3_echo")) as w:
        for _ in range(2):
            conn = Raw(w.port)
            conn.send(b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
            check(conn._line().startswith(b"HTTP/1.1 200"), "streaming started")
            while conn._line():
                pass
            size = int(conn._line().split(b";")[0], 16)
            check(conn._take(size) == b"first", "first chunk echoed")
            conn.sock.shutdown(socket.SHUT_RDWR)
            conn.close()
        w.wait_for(r"guest trapped", count=2)  # each guest noticed, its instance was retired
        status, _, body = request(w.port, "POST", "/", b"still here")
        check(status == 200 and body == b"still here", "served after", status, body)
        w.stop()


@test
def wat_stall_timeout_and_client_gone():
    """A guest that never answers: -W timeout answers 500; a client that leaves is noticed while the
    guest waits (its instance is retired); the server serves on and stops cleanly."""
    with Warren(own("p3_stall"), "-W", "timeout=300ms") as w:
        status, _, _ = request(w.port)
        check(status == 500, "timed out", status)
        w.wait_for(r"request timed out")
        w.stop()
    with Warren(own("p3_stall")) as w:
        conn = Raw(w.port)
        conn.send(b"GET /wait HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.3)  # not an expectation: just let the request reach the guest first
        conn.close()
        w.wait_for(r"client went away during GET /wait: cancelling its task")
        w.wait_for(r"guest task cancelled \(client gone\); instance drained")
        w.stop()


# ---- wasi:http/client@0.3.0 send (tests/serve_p3/p3_proxy.wat forwards the request it got to its
# Host; p3_fetch.wat GETs the same authority and path with a 300 ms first-byte timeout) against an
# origin on loopback ----

GUARD = 60.0  # the origin's /slow answers by itself after this: then the test has failed


class Origin:
    """GET /hello (any path): a fixed body and an x-origin header; /big: 1 MiB; POST /sum: "got=N sha256=H" of the body it
    read (content-length or chunked) and, after a chunked one, "trailers=" and the trailer lines it got; GET /slow:
    answers once released (or after GUARD); GET /trailers: a chunked body with trailers (one of them a field that must
    not be a trailer); GET /bad-trailers: a chunked body whose trailer line is malformed."""

    def __init__(self):
        self.slow_seen = threading.Event()
        self.released = threading.Event()
        self.chunked_uploads = 0
        origin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self, body):
                try:
                    self.send_response(200)
                    self.send_header("content-length", str(len(body)))
                    self.send_header("x-origin", "yes")
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up

            def chunked(self, trailer_lines):
                try:
                    self.send_response(200)
                    self.send_header("transfer-encoding", "chunked")
                    self.end_headers()
                    self.wfile.write(b"7\r\ntrailed\r\n0\r\n" + trailer_lines + b"\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self):
                if self.path == "/trailers":
                    self.chunked(b"X-Sum: 42\r\nContent-Type: text/evil\r\nServer-Timing: origin;dur=1\r\n")
                elif self.path == "/bad-trailers":
                    self.chunked(b"Bad Name: 1\r\n")
                elif self.path == "/big":
                    self.answer(b"x" * (1 << 20))
                elif self.path == "/slow":
                    origin.slow_seen.set()
                    self.answer(b"released" if origin.released.wait(GUARD) else b"guard fired")
                else:
                    self.answer(b"hello from the origin, path " + self.path.encode())

            def do_POST(self):
                body = b""
                trailers = None
                if self.headers.get("transfer-encoding", "").lower() == "chunked":
                    origin.chunked_uploads += 1
                    trailers = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            while True:
                                line = self.rfile.readline()
                                if line in (b"\r\n", b""):
                                    break
                                trailers += line.rstrip(b"\r\n").lower() + b";"
                            break
                        body += self.rfile.read(size)
                        self.rfile.readline()
                else:
                    body = self.rfile.read(int(self.headers.get("content-length", "0")))
                answer = b"got=%d sha256=%s" % (len(body), hashlib.sha256(body).hexdigest().encode())
                if trailers:
                    answer += b" trailers=" + trailers
                self.answer(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.authority = "127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def closed_port():
    """A loopback port nothing listens on (bound, then closed)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class StallingOrigin:
    """Reads each request's head, answers `prefix` and then nothing more, holding the connection
    open until the test ends."""

    def __init__(self, prefix):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.authority = "127.0.0.1:%d" % self.listener.getsockname()[1]
        self.held = []
        threading.Thread(target=self._serve, args=(prefix,), daemon=True).start()

    def _serve(self, prefix):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # closed: the test is over
            self.held.append(conn)
            conn.settimeout(GUARD)
            head = b""
            try:
                while b"\r\n\r\n" not in head:
                    data = conn.recv(4096)
                    if not data:
                        break
                    head += data
                conn.sendall(prefix)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.listener.close()
        for conn in self.held:
            conn.close()


class FullBacklog:
    """A loopback listener that never accepts, its backlog filled by connections of its own: the
    kernel drops further SYNs, so a connect to it neither succeeds nor is refused."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(0)
        self.authority = "127.0.0.1:%d" % self.listener.getsockname()[1]
        self.fillers = []
        for _ in range(4):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(self.listener.getsockname())
            self.fillers.append(s)
        probe = socket.socket()
        probe.settimeout(0.5)
        try:
            probe.connect(self.listener.getsockname())
            connected = True
        except socket.timeout:
            connected = False  # what the test needs: the kernel let the SYN go unanswered
        finally:
            probe.close()
        check(not connected, "a connect to a full backlog hangs")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for s in self.fillers:
            s.close()
        self.listener.close()


@test
def wat_client_get_body_back():
    with Origin() as origin, Warren(own("p3_proxy")) as w:
        for _ in range(2):
            status, headers, body = request(w.port, "GET", "/hello?x=1", None, {"Host": origin.authority})
            check(status == 200 and body == b"hello from the origin, path /hello?x=1", "proxied GET", status, body)
            check(headers.get("x-origin") == "yes", "the origin's header comes back", headers)
        w.stop()


@test
def wat_client_trailers_both_ways():
    """Trailers pass through a forwarding guest in both directions: the origin's response trailers
    reach the guest's response (its trailers future) and go out after the proxied body, without the
    field that must not be a trailer; a chunked request's trailers reach the origin. The origin's
    malformed trailers fail the response's body (the guest's trailers future gets an error), so the
    proxied response is cut off."""
    with Origin() as origin, Warren(own("p3_proxy")) as w:
        conn = Raw(w.port)
        conn.send(b"GET /trailers HTTP/1.1\r\nHost: " + origin.authority.encode() + b"\r\n\r\n")
        status, _, body = conn.response()
        check(status == 200 and body == b"trailed", "proxied", status, body)
        check(conn.trailers == {"x-sum": "42", "server-timing": "origin;dur=1"}, "the origin's trailers came through",
              conn.trailers)
        conn.close()
        conn = Raw(w.port)
        conn.send(b"POST /sum HTTP/1.1\r\nHost: " + origin.authority.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"3\r\nabc\r\n0\r\nX-Up: 1\r\nTransfer-Encoding: gzip\r\n\r\n")
        status, _, body = conn.response()
        check(status == 200 and body.endswith(b" trailers=x-up: 1;"), "the request's trailers reached the origin",
              status, body)
        conn.close()
        conn = Raw(w.port)
        conn.send(b"GET /bad-trailers HTTP/1.1\r\nHost: " + origin.authority.encode() + b"\r\n\r\n")
        check(conn._line().startswith(b"HTTP/1.1 200"), "the head was proxied")
        while conn._line():
            pass
        check(int(conn._line(), 16) == 7 and conn._take(9) == b"trailed\r\n", "the body was proxied")
        check(conn.closed_or_error(), "then the response is cut off: no last chunk")
        conn.close()
        status, _, body = request(w.port, "GET", "/hello", None, {"Host": origin.authority})
        check(status == 200, "served after", status)
        w.stop()


@test
def wat_client_post_streams_the_body():
    """A 300000-byte upload, chunked and with content-length, goes through send's request body to the
    origin (chunked when no length is known) and its answer comes back."""
    big = os.urandom(300000)
    want = b"got=300000 sha256=" + hashlib.sha256(big).hexdigest().encode()
    with Origin() as origin, Warren(own("p3_proxy")) as w:
        status, _, body = request(w.port, "POST", "/sum", big, {"Host": origin.authority})
        check(status == 200 and body == want, "content-length upload", status, body)
        conn = Raw(w.port)
        conn.send(b"POST /sum HTTP/1.1\r\nHost: " + origin.authority.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n")
        for i in range(0, len(big), 50000):
            piece = big[i:i + 50000]
            conn.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
        conn.send(b"0\r\n\r\n")
        status, _, body = conn.response()
        check(status == 200 and body == want, "chunked upload", status, body)
        check(origin.chunked_uploads >= 1, "the origin got a chunked body", origin.chunked_uploads)
        conn.close()
        w.stop()


@test
def wat_client_connection_refused():
    with Warren(own("p3_proxy")) as w:
        status, _, _ = request(w.port, "GET", "/", None, {"Host": "127.0.0.1:%d" % closed_port()})
        check(status == 500, "refused: the guest answers err(code)", status)
        w.wait_for(r"the guest answered with error-code connection-refused")
        w.stop()


@test
def wat_client_own_request_and_first_byte_timeout():
    """p3_fetch.wat's own request (request.new, no body, request-options): a quick origin answers;
    a silent one trips the 300 ms first-byte timeout (HTTP-response-timeout)."""
    with Origin() as origin, Warren(own("p3_fetch")) as w:
        status, _, body = request(w.port, "GET", "/hello", None, {"Host": origin.authority})
        check(status == 200 and body == b"hello from the origin, path /hello", "own GET", status, body)
        status, _, _ = request(w.port, "GET", "/slow", None, {"Host": origin.authority})
        check(status == 500, "first-byte timeout", status)
        w.wait_for(r"the guest answered with error-code HTTP-response-timeout")
        origin.released.set()
        w.stop()


@test
def wat_client_connect_timeout():
    """p3_fetch.wat's 1 s connect timeout, against a loopback listener whose backlog is full."""
    with FullBacklog() as origin, Warren(own("p3_fetch")) as w:
        status, _, _ = request(w.port, "GET", "/", None, {"Host": origin.authority})
        check(status == 500, "connect timeout: the guest answers err(code)", status)
        w.wait_for(r"the guest answered with error-code connection-timeout$")
        w.stop()


@test
def wat_client_between_bytes_timeout():
    """p3_fetch.wat's 1 s between-bytes timeout: an origin that stalls inside its response head
    fails send with connection-read-timeout; one that sends its head and 5 of 100 body bytes
    gets ok(response) through, then its body fails with connection-read-timeout (the client gets
    the head and the 5 bytes, then the connection is cut, never a complete response)."""
    with StallingOrigin(b"HTTP/1.1 200 OK\r\ncontent-") as origin, Warren(own("p3_fetch")) as w:
        status, _, _ = request(w.port, "GET", "/", None, {"Host": origin.authority})
        check(status == 500, "stalled head: the guest answers err(code)", status)
        w.wait_for(r"the guest answered with error-code connection-read-timeout$")
        w.stop()
    with StallingOrigin(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nfirst") as origin, \
            Warren(own("p3_fetch")) as w:
        conn = Raw(w.port)
        conn.send(b"GET / HTTP/1.1\r\nHost: " + origin.authority.encode() + b"\r\n\r\n")
        check(conn._line() == b"HTTP/1.1 200 OK", "the origin's status passes through")
        while conn._line():
            pass
        got = conn.buf
        try:
            while True:
                conn._more()
                got = conn.buf
        except EOFError:
            pass
        check(got == b"first", "the body so far, then the cut", got)
        conn.close()
        w.wait_for(r"the guest's response body failed: connection-read-timeout$")
        w.stop()


@test
def wat_client_dns_error():
    """A host under .invalid fails send with DNS-error, under `warren serve` (p3_proxy.wat) and
    `warren run` (p3_get.wat: case 1, then the rcode). RFC 6761 reserves .invalid to never resolve
    and asks resolver libraries to answer it at once; glibc asks the nameserver anyway, so Warren
    answers NXDOMAIN itself: no DNS is asked, and this test needs no network."""
    with Warren(own("p3_proxy")) as w:
        status, _, _ = request(w.port, "GET", "/", None, {"Host": "nonexistent.invalid"})
        check(status == 500, "DNS error: the guest answers err(code)", status)
        w.wait_for(r"the guest answered with error-code DNS-error$")
        w.stop()
    done = subprocess.run([e2e.WARREN, "run", "--invoke", 'get("nonexistent.invalid:80")', own("p3_get")],
                          capture_output=True, timeout=GUARD)
    check(done.returncode == 0 and not done.stderr, "warren run", done.returncode, done.stderr)
    check(done.stdout == b'"error-code 01 NXDOMAIN"\n', "DNS-error is case 1, rcode NXDOMAIN", done.stdout)
    done = subprocess.run([e2e.WARREN, "run", "--invoke", 'get("x.INVALID.:80")', own("p3_get")],
                          capture_output=True, timeout=GUARD)
    check(done.stdout == b'"error-code 01 NXDOMAIN"\n', "any case, a root's trailing dot", done.stdout)


@test
def wat_client_caller_leaves_while_waiting():
    """The client goes away while the guest waits in send for a silent origin: its task is cancelled,
    the exchange dropped, and the server serves on and stops cleanly."""
    with Origin() as origin, Warren(own("p3_proxy")) as w:
        conn = Raw(w.port)
        conn.send(b"GET /slow HTTP/1.1\r\nHost: " + origin.authority.encode() + b"\r\n\r\n")
        check(origin.slow_seen.wait(GUARD), "the request reached the origin")
        conn.close()
        w.wait_for(r"client went away during GET /slow")
        status, _, body = request(w.port, "GET", "/hello", None, {"Host": origin.authority})
        check(status == 200 and body.startswith(b"hello from the origin"), "served after", status, body)
        origin.released.set()
        w.stop()


@test
def wat_client_under_warren_run():
    """`warren run --invoke` of p3_get.wat: the blocking client waits inside send on run's one thread;
    the guest reads the body through response.consume-body's stream and its trailers future."""
    def get(authority):
        done = subprocess.run([e2e.WARREN, "run", "--invoke", 'get("%s")' % authority, own("p3_get")],
                              capture_output=True, timeout=GUARD)
        check(done.returncode == 0 and not done.stderr, "warren run", done.returncode, done.stderr)
        return done.stdout
    with Origin() as origin:
        out = get(origin.authority)
        check(out == b'"200 hello from the origin, path /hello"\n', "GET through consume-body", out)
    out = get("127.0.0.1:%d" % closed_port())
    check(out == b'"error-code 06"\n', "connection-refused is case 6", out)


@test
def wat_client_post_under_warren_run():
    """`warren run --invoke 'post("HOST:PORT", N)'` of p3_get.wat: the guest writes its request body
    into its own stream after an async-lowered send started, on run's one thread (the blocking
    client reads it as the guest writes, asks for the head once it is sent); a refused connection
    returns before the body is read."""
    def post(authority, size):
        done = subprocess.run([e2e.WARREN, "run", "--invoke", 'post("%s", %d)' % (authority, size), own("p3_get")],
                              capture_output=True, timeout=GUARD)
        check(done.returncode == 0 and not done.stderr, "warren run", done.returncode, done.stderr)
        return done.stdout
    with Origin() as origin:
        for size in (200000, 1, 0):
            want = b'"200 got=%d sha256=%s"\n' % (size, hashlib.sha256(b"x" * size).hexdigest().encode())
            out = post(origin.authority, size)
            check(out == want, "POST of %d bytes" % size, out)
    out = post("127.0.0.1:%d" % closed_port(), 10)
    check(out == b'"error-code 06"\n', "connection-refused is case 6", out)


@test
def wat_client_cancel_pending_send():
    """p3_cancel.wat cancels its pending send (subtask.cancel answers CANCELLED_BEFORE_RETURNED, or the
    guest traps): the exchange is dropped, the guest answers its own error, twice on one instance."""
    with Origin() as origin, Warren(own("p3_cancel"), "--max-instances", "1") as w:
        for _ in range(2):
            status, _, _ = request(w.port, "GET", "/slow", None, {"Host": origin.authority})
            check(status == 500, "the guest's own error", status)
        w.wait_for(r"the guest answered with error-code HTTP-request-denied", count=2)
        check(not w.matching(r"guest trapped"), "no trap", w.stderr())
        origin.released.set()
        w.stop()


@test
def wat_client_guest_writes_the_request_body():
    """p3_post.wat writes 200000 bytes into its own request's stream after send started (the host
    reads them into the connection as they come), then ok(none) into the trailers future."""
    want = b"got=200000 sha256=" + hashlib.sha256(b"x" * 200000).hexdigest().encode()
    with Origin() as origin, Warren(own("p3_post")) as w:
        for _ in range(2):
            status, _, body = request(w.port, "GET", "/sum", None, {"Host": origin.authority})
            check(status == 200 and body == want, "the origin got the guest's body", status, body)
        check(origin.chunked_uploads == 2, "sent chunked (no length known)", origin.chunked_uploads)
        w.stop()


@test
def wat_client_guest_drops_the_response_unread():
    """p3_drop.wat drops send's response while its 1 MiB body still arrives: the body stops being
    read, nothing leaks (the sanitizer build checks at exit), the same instance serves on."""
    with Origin() as origin, Warren(own("p3_drop"), "--max-instances", "1") as w:
        for _ in range(3):
            status, _, _ = request(w.port, "GET", "/big", None, {"Host": origin.authority})
            check(status == 500, "the guest's own error", status)
        w.wait_for(r"the guest answered with error-code HTTP-request-denied", count=3)
        check(not w.matching(r"guest trapped"), "no trap", w.stderr())
        w.stop()


# ---- this test's own guests in C (tests/serve_p3/c: the async canonical ABI by hand) ----

def pool_metrics(admin):
    return request(admin, path="/metrics")[2].decode()


@test
def c_hello():
    with Warren(own("p3_hello_c")) as w:
        status, headers, body = request(w.port, "GET", "/")
        check(status == 200 and body == b"hello from C p3\n", "hello", status, body)
        check(headers.get("content-type") == "text/plain", "content-type", headers)
        w.stop()


@test
def c_hello_concurrent_requests_share_one_instance():
    """12 requests at once, and 4 more one by one, all answered by the one instance (p3 defaults:
    concurrent reuse; each task keeps its state in its own context slot)."""
    admin = e2e.free_port()
    with Warren(own("p3_hello_c"), "--max-instances", "1", "--exact-limits", *e2e.NO_IDLE,
                "--admin-addr", f"127.0.0.1:{admin}") as w:
        answers = parallel(w.port, ["/%d" % i for i in range(12)])
        answers += [request(w.port, "GET", "/")[::2] for _ in range(4)]
        check(all(a == (200, b"hello from C p3\n") for a in answers), "all answered", answers)
        made = e2e.metric(pool_metrics(admin), "warren_pool_instantiations_total")
        check(made == 1, "one instance made", made)
        w.stop()


@test
def c_sleep_waits_on_the_clock_in_one_instance():
    """p3_sleep.c lowers wasi:clocks 0.3 wait-for async and waits for it from its callback: 8
    requests that each wait 1.5 s are answered by one instance, which held more than one of them at
    a time (the concurrent-tasks histogram saw a grant with others in flight)."""
    admin = e2e.free_port()
    with Warren(own("p3_sleep_c"), "--max-instances", "1", "--exact-limits", *e2e.NO_IDLE,
                "--admin-addr", f"127.0.0.1:{admin}") as w:
        status, _, body = request(w.port, "GET", "/sleep/0")
        check(status == 200 and body == b"slept 0 ms\n", "no wait", status, body)
        answers = parallel(w.port, ["/sleep/1500"] * 8)
        check(all(a == (200, b"slept 1500 ms\n") for a in answers), "all answered", answers)
        text = pool_metrics(admin)
        made = e2e.metric(text, "warren_pool_instantiations_total")
        check(made == 1, "one instance made", made)
        alone = e2e.metric(text, "warren_pool_concurrent_tasks_bucket", le="1")
        grants = e2e.metric(text, "warren_pool_concurrent_tasks_count")
        check(grants == 9 and alone is not None and alone < grants, "tasks overlapped in the instance", alone, grants)
        w.stop()


@test
def c_sleep_cancelled_by_the_timeout():
    """-W timeout: the request past its deadline is answered 500 and its task cancelled while it
    waits (the guest cancels its wait-for subtask and calls task.cancel, no trap); its neighbour on
    the same instance is answered, and the server serves on."""
    with Warren(own("p3_sleep_c"), "-W", "timeout=400ms", "--exact-limits", "--max-instances", "1", *e2e.NO_IDLE) as w:
        answers = parallel(w.port, ["/sleep/5000", "/sleep/100"])
        check(answers[0][0] == 500, "timed out", answers[0])
        check(answers[1] == (200, b"slept 100 ms\n"), "the neighbour answered", answers[1])
        w.wait_for(r"request timed out")
        status, _, body = request(w.port, "GET", "/sleep/1")
        check(status == 200 and body == b"slept 1 ms\n", "served after", status, body)
        check(not w.matching(r"trap"), "no trap", w.stderr())
        w.stop()


# ---- concurrent reuse (tests/serve_p3/probe3.wat: each answer says "count=N inflight=I max=M
# after=A idle=D" of its instance) ----

def probe_fields(body):
    """{"count": N, "inflight": I, ...} of a probe3 answer."""
    return {k: int(v) for k, v in (f.split("=") for f in body.decode().split())}


def parallel(port, paths):
    """GETs on concurrent connections; [(status, body)] in the order of `paths`."""
    results = [None] * len(paths)

    def one(i, path):
        try:
            status, _, body = request(port, "GET", path)
            results[i] = (status, body)
        except Exception as e:  # a cut connection: reported, not raised in the thread
            results[i] = (0, str(e).encode())

    threads = [threading.Thread(target=one, args=(i, p)) for i, p in enumerate(paths)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def teardown_lines(stderr):
    return [l for l in stderr.splitlines() if "teardown count=" in l]


@test
def probe_sixteen_slow_requests_share_one_instance():
    """16 requests that each wait 1.5 s run at once in one instance (p3 default concurrency 16, exact
    here): every answer comes from the same instance, which saw all 16 at once."""
    with Warren(own("probe3"), "--exact-limits", "--max-instances", "1", *e2e.NO_IDLE) as w:
        answers = parallel(w.port, ["/slow/1500"] * 16)
        check(all(status == 200 for status, _ in answers), "all answered", answers)
        fields = [probe_fields(body) for _, body in answers]
        check(sorted(f["count"] for f in fields) == list(range(1, 17)), "one instance's requests 1..16", fields)
        check(max(f["inflight"] for f in fields) == 16, "16 tasks in the instance at once", fields)
        stderr = w.stop()
        check(len(teardown_lines(stderr)) == 1, "one instance, torn down once", teardown_lines(stderr))


@test
def probe_backpressure_sends_requests_elsewhere():
    """A guest with backpressure on never sees a second task; the requests it refuses go to other
    instances, and the refusals are counted. The four arrive together, so the pool likely grants
    several to the first instance before its guest turns backpressure on: those are handed back
    before the guest sees them and sent elsewhere (each is the first request of its instance),
    rather than waiting behind the 1 s one."""
    admin = e2e.free_port()
    with Warren(own("probe3"), "--exact-limits", *e2e.NO_IDLE, "--admin-addr", f"127.0.0.1:{admin}") as w:
        answers = parallel(w.port, ["/bp/1000"] + ["/bp/600"] * 3)
        check(all(status == 200 for status, _ in answers), "all answered", answers)
        fields = [probe_fields(body) for _, body in answers]
        check(all(f["inflight"] == 1 for f in fields), "each task was alone in its instance", fields)
        check(all(f["count"] == 1 for f in fields), "none waited behind another's backpressure", fields)
        text = request(admin, path="/metrics")[2].decode()
        created = e2e.metric(text, "warren_pool_instantiations_total")
        check(created == 4, "refused requests went to other instances", created)
        stderr = w.stop()
        check(len(teardown_lines(stderr)) == created, "every instance torn down once", teardown_lines(stderr))


def wait_metric(admin, name, value, **labels):
    """Polls /metrics (published on the worker's tick) until `name` reaches `value`; bounded."""
    deadline = time.time() + 10
    while True:
        got = e2e.metric(request(admin, path="/metrics")[2].decode(), name, **labels)
        if (got or 0) >= value or time.time() > deadline:
            return got
        time.sleep(0.02)


@test
def probe_trap_redispatches_requests_the_guest_never_saw():
    """Requests granted to an instance that traps before their tasks start are sent to another
    instance, not failed. One instance at most: /bp/1500 holds backpressure while /trap and then six
    plain requests queue; when it lets go, the pool grants all seven at once, /trap runs first and
    traps at its start, and the six, which never reached the guest, are answered by a new instance."""
    admin = e2e.free_port()
    with Warren(own("probe3"), "--exact-limits", "--max-instances", "1", *e2e.NO_IDLE,
                "--admin-addr", f"127.0.0.1:{admin}") as w:
        results = {}
        def fetch(key, paths):
            results[key] = parallel(w.port, paths)
        threads = [threading.Thread(target=fetch, args=args)
                   for args in (("bp", ["/bp/1500"]), ("trap", ["/trap"]), ("plain", ["/"] * 6))]
        threads[0].start()
        check(wait_metric(admin, "warren_pool_instances", 1, state="busy") == 1, "the holder is in")
        threads[1].start()
        check(wait_metric(admin, "warren_pool_queue_length", 1) == 1, "/trap queued first")
        threads[2].start()
        check(wait_metric(admin, "warren_pool_queue_length", 7) == 7, "all seven queued behind the holder")
        for t in threads:
            t.join(timeout=60)
        check(results["bp"][0][0] == 200, "the holder answered", results["bp"])
        check(results["trap"][0][0] in (0, 500), "the trap failed", results["trap"])
        check([s for s, _ in results["plain"]] == [200] * 6, "the six were served elsewhere", results["plain"])
        requeued = wait_metric(admin, "warren_pool_requests_requeued_total", 6)
        check(requeued == 6, "the six were handed back to the pool", requeued)
        w.stop()


@test
def probe_post_response_work_keeps_the_instance():
    """/after/400 answers at once and works on for 400 ms: with one request per instance its instance
    drains at once, but its teardown waits for that work (the teardown line says after=1)."""
    with Warren(own("probe3"), "--max-instance-reuse-count", "1", *e2e.NO_IDLE) as w:
        status, _, body = request(w.port, "GET", "/after/400")
        check(status == 200 and probe_fields(body)["after"] == 0, "answered before the work", status, body)
        w.wait_for(r"teardown count=1 after=1")
        w.stop()


@test
def probe_trap_fails_only_its_instance():
    """16 requests at once on instances of 8 (exact), one of which traps after 300 ms: only the
    requests on the trapping instance fail (at most its 8, the trap's own included), every other one
    is answered, the instance is retired (one trap, one trap drain) and the server serves on. Which
    requests share an instance is the pool's choice (an instance busy for a moment gets none), so the
    test counts rather than names them."""
    admin = e2e.free_port()
    with Warren(own("probe3"), "--max-instance-concurrent-reuse-count", "8", "--exact-limits",
                "--admin-addr", f"127.0.0.1:{admin}", *e2e.NO_IDLE) as w:
        answers = parallel(w.port, ["/slow/1500"] * 15 + ["/trap-after/300"])
        failed = [a for a in answers if a[0] != 200]
        check(answers[15][0] in (0, 500), "the trapping request failed", answers[15])
        check(1 <= len(failed) <= 8, "only the trapping instance's requests failed", answers)
        check(all(s in (0, 500) for s, _ in failed), "failures are 500s or cut connections", failed)
        w.wait_for(r"guest trapped")
        deadline = time.time() + 10  # metrics are published on the worker's tick: poll, bounded
        while True:
            text = request(admin, path="/metrics")[2].decode()
            drains = e2e.metric(text, "warren_pool_drains_total", cause="trap")
            if drains or time.time() > deadline:
                break
            time.sleep(0.05)
        check(drains == 1, "one instance retired for it", text)
        status, _, body = request(w.port, "GET", "/")
        check(status == 200, "served after the trap", status, body)
        w.stop()


@test
def probe_timeout_cancels_the_task():
    """-W timeout: a request past its deadline is answered 500 and its guest task cancelled (the probe
    cancels its wait and exits); a neighbour on the same instance is answered; the instance drains and
    the server serves on."""
    with Warren(own("probe3"), "-W", "timeout=400ms", "--exact-limits", "--max-instances", "1", *e2e.NO_IDLE) as w:
        answers = parallel(w.port, ["/slow/5000", "/slow/100"])
        check(answers[0][0] == 500, "timed out", answers[0])
        check(answers[1][0] == 200, "the neighbour answered", answers[1])
        w.wait_for(r"request timed out")
        status, _, body = request(w.port, "GET", "/")
        check(status == 200 and probe_fields(body)["count"] == 1, "a new instance after the drain", status, body)
        w.stop()


@test
def probe_task_that_returns_after_its_request_was_given_up():
    """A guest may go on after task.cancel reached it and return all the same (/stubborn ignores the
    cancellation). The host's side of the call must outlive the request: the late task.return lifts
    the response into it and the task's exit reports to it. A neighbour (/after: answered at once,
    then busy) keeps the draining instance alive meanwhile. This was a use after free that corrupted
    the heap under load (AddressSanitizer reports it here). The client leaves to give the request
    up: a -W timeout would cancel the neighbour too. The server serves on and stops cleanly."""
    flags = ("--exact-limits", "--max-instances", "1", *e2e.NO_IDLE)
    with Warren(own("probe3"), *flags) as w:
        conn = Raw(w.port)
        conn.send(b"GET /stubborn/1000 HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.2)  # not an expectation: just let the request reach the guest first
        status, _, _ = request(w.port, "GET", "/after/1800")
        check(status == 200, "the neighbour answered", status)
        conn.close()
        w.wait_for(r"client went away during GET /stubborn/1000: cancelling its task")
        time.sleep(1.8)
        status, _, body = request(w.port, "GET", "/")
        check(status == 200 and probe_fields(body)["count"] == 1, "a new instance after the drain", status, body)
        w.stop()


@test
def probe_drain_waits_for_a_given_up_task():
    """A request given up while its guest task runs (the client left; /stubborn ignores the
    cancellation and answers 1200 ms after it started all the same) leaves a task running on an
    instance that, with one request per instance, drains at once. The drain waits for that task
    before the teardown hook (the seed: a drained instance waits for every task, bounded by
    --drain-timeout); it used to tear the instance down as the client left, under the task."""
    with Warren(own("probe3"), "--max-instance-reuse-count", "1", *e2e.NO_IDLE, log="info") as w:
        conn = Raw(w.port)
        sent = time.time()
        conn.send(b"GET /stubborn/1200 HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.2)  # not an expectation: just let the request reach the guest first
        conn.close()
        w.wait_for(r"client went away during GET /stubborn/1200: cancelling its task")
        w.wait_for(r"drained with 1 given-up task still running: waiting for it")
        w.wait_for(r"teardown count=1")
        # a lower bound only, which load cannot break: the task ends 1200 ms after it started
        check(time.time() - sent >= 1.1, "torn down after the task ended", time.time() - sent)
        status, _, body = request(w.port, "GET", "/")
        check(status == 200 and probe_fields(body)["count"] == 1, "a new instance serves", status, body)
        w.stop()


@test
def probe_drain_timeout_bounds_a_given_up_task():
    """--drain-timeout bounds that wait: a given-up task that would run for 20 s more is cut after
    300 ms with its instance, whose teardown is reported failed, and the server serves on."""
    with Warren(own("probe3"), "--max-instance-reuse-count", "1", "--drain-timeout", "300ms", *e2e.NO_IDLE,
                log="info") as w:
        conn = Raw(w.port)
        sent = time.time()
        conn.send(b"GET /stubborn/20000 HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.2)
        conn.close()
        w.wait_for(r"drained with 1 given-up task still running: waiting for it")
        w.wait_for(r"teardown failed")
        check(time.time() - sent < 15, "cut well before the task would end", time.time() - sent)
        status, _, body = request(w.port, "GET", "/")
        check(status == 200 and probe_fields(body)["count"] == 1, "a new instance serves", status, body)
        w.stop()


@test
def probe_task_that_answers_when_cancelled():
    """A guest may answer as its task winds down after task.cancel (/yielding: cancels its wait, then
    task.return). The answer comes while the host cancels a request it already gave up (-W timeout):
    it was kept by nobody and leaked (LeakSanitizer reports it when the server stops). The client got
    its 500; the server serves on."""
    with Warren(own("probe3"), "-W", "timeout=300ms", "--exact-limits", "--max-instances", "1", *e2e.NO_IDLE) as w:
        status, _, _ = request(w.port, "GET", "/yielding/5000")
        check(status == 500, "timed out", status)
        w.wait_for(r"request timed out")
        status, _, body = request(w.port, "GET", "/")
        check(status == 200, "served after", status, body)
        w.stop()


@test
def probe_idle_hook_runs_between_requests():
    """warren:lifecycle/idle runs once the instance went idle, once per idle period: each answer after
    a pause shows one more run; none runs while requests keep the instance busy."""
    # (a generous hook timeout: a loaded sanitizer run must not retire the instance mid-test)
    # (--max-instances 1: while the hook runs the instance takes no request, and the next one must
    # wait for it rather than start another instance)
    with Warren(own("probe3"), *e2e.NO_IDLE, "--idle-hook-timeout", "30s", "--max-instances", "1") as w:
        check(probe_fields(request(w.port)[2])["idle"] == 0, "not before the first request")
        for expected in (1, 2):
            deadline = time.time() + 10
            while True:  # the hook runs on the loop right after the request; poll the metric of it
                fields = probe_fields(request(w.port)[2])
                if fields["idle"] >= expected or time.time() > deadline:
                    break
            check(fields["idle"] == expected, "one run per idle period", fields)
        stderr = w.stop()
        check(len(teardown_lines(stderr)) == 1, "teardown once", teardown_lines(stderr))


@test
def probe_sigterm_completes_requests_in_flight():
    with Warren(own("probe3"), "--max-instances", "1", *e2e.NO_IDLE) as w:
        answers = []
        t = threading.Thread(target=lambda: answers.extend(parallel(w.port, ["/slow/600"] * 4)))
        t.start()
        time.sleep(0.2)  # not an expectation: the requests reach the guest first
        stderr = w.stop()
        t.join(timeout=60)
        check([s for s, _ in answers] == [200] * 4, "completed during the shutdown", answers)
        check(len(teardown_lines(stderr)) == 1, "then torn down", teardown_lines(stderr))


@test
def probe_metrics_of_concurrent_reuse():
    admin = e2e.free_port()
    with Warren(own("probe3"), "--exact-limits", *e2e.NO_IDLE, "--admin-addr", f"127.0.0.1:{admin}") as w:
        parallel(w.port, ["/slow/200"] * 4)
        text = request(admin, path="/metrics")[2].decode()
        for name in ("warren_pool_concurrent_tasks_count", "warren_pool_tasks_in_flight",
                     "warren_pool_tasks_after_response", "warren_pool_backpressure_refusals_total",
                     "warren_pool_cancellations_total", "warren_pool_idle_hooks_total",
                     "warren_pool_idle_hook_seconds_count"):
            check(name in text, name + " on /metrics")
        check(e2e.metric(text, "warren_pool_concurrent_tasks_count") == 4, "4 grants observed",
              e2e.metric(text, "warren_pool_concurrent_tasks_count"))
        w.stop()


def main():
    global CORPUS, COMPONENTS
    parser = argparse.ArgumentParser()
    parser.add_argument("--warren")
    parser.add_argument("--corpus")
    parser.add_argument("--components")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("tests", nargs="*")
    args = parser.parse_args()
    if args.list:
        print("\n".join(TESTS))
        return 0
    e2e.WARREN, CORPUS, COMPONENTS = args.warren, args.corpus, args.components
    return e2e.run_tests(TESTS, args.tests)


if __name__ == "__main__":
    sys.exit(main())
