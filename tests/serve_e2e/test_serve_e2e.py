#!/usr/bin/env python3
"""End-to-end tests of `warren serve` on real components (issues 4 and 5).

Usage: test_serve_e2e.py --warren WARREN --corpus CORPUS_DIR --components DIR --jco JCO.js TEST...
       test_serve_e2e.py --list

Each test starts its own `warren serve --addr 127.0.0.1:0`, reads the port from the
"Serving HTTP on ..." line, talks to it over loopback (http.client or raw sockets), and stops it
by its PID. Every wait is bounded (IO_TIMEOUT is a guard against hangs, never an expectation about
speed). A server that exits with a sanitizer report or a non-zero code after SIGTERM fails the test.

DIR holds tests/serve_e2e/*.wat assembled. probe.wasm (see probe.wat) is a per-instance counter, /spin,
/sleep/MS (logs "sleep start" to stderr first), /trap, /spin-teardown, and a
warren:lifecycle/teardown export that logs "teardown count=N" to stderr.
Pool behaviours are also observed through WARREN_LOG=info lines (instance started, draining,
destroyed, with the cause)."""
import argparse
import http.client
import http.server
import json
import os
import queue
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

IO_TIMEOUT = 30.0     # guard against hangs: sanitizer builds on a loaded 2-core machine are slow
START_TIMEOUT = 120.0  # the 13 MB componentize-js components take a while to load under ASan
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")

# reuse tests count requests per instance: no instance may retire for idleness between them,
# however slow a loaded machine makes the test client
NO_IDLE = ("--idle-instance-timeout", "1h")

WARREN = CORPUS = COMPONENTS = PROBE = JCO = None
TESTS = {}


def test(fn):
    TESTS[fn.__name__] = fn
    return fn


def check(cond, what, *details):
    if not cond:
        raise AssertionError(" ".join([what, *(repr(d) for d in details)]))


def corpus(name):
    return os.path.join(CORPUS, name)


def own(name):
    """One of this test's components (tests/serve_e2e/*.wat, assembled)."""
    return os.path.join(COMPONENTS, name)


# ---- the server under test ----

class Warren:
    """`warren serve` on a free loopback port; stderr is collected line by line."""

    def __init__(self, component, *flags, workers=1, log=None):
        env = dict(os.environ)
        if log:
            env["WARREN_LOG"] = log
        cmd = [WARREN, "serve", "--addr", "127.0.0.1:0", "--workers", str(workers), *flags, component]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.lines = []
        self.changed = threading.Condition()
        self.stdout = queue.Queue()
        self.stderr_reader = threading.Thread(target=self._collect_stderr, daemon=True)
        self.stderr_reader.start()
        threading.Thread(target=self._collect_stdout, daemon=True).start()
        try:
            first = self.stdout.get(timeout=START_TIMEOUT)
        except queue.Empty:
            self.kill()
            raise AssertionError("warren serve printed nothing within %ds: %s" % (START_TIMEOUT, self.stderr()))
        found = re.match(r"Serving HTTP on http://127\.0\.0\.1:(\d+)/$", first)
        if not found:
            self.kill()
            raise AssertionError("warren serve did not start: %r %s" % (first, self.stderr()))
        self.port = int(found.group(1))

    def _collect_stderr(self):
        for raw in self.proc.stderr:
            with self.changed:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self.changed.notify_all()

    def _collect_stdout(self):
        for raw in self.proc.stdout:
            self.stdout.put(raw.decode(errors="replace").rstrip("\n"))

    def stderr(self):
        with self.changed:
            return "\n".join(self.lines)

    def matching(self, pattern):
        with self.changed:
            return [line for line in self.lines if re.search(pattern, line)]

    def line_index(self, pattern):
        """The index of the first stderr line matching pattern."""
        with self.changed:
            for i, line in enumerate(self.lines):
                if re.search(pattern, line):
                    return i
        raise AssertionError("no stderr line matches %r:\n%s" % (pattern, self.stderr()))

    def wait_for(self, pattern, count=1):
        """Waits until `count` stderr lines match; returns them."""
        deadline = time.monotonic() + IO_TIMEOUT
        with self.changed:
            while True:
                found = [line for line in self.lines if re.search(pattern, line)]
                if len(found) >= count:
                    return found
                over = not self.stderr_reader.is_alive()  # the process closed its stderr
                if over or time.monotonic() >= deadline:
                    raise AssertionError("stderr never had %d line(s) matching %r:\n%s"
                                         % (count, pattern, "\n".join(self.lines)))
                self.changed.wait(0.2)

    def send(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self):
        try:
            return self.proc.wait(timeout=IO_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("warren serve did not exit within %ds" % IO_TIMEOUT)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        """SIGTERM; the server must exit 0 with no sanitizer report. Returns its stderr."""
        self.send(signal.SIGTERM)
        code = self.wait_exit()
        self.check_clean()
        check(code == 0, "exit code after SIGTERM", code, self.stderr())
        return self.stderr()

    def check_clean(self):
        """After exit: all of stderr read, and no sanitizer report in it."""
        self.stderr_reader.join(IO_TIMEOUT)
        text = self.stderr()
        for mark in SANITIZER_MARKS:
            check(mark not in text, "sanitizer report", text)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


# ---- clients ----

def request(port, method="GET", path="/", body=None, headers=None):
    """One request on a fresh connection: (status, {lower-case name: value}, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=IO_TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def get_ok(port, path="/"):
    status, headers, body = request(port, "GET", path)
    check(status == 200, "status of GET " + path, status, body)
    return headers, body


def counter_of(port, path="/"):
    headers, _ = get_ok(port, path)
    return int(headers["x-counter"])


@test
def js_request_fields_as_the_guest_sees_them():
    """Issue 13, item 6: OWS around values is trimmed (a componentize-js guest trapped on
    "Host: x "), and the fields of the connection never reach the guest."""
    with Warren(corpus("js/echo.wasm")) as w:
        conn = Raw(w.port)
        conn.send(b"POST /f HTTP/1.1\r\nHost: x \r\nConnection: keep-alive, X-Private\r\nKeep-Alive: 5\r\n"
                  b"TE: trailers\r\nUpgrade: h2c\r\nX-Private: secret\r\nX-Pad: \t v \r\nContent-Length: 2 \r\n\r\nhi")
        status, headers, body = conn.response()
        check(status == 200 and body == b"hi", "echoed", status, body)
        check(headers.get("x-echo-h-x-pad") == "v", "value trimmed", headers)
        for name in ("connection", "keep-alive", "te", "upgrade", "x-private"):
            check("x-echo-h-" + name not in headers, "hop-by-hop field hidden: " + name, headers)
        conn.close()
        w.stop()


@test
def js_expect_100_continue():
    """Issue 13, item 4: the 100 comes when the guest reads the body, before the client sends it."""
    with Warren(corpus("js/echo.wasm")) as w:
        conn = Raw(w.port)
        conn.send(b"POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        status, _, _ = conn.response()
        check(status == 100, "100 Continue before the body", status)
        conn.send(b"ping")
        status, _, body = conn.response()
        check(status == 200 and body == b"ping", "then the answer", status, body)
        conn.close()
        w.stop()


class Raw:
    """A raw connection that reads HTTP/1.1 responses one at a time."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
        self.buf = b""
        self.head = None  # (status, headers) of the response being read

    def send(self, data):
        self.sock.sendall(data)

    def _more(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed by the server")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._more()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _take(self, n):
        while len(self.buf) < n:
            self._more()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self):
        version, status, _ = (self._line().decode() + "  ").split(" ", 2)
        check(version == "HTTP/1.1", "status line version", version)
        headers = {}
        while True:
            line = self._line()
            if not line:
                break
            name, value = line.decode().split(":", 1)
            headers[name.strip().lower()] = value.strip()
        self.head = (int(status), headers)
        if "content-length" in headers:
            return int(status), headers, self._take(int(headers["content-length"]))
        body = b""
        self.trailers = {}  # a chunked response's trailer fields, names lower-cased
        if headers.get("transfer-encoding") == "chunked":
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while True:
                        line = self._line()
                        if not line:
                            break
                        name, value = line.decode("latin-1").split(":", 1)
                        self.trailers[name.strip().lower()] = value.strip()
                    return int(status), headers, body
                body += self._take(size)
                check(self._take(2) == b"\r\n", "chunk terminator")
        return int(status), headers, body

    def closed_or_error(self):
        """True once the server has closed the connection (anything it sent before is ignored)."""
        try:
            while self.sock.recv(65536):
                pass
            return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


def in_thread(fn, *args):
    """Runs fn(*args) on a thread; returns a function that waits (bounded) for its result."""
    box = {}

    def run():
        try:
            box["value"] = fn(*args)
        except BaseException as e:  # handed to the waiting test
            box["error"] = e
    t = threading.Thread(target=run, daemon=True)
    t.start()

    def result():
        t.join(IO_TIMEOUT)
        check(not t.is_alive(), "a background request did not finish")
        if "error" in box:
            raise box["error"]
        return box["value"]
    return result


# ---- issue 4: the corpus behaves as under `jco serve --isolate-requests instance` ----

@test
def corpus_js_hello():
    with Warren(corpus("js/hello.wasm")) as w:
        headers, body = get_ok(w.port, "/abc?x=1")
        check(body == b"hello from js /abc\n", "body", body)
        check(headers.get("content-type") == "text/plain", "content-type", headers)
        w.stop()


@test
def corpus_js_echo():
    with Warren(corpus("js/echo.wasm")) as w:
        status, headers, body = request(w.port, "POST", "/p/q?a=1", b"some body text",
                                        {"x-foo": "bar", "content-type": "text/x-test"})
        check(status == 200 and body == b"some body text", "echo", status, body)
        check(headers.get("x-echo-method") == "POST", "method", headers)
        check(headers.get("x-echo-path") == "/p/q?a=1", "path", headers)
        check(headers.get("x-echo-body-length") == "14", "body length", headers)
        check(headers.get("x-echo-h-x-foo") == "bar", "request header", headers)
        check(headers.get("content-type") == "text/x-test", "content-type", headers)
        for method in ("PUT", "DELETE", "PATCH"):
            status, headers, body = request(w.port, method, "/m", b"x")
            check(status == 200 and headers.get("x-echo-method") == method, method, status, headers)
        status, headers, body = request(w.port, "POST", "/j?json=1", b"{\"k\": 1}", {"x-bar": "baz"})
        check(status == 200 and headers.get("content-type") == "application/json", "json", status, headers)
        doc = json.loads(body)
        check(doc["method"] == "POST", "json method", doc)
        check(doc["url"] == "http://127.0.0.1:%d/j?json=1" % w.port, "json url", doc)
        check(doc["headers"].get("x-bar") == "baz", "json headers", doc)
        check(doc["bodyLength"] == 8 and doc["body"] == "{\"k\": 1}", "json body", doc)
        w.stop()


@test
def corpus_js_counter():
    # p2 default: a fresh instance per request, so the guest's global counter is always 1
    with Warren(corpus("js/counter.wasm")) as w:
        for _ in range(4):
            headers, body = get_ok(w.port)
            check(headers.get("x-counter") == "1" and body.startswith(b"count=1 "), "counter", headers, body)
        w.stop()


@test
def corpus_js_throw():
    # /sync throws in the listener, other paths reject respondWith: 500 either way, and the
    # server goes on answering (each request gets a fresh instance)
    with Warren(corpus("js/throw.wasm")) as w:
        for path in ("/sync", "/async", "/sync", "/async"):
            status, _, _ = request_allowing_truncation(w.port, path)
            check(status == 500, "status of " + path, status)
        w.stop()


def request_allowing_truncation(port, path):
    """GET on a raw connection: (status, headers, body complete?). A guest that fails after
    starting its response leaves the body unfinished: the server then closes the connection."""
    conn = Raw(port)
    try:
        conn.send(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n\r\n")
        try:
            status, headers, _ = conn.response()
            return status, headers, True
        except EOFError:
            check(conn.head is not None, "no response head before the connection closed")
            return conn.head[0], conn.head[1], False
    finally:
        conn.close()


@test
def trap_then_next_succeeds():
    with Warren(PROBE) as w:
        status, _, body = request(w.port, "GET", "/trap")
        check(status == 500 and len(body) < 100, "a trapping guest", status, body)
        w.wait_for(r"guest trapped")
        headers, body = get_ok(w.port, "/next")
        check(body == b"count=1\n", "the next request", body)
        w.stop()


class Upstream:
    """A local HTTP server for the fetch component; records the requests it saw."""

    def __init__(self):
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                body = BIG_TEXT if self.path == "/big" else b"upstream says hi"
                self.send_response(200 if self.path != "/missing" else 404)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@test
def corpus_js_fetch():
    upstream = Upstream()
    try:
        with Warren(corpus("js/fetch.wasm")) as w:
            base = "http://127.0.0.1:%d" % upstream.port
            status, headers, body = request(w.port, "GET", "/", headers={"x-fetch-url": base + "/x"})
            check(status == 200, "status", status, body)
            check(body == b"upstream_status=200\nupstream_body=upstream says hi\n", "body", body)
            check(headers.get("x-upstream-status") == "200", "x-upstream-status", headers)
            check(upstream.seen and upstream.seen[0][0] == "/x", "upstream path", upstream.seen)
            check(upstream.seen[0][1].get("x-from") == "corpus-fetch-component", "upstream headers", upstream.seen)
            status, _, body = request(w.port, "GET", "/?url=" + base + "/missing")
            check(status == 200 and body.startswith(b"upstream_status=404\n"), "404 upstream", status, body)
            status, _, body = request(w.port, "GET", "/")
            check(status == 400 and body == b"missing x-fetch-url header\n", "no url", status, body)
            status, _, body = request(w.port, "GET", "/", headers={"x-fetch-url": base + "/big"})
            check(status == 200 and body == b"upstream_status=200\nupstream_body=" + BIG_TEXT + b"\n",
                  "a 1 MiB upstream body", status, len(body))
            # a refused connection is the guest's error to handle: fetch() rejects -> 502
            closed = socket.socket()
            closed.bind(("127.0.0.1", 0))
            dead = "http://127.0.0.1:%d/" % closed.getsockname()[1]
            closed.close()
            status, _, body = request(w.port, "GET", "/", headers={"x-fetch-url": dead})
            check(status == 502 and body.startswith(b"fetch failed"), "refused upstream", status, body)
            w.stop()
    finally:
        upstream.close()


@test
def corpus_c_handler():
    with Warren(corpus("c/http-handler.wasm")) as w:
        headers, body = get_ok(w.port, "/x?y")
        check(body == b"hello from C method=GET path=/x?y count=1\n", "body", body)
        check(headers.get("x-counter") == "1" and headers.get("content-type") == "text/plain", "headers", headers)
        status, _, body = request(w.port, "POST", "/post", b"ignored")
        check(status == 200 and body == b"hello from C method=POST path=/post count=1\n", "POST", status, body)
        status, _, body = request(w.port, "PURGE", "/other")
        check(status == 200 and body == b"hello from C method=PURGE path=/other count=1\n", "other method", body)
        w.stop()


@test
def corpus_wat_hello():
    for name in ("wat/http-hello.wasm", "wat/http-hello-roundtrip.wasm"):
        with Warren(corpus(name)) as w:
            headers, body = get_ok(w.port, "/anything")
            check(body == b"hello\n" and headers.get("content-type") == "text/plain", name, headers, body)
            w.stop()


def pattern(n, seed):
    return random.Random(seed).randbytes(n)


def text_pattern(n, seed):
    """n bytes of lower-case letters and newlines (a body a JS guest reads as text)."""
    letters = b"abcdefghijklmnopqrstuvwxyz\n"
    return pattern(n, seed).translate(bytes(letters[i % len(letters)] for i in range(256)))


BIG_TEXT = text_pattern(1 << 20, 4)


class JcoServe:
    """`jco serve --isolate-requests instance` of a component: the reference behaviour."""

    def __init__(self, component):
        self.port = free_port()
        self.work = tempfile.TemporaryDirectory()  # its transpiled code, removed afterwards
        self.proc = subprocess.Popen(["node", JCO, "serve", "--port", str(self.port), "--isolate-requests",
                                      "instance", "--jco-dir", self.work.name, component], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=IO_TIMEOUT).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise AssertionError("jco serve %s did not start" % component)
                time.sleep(0.2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: node and anything it started
        self.proc.wait()
        self.work.cleanup()


def comparable(component, response):
    """(status, body) with what legitimately differs between two servers taken out."""
    status, headers, body = response
    if component == "js/counter.wasm":
        body = re.sub(rb"instance_born_at=\d+", b"instance_born_at=T", body)
    return status, headers.get("content-type"), body


PARITY = [
    # (component, [(method, path, body, headers)])
    ("js/hello.wasm", [("GET", "/", None, {}), ("GET", "/a/b?c=d", None, {}), ("POST", "/p", b"x", {})]),
    ("js/echo.wasm", [("POST", "/e?x=1", b"some body", {"content-type": "text/x-a"}), ("GET", "/g", None, {}),
                      ("PUT", "/big", pattern(200000, 3), {})]),
    ("js/counter.wasm", [("GET", "/", None, {})] * 3),
    ("js/fetch.wasm", [("GET", "/", None, {}), ("GET", "/", None, {"x-fetch-url": "{upstream}/u"}),
                       ("GET", "/?url={upstream}/missing", None, {})]),
    ("c/http-handler.wasm", [("GET", "/x?y", None, {}), ("DELETE", "/d", None, {}), ("GET", "/", None, {})]),
    ("wat/http-hello.wasm", [("GET", "/", None, {}), ("POST", "/p", b"ignored", {})]),
    ("wat/http-hello-roundtrip.wasm", [("GET", "/", None, {})]),
]


@test
def jco_parity():
    # same status, content-type and body as `jco serve --isolate-requests instance`
    upstream = Upstream()
    base = "http://127.0.0.1:%d" % upstream.port
    try:
        for component, requests in PARITY:
            with Warren(corpus(component)) as w, JcoServe(corpus(component)) as jco:
                for method, path, body, headers in requests:
                    path = path.replace("{upstream}", base)
                    headers = {k: v.replace("{upstream}", base) for k, v in headers.items()}
                    ours = comparable(component, request(w.port, method, path, body, headers))
                    theirs = comparable(component, request(jco.port, method, path, body, headers))
                    check(ours == theirs, "%s %s %s" % (component, method, path), ours, theirs)
                w.stop()
        # the throwing component: the same status (500) for both paths
        with Warren(corpus("js/throw.wasm")) as w, JcoServe(corpus("js/throw.wasm")) as jco:
            for path in ("/sync", "/async"):
                ours = request_allowing_truncation(w.port, path)[0]
                theirs = request_allowing_truncation(jco.port, path)[0]
                check(ours == theirs == 500, "js/throw.wasm " + path, ours, theirs)
            w.stop()
    finally:
        upstream.close()


@test
def echo_one_mib():
    data = pattern(1 << 20, 1)
    with Warren(corpus("js/echo.wasm")) as w:
        status, headers, body = request(w.port, "POST", "/big", data)
        check(status == 200 and headers.get("x-echo-body-length") == str(len(data)), "1 MiB", status, headers)
        check(body == data, "1 MiB body echoed intact", len(body))
        # the same body sent chunked, in pieces of uneven size
        conn = Raw(w.port)
        conn.send(b"POST /big-chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        at = 0
        for size in [1, 4095, 70000] + [65536] * 15 + [len(data)]:
            piece = data[at:at + size]
            if not piece:
                break
            conn.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
            at += len(piece)
        conn.send(b"0\r\n\r\n")
        status, headers, body = conn.response()
        conn.close()
        check(status == 200 and body == data, "chunked 1 MiB echoed intact", status, len(body))
        w.stop()


@test
def keep_alive_and_pipelining():
    with Warren(corpus("c/http-handler.wasm")) as w:
        conn = Raw(w.port)
        for i in range(3):  # keep-alive: one after the other on one connection
            conn.send(b"GET /k%d HTTP/1.1\r\nHost: t\r\n\r\n" % i)
            status, _, body = conn.response()
            check(status == 200 and body == b"hello from C method=GET path=/k%d count=1\n" % i, "keep-alive", body)
        # pipelining: three requests in one write, answered in order
        conn.send(b"".join(b"GET /p%d HTTP/1.1\r\nHost: t\r\n\r\n" % i for i in range(3)))
        for i in range(3):
            status, _, body = conn.response()
            check(status == 200 and body == b"hello from C method=GET path=/p%d count=1\n" % i, "pipelined", body)
        conn.close()
        w.stop()
    with Warren(corpus("js/echo.wasm")) as w:
        conn = Raw(w.port)
        bodies = [b"first", pattern(100000, 2), b"", b"last"]
        conn.send(b"".join(b"POST /e%d HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % (i, len(b)) + b
                           for i, b in enumerate(bodies)))
        for i, sent in enumerate(bodies):
            status, headers, body = conn.response()
            check(status == 200 and headers.get("x-echo-path") == "/e%d" % i and body == sent,
                  "pipelined echo %d" % i, status, headers)
        conn.close()
        w.stop()


@test
def timeout_spinning_guest():
    with Warren(PROBE, "-W", "timeout=200ms") as w:
        status, _, body = request(w.port, "GET", "/spin")
        check(status == 500, "spinning guest", status, body)
        check(b"interrupt" not in body and len(body) < 100, "no guest error text in the body", body)
        w.wait_for(r"request timed out")
        headers, body = get_ok(w.port, "/after")
        check(body == b"count=1\n", "the next request", body)
        # a guest waiting (not spinning) past the timeout is cut off too
        status, _, _ = request(w.port, "GET", "/sleep/5000")
        check(status == 500, "sleeping past the timeout", status)
        get_ok(w.port)
        w.stop()


@test
def max_memory_size_caps_growth():
    # the probe's /grow grows a page at a time until memory.grow answers -1 (or 1024 pages) and
    # reports the pages it reached: under a 1 MiB cap that is 16, and the server goes on serving
    with Warren(PROBE, "-W", "max-memory-size=1048576") as w:
        _, body = get_ok(w.port, "/grow")
        check(body == b"count=16\n", "pages reached under the cap", body)
        _, body = get_ok(w.port, "/grow")
        check(body == b"count=16\n", "pages reached by the next instance", body)
        _, body = get_ok(w.port, "/after")
        check(body == b"count=1\n", "the next request", body)
        w.stop()
    with Warren(PROBE) as w:
        _, body = get_ok(w.port, "/grow")
        check(body == b"count=1024\n", "pages reached without a cap", body)
        w.stop()


@test
def sigterm_finishes_in_flight():
    with Warren(PROBE) as w:
        slow = in_thread(request, w.port, "GET", "/sleep/1500")
        w.wait_for(r"sleep start")
        w.send(signal.SIGTERM)
        w.wait_for(r"finishing in-flight requests")
        status, _, body = slow()
        check(status == 200 and body == b"count=1\n", "the in-flight response completes", status, body)
        check(w.wait_exit() == 0, "exit code", w.proc.returncode, w.stderr())
        w.check_clean()


@test
def sigterm_stops_accepting():
    with Warren(PROBE) as w:
        slow = in_thread(request, w.port, "GET", "/sleep/2000")
        w.wait_for(r"sleep start")
        w.send(signal.SIGTERM)
        w.wait_for(r"finishing in-flight requests")
        refused = False
        try:
            status, _, _ = request(w.port, "GET", "/late")
        except (ConnectionError, http.client.HTTPException, OSError):
            refused = True
        check(refused or status == 503, "a request after SIGTERM is not served")
        check(slow()[0] == 200, "the in-flight request")
        check(w.wait_exit() == 0, "exit code", w.stderr())


@test
def second_signal_exits_at_once():
    with Warren(PROBE) as w:
        slow = in_thread(request_or_error, w.port, "/sleep/60000")
        w.wait_for(r"sleep start")
        w.send(signal.SIGTERM)
        w.wait_for(r"finishing in-flight requests")
        w.send(signal.SIGTERM)
        code = w.wait_exit()  # bounded well below the 60 s the guest sleeps
        check(code != 0, "exit code after a second signal", code)
        check(slow() != 200, "the cut-off request was not answered 200")


def request_or_error(port, path):
    try:
        return request(port, "GET", path)[0]
    except (ConnectionError, http.client.HTTPException, OSError) as e:
        return repr(e)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@test
def shutdown_addr():
    # a connection to --shutdown-addr stops the server as SIGTERM does: in-flight work finishes
    shutdown = free_port()
    with Warren(PROBE, "--shutdown-addr", "127.0.0.1:%d" % shutdown) as w:
        slow = in_thread(request, w.port, "GET", "/sleep/1000")
        w.wait_for(r"sleep start")
        socket.create_connection(("127.0.0.1", shutdown), timeout=IO_TIMEOUT).close()
        status, _, body = slow()
        check(status == 200 and body == b"count=1\n", "the in-flight response completes", status, body)
        check(w.wait_exit() == 0, "exit code", w.stderr())
        w.check_clean()


MALFORMED = [
    # (what, bytes, acceptable statuses; None means the server may just close)
    ("garbage request line", b"NONSENSE\r\n\r\n", {400}),
    ("header without a colon", b"GET / HTTP/1.1\r\nHost: t\r\nno colon here\r\n\r\n", {400}),
    ("NUL in the target", b"GET /a\x00b HTTP/1.1\r\nHost: t\r\n\r\n", {400}),
    ("bad version", b"GET / HTTP/9.9\r\nHost: t\r\n\r\n", {400, 505}),
    ("both content-length and chunked",
     b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", {400}),
    ("negative content-length", b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: -5\r\n\r\n", {400}),
    ("bad chunk size while the guest reads the body",
     b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n", None),
    ("huge chunk size", b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", None),
]


@test
def malformed_requests():
    with Warren(corpus("js/echo.wasm"), "--max-request-body-size", "4096", "--max-http-fields-size", "8192") as w:
        for what, raw, statuses in MALFORMED:
            conn = Raw(w.port)
            conn.send(raw)
            try:
                status, _, _ = conn.response()
                check(statuses is None or status in statuses, what, status)
                check(status >= 400, what + ": an error status", status)
            except EOFError:
                check(statuses is None, what + ": closed without a response")
            conn.close()
            get_ok(w.port, "/still-serving")
        # over the limits
        conn = Raw(w.port)
        conn.send(b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 10000 + b"\r\n\r\n")
        check(conn.response()[0] == 431, "head over --max-http-fields-size")
        conn.close()
        status, _, _ = request(w.port, "POST", "/", b"b" * 5000)
        check(status == 413, "body over --max-request-body-size", status)
        # a client that promises a body and goes away while the guest reads it
        conn = Raw(w.port)
        conn.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\nonly this")
        conn.sock.shutdown(socket.SHUT_WR)
        check(conn.closed_or_error(), "truncated body: the connection ends")
        conn.close()
        conn = Raw(w.port)
        conn.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\nonly this")
        conn.close()
        get_ok(w.port, "/still-serving")
        w.stop()


BAD_INVOCATIONS = [
    # (flags and component, exit code, stderr pattern)
    (["--max-instance-reuse-count", "0", "{c}/c/http-handler.wasm"], 2, r"--max-instance-reuse-count: must be at least 1"),
    (["--max-instance-reuse-count", "5..2", "{c}/c/http-handler.wasm"], 2, r"--max-instance-reuse-count: range '5\.\.2' is empty"),
    (["--idle-instance-timeout", "5", "{c}/c/http-handler.wasm"], 2, r"--idle-instance-timeout: .*needs a unit"),
    (["--shutdown-timeout", "30", "{c}/c/http-handler.wasm"], 2, r"--shutdown-timeout: .*needs a unit"),
    (["--shutdown-timeout", "0s", "{c}/c/http-handler.wasm"], 2, r"greater than zero"),
    (["-W", "nope", "{c}/c/http-handler.wasm"], 2, r"unknown -W option 'nope'"),
    (["-W", "timeout=soon", "{c}/c/http-handler.wasm"], 2, r"-W timeout: duration 'soon'"),
    (["-W", "max-memory-size=lots", "{c}/c/http-handler.wasm"], 2, r"-W max-memory-size: expected a whole number"),
    (["-W", "max-memory-size=1000", "{own}/probe.wasm"], 1,
     r"probe\.wasm: .*exceeds the limit of 1000 bytes \(max-memory-size\)"),
    (["--no-such-flag", "{c}/c/http-handler.wasm"], 2, r"unknown option '--no-such-flag'"),
    (["{c}/no/such/file.wasm"], 1, r"cannot open .*no/such/file\.wasm"),
    (["{core}"], 1, r"is not a component"),
    (["{c}/wat/add.wasm"], 1, r"does not export wasi:http/incoming-handler"),
    (["{c}/c/hello-cli.wasm"], 1, r"does not export wasi:http/incoming-handler"),
    (["{own}/trap_at_start.wasm"], 1, r"trap_at_start\.wasm: instantiation trapped: unreachable"),
    # input files: only regular files are read (a device, a FIFO would read forever or block)
    (["/dev/zero"], 1, r"cannot read /dev/zero: it is a character device, and only regular files are read"),
    (["{dir}"], 1, r"cannot read .*: it is a directory"),
    (["{fifo}"], 1, r"cannot read .*fifo\.wasm: it is a FIFO or pipe"),
    (["--header-timeout", "0s", "{c}/c/http-handler.wasm"], 2, r"--header-timeout: duration '0s' must be greater than zero"),
    (["--header-timeout", "500us", "{c}/c/http-handler.wasm"], 2, r"--header-timeout: expected a duration from 1ms to 24h"),
    (["--body-timeout", "soon", "{c}/c/http-handler.wasm"], 2, r"--body-timeout: duration 'soon'"),
    (["--keep-alive-timeout", "{c}/c/http-handler.wasm"], 2, r"--keep-alive-timeout: duration"),
    (["--body-idle-timeout=2d", "{c}/c/http-handler.wasm"], 2, r"--body-idle-timeout: duration"),
]


@test
def bad_flags():
    work = tempfile.TemporaryDirectory()
    core = os.path.join(work.name, "core-module.wasm")
    with open(core, "wb") as f:
        f.write(b"\0asm\1\0\0\0")  # an empty core module: valid wasm, not a component
    fifo = os.path.join(work.name, "fifo.wasm")
    os.mkfifo(fifo)
    for args, code, message in BAD_INVOCATIONS:
        args = [a.format(c=CORPUS, core=core, own=COMPONENTS, dir=work.name, fifo=fifo) for a in args]
        cmd = [WARREN, "serve", "--addr", "127.0.0.1:0"] + args
        proc = subprocess.run(cmd, capture_output=True, timeout=START_TIMEOUT)
        err = proc.stderr.decode(errors="replace")
        check(proc.returncode == code, "exit code of %s" % args, proc.returncode, err)
        check(re.search(message, err), "error message of %s" % args, err)
        check(b"Serving HTTP" not in proc.stdout, "did not serve", args)
        for mark in SANITIZER_MARKS:
            check(mark not in err, "sanitizer report", err)


@test
def help_shows_guest_and_shutdown_bounds():
    out = subprocess.run([WARREN, "serve", "--help"], capture_output=True, timeout=START_TIMEOUT).stdout.decode()
    check(re.search(r"--shutdown-timeout D .*\(default 30s\)", out), "--shutdown-timeout and its default", out)
    check(re.search(r"--drain-timeout D .*\(default 5s\)", out), "--drain-timeout and its default", out)
    check(re.search(r"-W timeout=DURATION[^\n]*\n\s+\(default: none; a busy guest still yields every 10 ms\)", out),
          "-W timeout has no default, and preemption is said", out)
    # every flag that bounds a client or a guest says its default on its own line
    defaults = {
        "--max-concurrent-requests N": "default 1000", "--max-concurrent-connections N": "default 1000",
        "--max-request-body-size BYTES": "default 64 MiB", "--max-http-fields-size BYTES": "default 64 KiB",
        "--header-timeout D": "default 10s", "--keep-alive-timeout D": "60s", "--body-idle-timeout D": "60s",
        "--body-timeout D": "5m", "--min-instances N": "default 0", "--max-instances N": "default 1000",
        "--max-queued-requests N": "default 1000", "--queue-timeout D": "default 10s",
        "--idle-instance-timeout D|A..B": "default 1s", "-W max-memory-size=BYTES": "default: none",
    }
    for flag, default in defaults.items():
        line = next((l for l in out.splitlines() if l.strip().startswith(flag)), None)
        check(line is not None, "--help lists " + flag, out)
        if line is not None:
            block = out[out.index(line):].split("\n  -")[0]  # the flag's line and its continuation lines
            check(default in block, flag + " shows its default " + default, block)


@test
def concurrent_clients():
    # 16 clients at once on 2 workers, keep-alive, through real guests: every answer complete
    def client(port, n, tag):
        conn = Raw(port)
        counts = []
        for i in range(n):
            conn.send(b"GET /%s/%d HTTP/1.1\r\nHost: t\r\n\r\n" % (tag, i))
            status, headers, body = conn.response()
            check(status == 200 and body.endswith(b"path=/%s/%d count=%s\n" % (tag, i, headers["x-counter"].encode())),
                  "answer", status, body)
            counts.append(int(headers["x-counter"]))
        conn.close()
        return counts
    for flags, allowed in (((), {1}), (("--max-instance-reuse-count", "3", "--exact-limits", *NO_IDLE), {1, 2, 3})):
        with Warren(corpus("c/http-handler.wasm"), *flags, workers=2) as w:
            waits = [in_thread(client, w.port, 25, b"c%d" % i) for i in range(16)]
            counts = [c for wait in waits for c in wait()]
            check(len(counts) == 400 and set(counts) <= allowed, "counts", flags, sorted(set(counts)))
            w.stop()


# ---- issue 5: the pool with real guests ----

@test
def pool_fresh_instance_per_request():
    with Warren(corpus("c/http-handler.wasm"), workers=2) as w:
        counts = [counter_of(w.port, "/n%d" % i) for i in range(10)]
        check(counts == [1] * 10, "p2 default: a fresh instance per request", counts)
        conn = Raw(w.port)  # one keep-alive connection does not mean one instance
        for i in range(5):
            conn.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            status, headers, _ = conn.response()
            check(status == 200 and headers["x-counter"] == "1", "keep-alive request %d" % i, headers)
        conn.close()
        w.stop()


@test
def pool_exact_reuse_count():
    with Warren(corpus("c/http-handler.wasm"), "--max-instance-reuse-count", "3", "--exact-limits", *NO_IDLE) as w:
        counts = [counter_of(w.port) for _ in range(9)]
        check(counts == [1, 2, 3] * 3, "reuse 3, exact", counts)
        w.stop()


def instance_runs(counts):
    """Splits a sequence of per-instance counters into the runs of each instance (the counter
    restarts at 1 on a new instance); returns the lengths of the complete runs."""
    runs, current = [], 0
    for c in counts:
        if c == 1 and current:
            runs.append(current)
        check(c == 1 or c == current + 1, "counter sequence", counts)
        current = c
    return runs  # the last run may be unfinished: left out


def reuse_sequence(*flags, requests=120):
    with Warren(corpus("c/http-handler.wasm"), *flags, *NO_IDLE) as w:
        conn = Raw(w.port)
        counts = []
        for _ in range(requests):
            conn.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            status, headers, _ = conn.response()
            check(status == 200, "status", status)
            counts.append(int(headers["x-counter"]))
        conn.close()
        w.stop()
    return counts


@test
def pool_reuse_range_seeded():
    counts = reuse_sequence("--max-instance-reuse-count", "2..5", "--seed", "7")
    runs = instance_runs(counts)
    check(len(runs) >= 20, "many instances", runs)
    check(all(2 <= r <= 5 for r in runs), "every instance's count within [2, 5]", runs)
    check(len(set(runs)) > 1, "the counts vary between instances", runs)
    again = reuse_sequence("--max-instance-reuse-count", "2..5", "--seed", "7")
    check(again == counts, "the same seed gives the same sequence", counts, again)


@test
def pool_reuse_single_number_sampled():
    # without --exact-limits a single N is sampled from [ceil(N/2), N]
    runs = instance_runs(reuse_sequence("--max-instance-reuse-count", "6", "--seed", "3"))
    check(len(runs) >= 15 and all(3 <= r <= 6 for r in runs), "counts within [3, 6]", runs)
    check(len(set(runs)) > 1, "the counts vary", runs)


@test
def pool_queue_full_503():
    with Warren(PROBE, "--max-instances", "1", "--max-queued-requests", "0") as w:
        slow = in_thread(request, w.port, "GET", "/sleep/1500")
        w.wait_for(r"sleep start")
        status, _, _ = request(w.port, "GET", "/second")
        check(status == 503, "a request beyond the only instance and an empty queue", status)
        check(slow()[0] == 200, "the slow request")
        get_ok(w.port, "/third")
        w.stop()


@test
def pool_queue_timeout_503():
    with Warren(PROBE, "--max-instances", "1", "--max-queued-requests", "4", "--queue-timeout", "200ms") as w:
        slow = in_thread(request, w.port, "GET", "/sleep/2000")
        w.wait_for(r"sleep start")
        status, _, _ = request(w.port, "GET", "/queued")
        check(status == 503, "a queued request past --queue-timeout", status)
        check(slow()[0] == 200, "the slow request")
        w.stop()


@test
def pool_queue_waits_for_instance():
    # a queued request within its timeout is served once the instance is free
    with Warren(PROBE, "--max-instances", "1", "--max-queued-requests", "4", "--queue-timeout", "20s") as w:
        slow = in_thread(request, w.port, "GET", "/sleep/500")
        w.wait_for(r"sleep start")
        headers, body = get_ok(w.port, "/queued")
        check(body == b"count=1\n", "the queued request's answer", body)
        check(slow()[0] == 200, "the slow request")
        w.stop()


@test
def pool_idle_timeout_retires():
    with Warren(corpus("c/http-handler.wasm"), "--max-instance-reuse-count", "100", "--exact-limits",
                "--idle-instance-timeout", "500ms", log="info") as w:
        conn = Raw(w.port)
        counts = []
        for _ in range(2):
            conn.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            counts.append(int(conn.response()[1]["x-counter"]))
        check(counts == [1, 2], "back to back on one instance", counts)
        w.wait_for(r"pool: instance \d+ destroyed \(idle\) after 2 requests")
        conn.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        check(conn.response()[1]["x-counter"] == "1", "a new instance after the idle time")
        conn.close()
        w.stop()


@test
def pool_burst_on_fresh_instances_holds_few():
    """200 requests at once to a p2 guest, a fresh instance each: the worker makes at most 8
    instances per turn of its scheduler and their requests run before more are made, so the
    burst never holds more than a few at once. It held one per request (200 stacks, memory slots
    and page tables), and throughput fell tenfold at a few hundred connections."""
    with Warren(corpus("wat/http-hello.wasm"), log="debug") as w:
        conns = [Raw(w.port) for _ in range(200)]
        for c in conns:
            c.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        for c in conns:
            check(c.response()[0] == 200, "every request answered")
            c.sock.close()
        # the log lines come through a pipe the test reads on a thread: an answer can be read
        # before the lines of its instance are (a count taken at once came short under load)
        w.wait_for(r"serve: \[instance \d+\] started", count=200)
        w.wait_for(r"serve: \[instance \d+\] retired", count=200)
        events = w.matching(r"serve: \[instance \d+\] (started|retired)")
        live = peak = started = 0
        for line in events:
            if "started" in line:
                started += 1
                live += 1
            else:
                live -= 1
            peak = max(peak, live)
        check(started == 200, "a fresh instance per request", started)
        check(peak <= 16, "instances alive at once", peak)
        w.stop()


@test
def pool_min_instances_prewarm():
    with Warren(corpus("c/http-handler.wasm"), "--min-instances", "2", log="info") as w:
        # before any request, two instances were started
        w.wait_for(r"pool: instance \d+ started", count=2)
        check(counter_of(w.port) == 1, "first request")
        w.stop()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def metric(text, name, **labels):
    """The value of one Prometheus sample (labels must match those given)."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        found = re.match(r"([a-z_]+)\{([^}]*)\} (\S+)$", line)
        if not found or found.group(1) != name:
            continue
        have = dict(re.findall(r'([a-z_]+)="([^"]*)"', found.group(2)))
        if all(have.get(k) == v for k, v in labels.items()):
            return float(found.group(3))
    return None


@test
def admin_metrics():
    admin = free_port()
    with Warren(corpus("c/http-handler.wasm"), "--min-instances", "2", "--admin-addr", f"127.0.0.1:{admin}") as w:
        check(request(admin, path="/healthz")[2] == b"ok\n", "/healthz")
        # pre-warmed before any request (published within a tick)
        deadline = time.time() + 10
        while True:
            status, _, text = request(admin, path="/metrics")
            ready = metric(text.decode(), "warren_pool_instances", state="ready")
            if ready == 2 or time.time() > deadline:
                break
            time.sleep(0.05)
        check(status == 200 and ready == 2, "two ready instances before any request", ready)
        check(metric(text.decode(), "warren_pool_instantiations_total") == 2, "two instantiations")
        for _ in range(3):
            get_ok(w.port)
        deadline = time.time() + 10
        while True:
            text = request(admin, path="/metrics")[2].decode()
            granted = metric(text, "warren_pool_requests_total", result="granted")
            if granted == 3 or time.time() > deadline:
                break
            time.sleep(0.05)
        check(granted == 3, "three granted requests", granted)
        check(request(admin, path="/nope")[0] == 404, "unknown admin path")
        w.stop()


def teardown_lines(w):
    """{instance id: [counts]} from the probe's "teardown count=N" stderr lines."""
    seen = {}
    for line in w.matching(r"teardown count="):
        found = re.match(r"stderr \[(\d+)\] :: teardown count=(\d+)$", line)
        check(found, "teardown line format", line)
        seen.setdefault(int(found.group(1)), []).append(int(found.group(2)))
    return seen


@test
def pool_teardown_once_per_instance():
    with Warren(PROBE, "--max-instance-reuse-count", "3", "--exact-limits", *NO_IDLE) as w:
        counts = [counter_of(w.port) for _ in range(9)]
        check(counts == [1, 2, 3] * 3, "reuse 3", counts)
        w.wait_for(r"teardown count=3", count=3)
        get_ok(w.port)  # a fourth instance, alive at shutdown: torn down as SIGTERM drains it
        w.stop()
        seen = teardown_lines(w)
        check(len(seen) == 4 and all(len(c) == 1 for c in seen.values()), "exactly once per instance", seen)
        check(sorted(c[0] for c in seen.values()) == [1, 3, 3, 3], "teardown after the last request", seen)


@test
def pool_teardown_not_after_trap():
    with Warren(PROBE, "--max-instance-reuse-count", "5", "--exact-limits", *NO_IDLE) as w:
        get_ok(w.port)
        status, _, _ = request(w.port, "GET", "/trap")
        check(status == 500, "trap", status)
        check(counter_of(w.port) == 1, "a new instance after the trap")
        w.stop()
        seen = teardown_lines(w)
        check(sorted(c for cs in seen.values() for c in cs) == [1], "only the healthy instance", seen)


def dropped_counts(text, pattern):
    return sum(int(n) for n in re.findall(pattern, text))


@test
def log_guest_output_rate_limited():
    # one instance writes 3,000 stderr lines at once: its bucket (100 lines/s, bursts of 200)
    # lets a few hundred through, and the lines dropped are all accounted for in summary lines
    lines = 3000
    with Warren(PROBE) as w:
        start = time.monotonic()
        get_ok(w.port, "/flood/%d" % lines)
        elapsed = time.monotonic() - start
        text = w.stop()
    printed = len(re.findall(r"(?m)^stderr \[\d+\] :: flood$", text))
    bound = 200 + 100 * elapsed + 1
    # the instance's teardown line goes through the same limit: printed, or counted as dropped
    lines += 1
    printed_teardown = len(re.findall(r"(?m)^stderr \[\d+\] :: teardown count=1$", text))
    check(printed <= bound, "flood lines printed: %d, at most %d" % (printed, bound), text[-2000:])
    check(printed < lines, "some lines dropped", printed)
    dropped = (dropped_counts(text, r"\[warren: (\d+) lines of this instance dropped")
               + dropped_counts(text, r"warren: (\d+) lines of guest output dropped")
               + dropped_counts(text, r"serve: (\d+) lines of guest output dropped"))
    check(printed + printed_teardown + dropped == lines, "printed %d + %d + dropped %d" % (printed, printed_teardown, dropped),
          text[-2000:])


@test
def log_trap_lines_rate_limited():
    # every request traps on a fresh instance: the server's failure lines are capped at 10/s
    # (bursts of 20) over all instances, and the rest is counted in summary lines
    with Warren(PROBE) as w:
        start = time.monotonic()
        sent = 0
        # enough requests to be well over what the bucket allows in the time they took
        while sent < 60 + 30 * (time.monotonic() - start) and time.monotonic() - start < IO_TIMEOUT:
            status, _, _ = request(w.port, "GET", "/trap")
            check(status == 500, "trap answered 500", status)
            sent += 1
        elapsed = time.monotonic() - start
        text = w.stop()
    printed = len(re.findall(r"guest trapped", text))
    bound = 20 + 10 * elapsed + 1
    check(printed <= bound and printed < sent, "trap lines printed: %d of %d, at most %d" % (printed, sent, bound))
    dropped = dropped_counts(text, r"serve: (\d+) lines on failed instances dropped")
    check(printed + dropped == sent, "printed %d + dropped %d of %d" % (printed, dropped, sent), text[-2000:])


@test
def pool_drain_waits_for_slow_response():
    # SIGTERM drains: the slow in-flight response completes, then the teardown runs, then exit 0
    with Warren(PROBE, "--max-instance-reuse-count", "4", "--exact-limits") as w:
        slow = in_thread(request, w.port, "GET", "/sleep/1000")
        w.wait_for(r"sleep start")
        w.send(signal.SIGTERM)
        status, _, body = slow()
        check(status == 200 and body == b"count=1\n", "the in-flight response", status, body)
        check(w.wait_exit() == 0, "exit code", w.stderr())
        w.check_clean()
        seen = teardown_lines(w)
        check(list(seen.values()) == [[1]], "teardown once, after the slow response", seen)


@test
def pool_busy_instance_is_not_idle():
    # an idle timeout shorter than a request does not retire the instance serving it
    with Warren(PROBE, "--max-instance-reuse-count", "4", "--exact-limits", "--idle-instance-timeout", "100ms",
                log="info") as w:
        status, _, body = request(w.port, "GET", "/sleep/800")
        check(status == 200 and body == b"count=1\n", "the slow request", status, body)
        w.wait_for(r"destroyed \(idle\) after 1 request")
        check(w.line_index(r"sleep start") < w.line_index(r"draining \(idle\)"), "idle only after it", w.stderr())
        w.stop()


@test
def pool_reuse_limit_drain_waits():
    # an instance at its reuse limit drains: its last (slow) response completes, teardown after it
    with Warren(PROBE, "--max-instance-reuse-count", "2", "--exact-limits", *NO_IDLE, log="info") as w:
        get_ok(w.port)
        status, _, body = request(w.port, "GET", "/sleep/300")
        check(status == 200 and body == b"count=2\n", "the last request of the instance", status, body)
        w.wait_for(r"teardown count=2")
        w.wait_for(r"destroyed \(reuse_limit\) after 2 requests")
        order = [w.line_index(p) for p in (r"draining \(reuse_limit\) after 2 requests, 1 in flight",
                                           r"sleep start", r"teardown count=2", r"destroyed \(reuse_limit\)")]
        check(order == sorted(order), "drain, the slow request, teardown, then destroy", w.stderr())
        check(counter_of(w.port) == 1, "a fresh instance next")
        w.stop()


@test
def pool_idle_retirement_tears_down():
    with Warren(PROBE, "--max-instance-reuse-count", "100", "--exact-limits", "--idle-instance-timeout", "500ms") as w:
        check([counter_of(w.port) for _ in range(2)] == [1, 2], "one instance")
        w.wait_for(r"teardown count=2")
        check(counter_of(w.port) == 1, "a new instance after the idle time")
        w.stop()
        seen = teardown_lines(w)
        check(sorted(seen.values()) == [[1], [2]], "each instance torn down once", seen)


@test
def pool_request_timeout_replaces_instance():
    with Warren(PROBE, "-W", "timeout=200ms", "--max-instance-reuse-count", "5", "--exact-limits", *NO_IDLE,
                log="info") as w:
        check(counter_of(w.port) == 1, "first")
        check(request(w.port, "GET", "/spin")[0] == 500, "timed out")
        w.wait_for(r"draining \(request_timeout\)")
        check([counter_of(w.port) for _ in range(2)] == [1, 2], "a new instance after the timeout")
        w.stop()


@test
def pool_teardown_bounded_by_drain_timeout():
    # a teardown that never returns is cut off after --drain-timeout; the worker goes on serving
    with Warren(PROBE, "--max-instance-reuse-count", "2", "--exact-limits", "--drain-timeout", "300ms",
                *NO_IDLE, log="info") as w:
        check(counter_of(w.port, "/spin-teardown") == 1, "arm the spinning teardown")
        check(counter_of(w.port) == 2, "the instance's last request")
        w.wait_for(r"pool: instance \d+: teardown (failed|timed out)")
        w.wait_for(r"destroyed \(reuse_limit\)")
        check([counter_of(w.port) for _ in range(2)] == [1, 2], "a new instance serves")
        # and at shutdown: the live instance's teardown spins, the drain is bounded, exit 0
        check(counter_of(w.port, "/spin-teardown") == 1, "arm it on the next instance")
        w.stop()


# ---- issue 13: preemption of a spinning guest, the client going away, shutdown bounds ----

def spin_connection(port):
    """A raw connection whose request spins in the guest."""
    conn = Raw(port)
    conn.send(b"GET /spin HTTP/1.1\r\nHost: t\r\n\r\n")
    return conn


@test
def preempt_spinning_guest_shares_its_worker():
    # one worker: while a guest spins, other requests on that worker are still answered, one
    # after the other (the spinning guest yields to the loop every time slice)
    with Warren(PROBE, log="info") as w:
        spinner = spin_connection(w.port)
        w.wait_for(r"spin start")
        for i in range(5):
            headers, body = get_ok(w.port, "/next%d" % i)
            check(body == b"count=1\n", "a request next to the spinning guest", body)
        # keep-alive on one connection too, and a request with a body
        conn = Raw(w.port)
        for i in range(3):
            conn.send(b"POST /k%d HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc" % i)
            status, _, body = conn.response()
            check(status == 200 and body == b"count=1\n", "keep-alive next to the spinning guest", status, body)
        conn.close()
        check(w.proc.poll() is None, "still serving")
        spinner.close()
        w.wait_for(r"guest interrupted \(client gone\)")
        w.stop()


@test
def preempt_client_gone_interrupts_guest():
    # the client of a spinning guest hangs up: the guest is interrupted although it does no I/O,
    # its instance is retired (not reused), and the worker serves on
    with Warren(PROBE, "--max-instance-reuse-count", "10", "--exact-limits", *NO_IDLE, log="info") as w:
        check(counter_of(w.port) == 1, "the first request on the instance")
        spinner = spin_connection(w.port)
        w.wait_for(r"spin start")
        spinner.close()
        w.wait_for(r"client went away during GET /spin: interrupting the guest")
        w.wait_for(r"guest interrupted \(client gone\).*instance retired")
        w.wait_for(r"destroyed \(trap\) after 2 requests")
        check(counter_of(w.port) == 1, "a fresh instance after the retired one")
        # a reset (RST) instead of a FIN is noticed too
        spinner = spin_connection(w.port)
        w.wait_for(r"spin start", 2)
        spinner.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        spinner.close()
        w.wait_for(r"guest interrupted \(client gone\)", 2)
        check(counter_of(w.port) == 1, "a fresh instance again")
        stderr = w.stop()
        check("shutdown cut" not in stderr, "nothing left to cut at shutdown", stderr)


@test
def preempt_sigterm_with_spinning_guest_exits():
    # the guest never ends and its client stays: SIGTERM still exits, after --shutdown-timeout,
    # and says what it cut
    with Warren(PROBE, "--shutdown-timeout", "1s", "--drain-timeout", "1s") as w:
        spinner = spin_connection(w.port)
        w.wait_for(r"spin start")
        w.send(signal.SIGTERM)
        code = w.wait_exit()
        w.check_clean()
        check(code == 0, "exit code", code, w.stderr())
        w.wait_for(r"shutdown: cutting GET /spin after \d+ ms")
        w.wait_for(r"shutdown cut 1 in-flight request$")
        check(spinner.closed_or_error(), "the cut request's connection is closed")


@test
def sigterm_refuses_new_connections():
    # after SIGTERM the listener is closed at once: a new client is refused (so a load balancer
    # sends it elsewhere) while the in-flight request still runs to completion
    with Warren(PROBE) as w:
        slow = in_thread(request, w.port, "GET", "/sleep/4000")
        w.wait_for(r"sleep start")
        w.send(signal.SIGTERM)
        w.wait_for(r"finishing in-flight requests")
        refused = False
        deadline = time.monotonic() + IO_TIMEOUT
        while time.monotonic() < deadline and w.proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", w.port), timeout=IO_TIMEOUT).close()
            except ConnectionRefusedError:
                refused = w.proc.poll() is None  # refused by a live server, not by a dead one
                break
            time.sleep(0.05)
        check(refused, "a connect after SIGTERM is refused while the server is still running", w.stderr())
        status, _, body = slow()
        check(status == 200 and body == b"count=1\n", "the in-flight request completes", status, body)
        check(w.wait_exit() == 0, "exit code", w.stderr())
        w.check_clean()


UPLOAD_SIZE = 64 * 1024


def start_uploads(port, n):
    """n uploads to the echo guest, each with its head and the first part of its body sent."""
    conns = []
    for i in range(n):
        conn = Raw(port)
        conn.send(b"POST /upload%d HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % (i, UPLOAD_SIZE))
        conn.send(pattern(1024, i))
        conns.append(conn)
    return conns


@test
def sigterm_uploads_in_flight_complete():
    # uploads in flight at SIGTERM finish, even past --drain-timeout (which bounds a teardown,
    # not the requests): the default --shutdown-timeout gives them 30 s
    n = 4
    with Warren(corpus("js/echo.wasm"), "--drain-timeout", "500ms", log="info") as w:
        conns = start_uploads(w.port, n)
        w.wait_for(r"pool: instance \d+ started", n)
        w.send(signal.SIGTERM)
        w.wait_for(r"finishing in-flight requests")
        time.sleep(1.0)  # past the drain timeout
        for i, conn in enumerate(conns):
            conn.send(pattern(UPLOAD_SIZE, i)[1024:])
        for i, conn in enumerate(conns):
            status, headers, body = conn.response()
            check(status == 200 and body == pattern(UPLOAD_SIZE, i), "upload %d completes" % i, status, len(body))
            conn.close()
        check(w.wait_exit() == 0, "exit code", w.stderr())
        w.check_clean()
        check(not w.matching(r"shutdown cut"), "nothing was cut", w.stderr())


@test
def sigterm_uploads_cut_after_shutdown_timeout():
    # uploads that do not finish within --shutdown-timeout are cut, and the log says which
    n = 3
    with Warren(corpus("js/echo.wasm"), "--shutdown-timeout", "500ms", log="info") as w:
        conns = start_uploads(w.port, n)
        w.wait_for(r"pool: instance \d+ started", n)
        w.send(signal.SIGTERM)
        check(w.wait_exit() == 0, "exit code", w.stderr())
        w.check_clean()
        for i in range(n):
            w.wait_for(r"shutdown: cutting POST /upload%d after \d+ ms" % i)
        w.wait_for(r"shutdown cut %d in-flight requests" % n)
        for conn in conns:
            try:
                status, _, _ = conn.response()
                check(status == 500, "a cut upload is not answered 200", status)
            except (EOFError, ConnectionError):
                pass
            conn.close()


def run_tests(tests, names):
    """Runs the named tests (all when none is named), a PASS or FAIL line each; 1 if any failed."""
    failed = 0
    for name in names or list(tests):
        started = time.monotonic()
        try:
            tests[name]()
            print("PASS %s (%.1fs)" % (name, time.monotonic() - started))
        except Exception as e:
            failed += 1
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
        sys.stdout.flush()
    return 1 if failed else 0


def main():
    global WARREN, CORPUS, COMPONENTS, PROBE, JCO
    parser = argparse.ArgumentParser()
    parser.add_argument("--warren")
    parser.add_argument("--corpus")
    parser.add_argument("--components", help="the assembled tests/serve_e2e/*.wat")
    parser.add_argument("--jco", help="jco.js, for the comparison with `jco serve`")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("tests", nargs="*")
    args = parser.parse_args()
    if args.list:
        print("\n".join(TESTS))
        return 0
    WARREN, CORPUS, JCO = args.warren, args.corpus, args.jco
    COMPONENTS = args.components
    PROBE = own("probe.wasm")
    return run_tests(TESTS, args.tests)


if __name__ == "__main__":
    sys.exit(main())
