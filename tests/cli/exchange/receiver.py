#!/usr/bin/env python3
"""A webhook receiver for tests/cli/exchange.sh: checks each request's HMAC
signature, applies each Idempotency-Key once, and misbehaves on purpose.

usage: receiver.py PORTFILE SECRETFILE LOGDIR MODE
MODE "flaky": per key, attempt 1 is applied but answered after the sender's
timeout, attempt 2 gets 500, attempt 3 has its connection dropped, attempt 4
gets 200. MODE "down": 500 until LOGDIR/up exists, then 200.
Writes LOGDIR/applied (one key per line, appended once per key),
LOGDIR/seen (every request's key), LOGDIR/badsig (requests with a bad
signature)."""
import hashlib, hmac, http.server, os, sys, threading, time, base64

portfile, secretfile, logdir, mode = sys.argv[1:5]
lock = threading.Lock()
attempts = {}
applied = set()


def secret():
    s = open(secretfile).read().strip()
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        key = self.headers.get("Idempotency-Key", "")
        ts = self.headers.get("X-Dancu-Timestamp", "")
        sig = self.headers.get("X-Dancu-Signature", "")
        want = "sha256=" + hmac.new(secret(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        with lock:
            with open(os.path.join(logdir, "seen"), "a") as f:
                f.write(key + "\n")
            if not hmac.compare_digest(want, sig) or abs(time.time() - int(ts or 0)) > 300:
                with open(os.path.join(logdir, "badsig"), "a") as f:
                    f.write(key + "\n")
            n = attempts.get(key, 0) + 1
            attempts[key] = n

        def apply():
            with lock:
                if key not in applied:
                    applied.add(key)
                    with open(os.path.join(logdir, "applied"), "a") as f:
                        f.write(key + " " + body.decode() + "\n")

        if mode == "down":
            if os.path.exists(os.path.join(logdir, "up")):
                apply()
                self.send_response(200)
            else:
                self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        step = (n - 1) % 4
        if step == 0:
            apply()
            time.sleep(1.0)  # the sender gave up already
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif step == 1:
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif step == 2:
            self.close_connection = True
            self.connection.shutdown(2)
        else:
            apply()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
