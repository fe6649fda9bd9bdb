#!/usr/bin/env python3
"""A webhook receiver for tests/cli/webhook_jws.sh: answers 200 and keeps
each delivery's body and X-Dancu-JWS header as LOGDIR/body.N, LOGDIR/jws.N
(N counts from 1), and LOGDIR/count.
usage: receiver.py PORTFILE LOGDIR"""
import http.server, os, sys, threading

portfile, logdir = sys.argv[1:3]
lock = threading.Lock()
n = [0]


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            n[0] += 1
            open(os.path.join(logdir, "body.%d" % n[0]), "wb").write(body)
            open(os.path.join(logdir, "jws.%d" % n[0]), "w").write(self.headers.get("X-Dancu-JWS", ""))
            open(os.path.join(logdir, "count"), "w").write(str(n[0]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
os.makedirs(logdir, exist_ok=True)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
