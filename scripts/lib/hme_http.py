"""HTTP helpers shared by the Python drivers (scripts/bench/run.py, scripts/fuzz/run.py)."""

import json
import socket
import urllib.error
import urllib.request


def request(base, method, path, body=None, headers=None):
    """Sends one request; a dict or list body goes as JSON. Returns (status, body bytes),
    also for 4xx/5xx answers."""
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    h = {"Content-Type": "application/json"} if data is not None else {}
    h.update(headers or {})
    req = urllib.request.Request(base + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def free_port():
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
