#!/usr/bin/env python3
"""SMTP sink for the test suite: accepts every message and keeps it on disk.

Usage: smtp_sink.py --port PORT [--host 127.0.0.1] MAIL_DIR

Each message received is saved as MAIL_DIR/<timestamp>-<uuid>.eml (the raw
message as sent in DATA) with a JSON sidecar MAIL_DIR/<same>.json holding the
envelope: {"mail_from": "...", "rcpt_tos": ["...", ...]}.

Both files are written under temporary names and renamed into place, the
sidecar first, so a reader that sees the .eml file also finds its .json and
never reads a half-written file. <timestamp> is UTC with microseconds
(20250601T102030.123456Z), so file names sort in arrival order.

AUTH is advertised without TLS and any credentials are accepted, so a client
configured with a user name and password works as well as one without.
Runs until SIGTERM or SIGINT. Needs aiosmtpd (scripts/requirements-test.txt).
"""

import argparse
import datetime
import json
import os
import signal
import sys
import threading
import uuid
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def _write_atomically(path, data):
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class SaveToDirHandler:
    """aiosmtpd handler: one .eml + .json pair per message."""

    def __init__(self, mail_dir):
        self.mail_dir = mail_dir

    async def handle_DATA(self, server, session, envelope):
        now = datetime.datetime.now(datetime.timezone.utc)
        stem = f"{now.strftime('%Y%m%dT%H%M%S.%fZ')}-{uuid.uuid4()}"
        base = os.path.join(self.mail_dir, stem)
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8")
        sidecar = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}
        _write_atomically(base + ".json", json.dumps(sidecar).encode("utf-8"))
        _write_atomically(base + ".eml", content)
        print(
            f"saved {stem}.eml from={envelope.mail_from} to={','.join(envelope.rcpt_tos)}"
            f" bytes={len(content)}",
            flush=True,
        )
        return "250 Message accepted for delivery"


def accept_any_login(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=True)


def main():
    # aiosmtpd 1.4 warns on every AUTH about its own deprecated attribute.
    warnings.filterwarnings("ignore", message="Session.login_data is deprecated")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mail_dir", help="directory to save messages into")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()

    mail_dir = os.path.abspath(args.mail_dir)
    os.makedirs(mail_dir, exist_ok=True)

    controller = Controller(
        SaveToDirHandler(mail_dir),
        hostname=args.host,
        port=args.port,
        authenticator=accept_any_login,
        auth_require_tls=False,
        enable_SMTPUTF8=True,
    )
    controller.start()
    print(f"smtp sink listening on {args.host}:{args.port}, saving to {mail_dir}", flush=True)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        while not stop.wait(3600):
            pass
    finally:
        controller.stop()
        print("smtp sink stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
