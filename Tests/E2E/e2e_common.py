"""What the end-to-end scripts share: loopback ports, JSON calls, readiness and shutdown."""
import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request


def free_port():
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call_full(method, url, body=None, token=None, headers=None):
    """One HTTP call with an optional JSON body and bearer token: (status, headers, body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        request.add_header(k, v)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def call(method, url, body=None, token=None):
    """One HTTP call: (status, body)."""
    status, _, data = call_full(method, url, body, token)
    return status, data


def wait_healthy(base, process, log, seconds=60):
    """Polls GET base/healthz until it answers 200 (a bounded readiness poll, not a wait for
    an expiry); fails early if the process exits."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if call("GET", base + "/healthz")[0] == 200:
                return
        except (urllib.error.URLError, OSError):
            pass
        if process.poll() is not None:
            raise RuntimeError("server exited; see " + log)
        time.sleep(0.2)
    raise RuntimeError("server did not start; see " + log)


def stop(processes):
    """SIGTERM every process, wait (20 s each), and return their exit codes."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    codes = []
    for process in processes:
        try:
            codes.append(process.wait(timeout=20))
        except subprocess.TimeoutExpired:
            process.kill()
            codes.append("killed")
    return codes
