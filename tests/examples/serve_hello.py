#!/usr/bin/env python3
"""Serves the bundled example as the README's first command does, on a free loopback port:
GET / answers 200 "Hello from Warren!\\n" (twice, on one keep-alive connection), then SIGTERM
stops the server with exit status 0. Every wait is bounded.
usage: serve_hello.py WARREN COMPONENT"""
import http.client, re, signal, subprocess, sys, time

warren, component = sys.argv[1], sys.argv[2]
proc = subprocess.Popen([warren, "serve", "--addr", "127.0.0.1:0", component],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
try:
    deadline = time.time() + 30
    line = ""
    while time.time() < deadline:
        line = proc.stdout.readline()
        if line.startswith("Serving HTTP on") or not line:
            break
    m = re.match(r"Serving HTTP on http://127\.0\.0\.1:(\d+)/", line)
    assert m, f"no 'Serving HTTP on' line, got {line!r}"
    conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=10)
    for path in ("/", "/anything?x=1"):
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 200, resp.status
        assert resp.getheader("content-type") == "text/plain", resp.getheader("content-type")
        assert body == b"Hello from Warren!\n", body
    conn.close()
    proc.send_signal(signal.SIGTERM)
    status = proc.wait(timeout=30)
    assert status == 0, f"exit status {status}; stderr: {proc.stderr.read()}"
    print("ok: served the bundled example and stopped cleanly")
finally:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
