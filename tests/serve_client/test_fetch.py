#!/usr/bin/env python3
"""Outgoing HTTP under `warren serve` (src/serve/http_client.c) with the corpus' js/fetch.wasm,
which fetches the URL in its request's x-fetch-url header and answers
"upstream_status=S\\nupstream_body=B\\n" (or 502 "fetch failed: ..." when fetch() rejects).

Usage: test_fetch.py --warren WARREN --corpus CORPUS_DIR TEST...
       test_fetch.py --list

The upstream is a Python HTTP server on 127.0.0.1 started by each test. Every wait is bounded
(IO_TIMEOUT, GUARD) as a guard against hangs, never as an expectation about speed."""
import argparse
import http.client
import http.server
import os
import re
import socket
import subprocess
import sys
import threading
import time

IO_TIMEOUT = 120.0    # sanitizer builds of a 13 MB StarlingMonkey component on a loaded machine are slow
GUARD = 60.0          # the slow upstream answers by itself after this: then the test has failed
BIG = bytes((b"0123456789abcdefghijklmnopqrstuvwxyz"[(i * 7 + i // 251) % 36]) for i in range(1 << 20))
CHUNKS = [b"first chunk;", b"x" * 70000, b"", b"last"]  # an empty write is not a chunk: skipped

WARREN = CORPUS = None
TESTS = {}


def test(fn):
    TESTS[fn.__name__] = fn
    return fn


def check(cond, what, *details):
    if not cond:
        raise AssertionError(" ".join([what, *(repr(d)[:300] for d in details)]))


class Upstream:
    """/big: 1 MiB with content-length; /chunked: a chunked body; /slow: answers once released."""

    def __init__(self):
        self.slow_seen = threading.Event()
        self.released = threading.Event()
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def send_body(self, body):
                try:
                    self.send_response(200)
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a cancelled guest closes its connection)

            def do_GET(self):
                if self.path == "/big":
                    self.send_body(BIG)
                elif self.path == "/chunked":
                    self.send_response(200)
                    self.send_header("transfer-encoding", "chunked")
                    self.end_headers()
                    for chunk in CHUNKS:
                        if chunk:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                            self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                elif self.path == "/slow":
                    upstream.slow_seen.set()
                    released = upstream.released.wait(GUARD)
                    self.send_body(b"released" if released else b"guard fired")
                else:
                    self.send_body(b"fast")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


class Warren:
    """`warren serve --workers 1` on a free loopback port."""

    def __init__(self, component, *flags):
        cmd = [WARREN, "serve", "--addr", "127.0.0.1:0", "--workers", "1", *flags, component]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.err = []
        threading.Thread(target=lambda: self.err.extend(self.proc.stderr), daemon=True).start()
        line = self.proc.stdout.readline().decode()
        found = re.match(r"Serving HTTP on http://127\.0\.0\.1:(\d+)/$", line.strip())
        if not found:
            self.proc.kill()
            raise AssertionError("warren serve did not start: %r %s" % (line, self.stderr()))
        self.port = int(found.group(1))

    def stderr(self):
        return b"".join(self.err).decode(errors="replace")

    def wait_for(self, pattern):
        """Whether stderr gets a line matching pattern (it is read on another thread)."""
        deadline = time.monotonic() + IO_TIMEOUT
        while not re.search(pattern, self.stderr()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                return False
            time.sleep(0.05)
        return True

    def get(self, url):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=IO_TIMEOUT)
        try:
            conn.request("GET", "/", headers={"x-fetch-url": url})
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(IO_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("warren serve did not stop")
        err = self.stderr()
        check(self.proc.returncode == 0, "exit code", self.proc.returncode, err)
        check(not re.search(r"AddressSanitizer|LeakSanitizer|runtime error:", err), "sanitizer report", err)


def with_server(fn, *flags):
    def run():
        upstream = Upstream()
        w = Warren(os.path.join(CORPUS, "js/fetch.wasm"), *flags)
        try:
            fn(w, upstream)
            w.stop()
        finally:
            if w.proc.poll() is None:
                w.proc.kill()
            upstream.close()
    run.__name__ = fn.__name__
    return run


@test
@with_server
def fetch_big(w, upstream):
    status, body = w.get(upstream.base + "/big")
    check(status == 200, "status", status, body)
    check(body == b"upstream_status=200\nupstream_body=" + BIG + b"\n", "1 MiB body intact", len(body))


@test
@with_server
def fetch_chunked(w, upstream):
    status, body = w.get(upstream.base + "/chunked")
    check(status == 200 and body == b"upstream_status=200\nupstream_body=" + b"".join(CHUNKS) + b"\n",
          "chunked body", status, body)


@test
@with_server
def fetch_refused(w, upstream):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead = "http://127.0.0.1:%d/" % closed.getsockname()[1]
    closed.close()
    status, body = w.get(dead)
    check(status == 502 and body.startswith(b"fetch failed"), "refused", status, body)
    status, body = w.get(upstream.base + "/fast")  # and the server goes on
    check(status == 200 and body.endswith(b"upstream_body=fast\n"), "after refused", status, body)


@test
@with_server
def fetch_slow_does_not_block(w, upstream):
    """With one worker, a request whose guest waits on a slow upstream does not hold up another."""
    slow = {}

    def slow_request():
        slow["result"] = w.get(upstream.base + "/slow")
    thread = threading.Thread(target=slow_request, daemon=True)
    thread.start()
    check(upstream.slow_seen.wait(IO_TIMEOUT), "the slow fetch reached the upstream")
    status, body = w.get(upstream.base + "/fast")
    check(status == 200 and body == b"upstream_status=200\nupstream_body=fast\n", "fast answer", status, body)
    check(thread.is_alive() and "result" not in slow, "the slow request was still waiting")
    upstream.released.set()
    thread.join(IO_TIMEOUT)
    check(slow.get("result") == (200, b"upstream_status=200\nupstream_body=released\n"), "slow answer", slow)


@test
def fetch_request_timeout():
    """-W timeout cancels a guest that waits on a stalled upstream: 500, its connection is
    dropped, and the server goes on (and later exits without a leak)."""
    def body(w, upstream):
        status, _ = w.get(upstream.base + "/slow")
        check(status == 500, "a cancelled request", status)
        check(w.wait_for(r"request timed out"), "logged", w.stderr())
        status, body = w.get(upstream.base + "/fast")
        check(status == 200 and body.endswith(b"upstream_body=fast\n"), "the next request", status, body)
    with_server(body, "-W", "timeout=2s")()


def main():
    global WARREN, CORPUS
    parser = argparse.ArgumentParser()
    parser.add_argument("--warren")
    parser.add_argument("--corpus")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("tests", nargs="*")
    args = parser.parse_args()
    if args.list:
        print("\n".join(TESTS))
        return 0
    WARREN, CORPUS = args.warren, args.corpus
    failed = 0
    for name in args.tests or list(TESTS):
        try:
            TESTS[name]()
            print("ok", name)
        except AssertionError as e:
            failed += 1
            print("FAIL", name, e)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
