#!/usr/bin/env python3
"""A local HTTP endpoint for the webhook transport's tests (standard library only).

    webhook_server.py --dir DIR

Listens on a free port of 127.0.0.1, prints {"port": N} when ready, and runs until its
standard input closes. Each POST is saved as DIR/<n>.json:
{"path", "headers": {lower-case name: value}, "body": the body as text}.
The status answered is taken from the path: /status/<code>/… answers <code> (with a body that
the client must not echo), anything else 202. /slow/… never answers (a timeout test).
"""

import argparse
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET_BODY = "server-side detail that must not be echoed: internal-token-XYZ"


def make_handler(directory, counter, lock, stop):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with lock:
                counter[0] += 1
                number = counter[0]
            record = {
                "path": self.path,
                "method": "POST",
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", errors="replace"),
            }
            with open(os.path.join(directory, f"{number}.tmp"), "w") as f:
                json.dump(record, f)
            os.replace(os.path.join(directory, f"{number}.tmp"), os.path.join(directory, f"{number}.json"))
            parts = self.path.split("/")
            if len(parts) > 1 and parts[1] == "slow":
                stop.wait(30)
                return
            status = 202
            if len(parts) > 2 and parts[1] == "status":
                status = int(parts[2])
            payload = b"" if status in (204, 304) else json.dumps({"detail": SECRET_BODY}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if status not in (204, 304):
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    stop = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args.dir, [0], threading.Lock(), stop))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    sys.stdin.read()
    stop.set()
    server.shutdown()


if __name__ == "__main__":
    main()
