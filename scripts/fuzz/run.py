#!/usr/bin/env python3
"""API fuzzing of a running hme from its own OpenAPI document (schemathesis).

Starts `hme serve` (target/debug/hme, all modules) on a free port, seeds it (the demo
catalog, a customer with an address and an order, seller products), then runs
schemathesis over every operation once per caller (a customer, a seller), with the
checks not_a_server_error, status_code_conformance, response_schema_conformance and
content_type_conformance. Exit 0 only when schemathesis found nothing.

Backends: `--backend services` (default when target/test-services/env.sh exists):
MongoDB (a fresh database), Redis (a fresh key prefix), RabbitMQ (a fresh exchange and
queue prefix) and the SMTP sink of scripts/services.sh; `--backend embedded`: the
embedded defaults in a temporary data directory.

Tokens: Clerk-shaped RS256 tokens signed with the TEST key of modules/kernel/testdata;
hme runs with CLERK_JWT_KEY set to its public half. Nothing here is a real secret.

    scripts/fuzz/run.py --profile quick      # the test script's pass (about 2 minutes)
    scripts/fuzz/run.py --profile long       # scripts/fuzz.sh
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from hme_http import free_port, request  # noqa: E402  (scripts/lib)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTDATA = os.path.join(ROOT, "modules/kernel/testdata")
OUT = os.path.join(ROOT, "target/fuzz")
RUN_ID = uuid.uuid4().hex[:8]
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"hme-fuzz-webhook-secret-32bytes!").decode()
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"

# The callers schemathesis runs as: (name, token subject, Clerk metadata role).
CUSTOMER = ("customer", "user_fuzz_customer", None)
SELLER = ("seller", "user_fuzz_seller", "seller")
ADMIN = ("admin", "user_fuzz_admin", "admin")

# Per profile: schemathesis phases, examples per operation, time budget per caller, callers.
PROFILES = {
    "quick": {"phases": "examples,coverage,fuzzing", "max_examples": 15, "max_time": 45, "callers": [CUSTOMER, SELLER]},
    "long": {"phases": "examples,coverage,fuzzing,stateful", "max_examples": 300, "max_time": 600, "callers": [CUSTOMER, SELLER, ADMIN]},
}


def log(*a):
    print("[fuzz]", *a, file=sys.stderr, flush=True)


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def clerk_token(sub, role=None, ttl=4 * 3600):
    """A Clerk-shaped session token signed with the test RSA key (PyJWT)."""
    import jwt

    now = int(time.time())
    claims = {"sub": sub, "iat": now, "nbf": now - 5, "exp": now + ttl, "azp": "http://localhost:3000", "sid": "sess_fuzz"}
    if role:
        claims["metadata"] = {"role": role}
    with open(os.path.join(TESTDATA, "test-rsa-private.pem"), "rb") as f:
        return jwt.encode(claims, f.read(), algorithm="RS256")


def services_env():
    env = {}
    path = os.path.join(ROOT, "target/test-services/env.sh")
    if not os.path.exists(path):
        return None
    for line in open(path):
        m = re.match(r"export (\w+)='(.*)'", line.strip())
        if m:
            env[m.group(1)] = m.group(2)
    return env


def hme_env(backend, data_dir):
    """The server's environment: test key, webhook secret, backends, generous limits."""
    drop = ("MONGODB_URI", "REDIS_URL", "RABBITMQ_URL", "CLERK_JWT_KEY", "CLERK_JWKS_URL", "SMTP_URL",
            "EMAIL_USER", "EMAIL_PASS", "RUST_LOG", "PORT", "LEGACY_UPSTREAM_URL", "CLOUDINARY_CLOUD_NAME",
            "CLOUDINARY_API_KEY", "CLOUDINARY_API_SECRET", "JAZZCASH_MERCHANT_ID", "TCS_API_URL")
    env = {k: v for k, v in os.environ.items() if not (k.startswith("HME") or k in drop)}
    with open(os.path.join(TESTDATA, "test-rsa-public.pem")) as f:
        public_pem = f.read()
    env.update({
        "HME__SERVER__HOST": "127.0.0.1",
        "HME__STORAGE__DATA_DIR": data_dir,
        "HME__PRODUCTS__SEED_DEMO_ON_EMPTY_EMBEDDED": "false",
        "HME_CONFIG_DIR": os.path.join(ROOT, "config"),
        "HME_LOG_FORMAT": "json",
        "RUST_LOG": "warn,hme=info",
        "CLERK_JWT_KEY": public_pem,
        "CLERK_WEBHOOK_SIGNING_SECRET": WEBHOOK_SECRET,
        "HME__SERVER__SHUTDOWN_TIMEOUT_SECS": "2",
        # Real statuses: schemathesis's negative-data and not-a-server-error checks read
        # the status (the document describes both modes; the default answers many
        # failures 200 or 500 as the legacy handlers did).
        "HME__SERVER__ERROR_STATUSES": "http",
        # The fuzzer sends thousands of requests from one address: raise the abuse
        # limits so it reaches the handlers (429 stays documented and is still checked).
        "HME__WORKER__NOTIFICATIONS__RATE_LIMIT_MAX": "1000000",
        "HME__ACCOUNTS__LOGIN_MAX_PER_ACCOUNT": "1000000",
        "HME__ACCOUNTS__LOGIN_MAX_PER_IP": "1000000",
        "HME__ACCOUNTS__REGISTER_MAX_PER_IP": "1000000",
        "HME__ORDERS__CREATE_MAX_PER_USER": "1000000",
        "HME__ORDERS__CREATE_MAX_PER_IP": "1000000",
        # Payment and signed uploads configured (fake test values: nothing is called; the
        # gateway is only a form target), so those routes do their work instead of 503.
        "JAZZCASH_MERCHANT_ID": "MC_FUZZ",
        "JAZZCASH_PASSWORD": "fuzz-password",
        "JAZZCASH_INTEGRITY_SALT": "fuzz-salt",
        "CLOUDINARY_CLOUD_NAME": "hme-fuzz",
        "CLOUDINARY_API_KEY": "123456789012345",
        "CLOUDINARY_API_SECRET": "fuzz-cloudinary-secret",
        "HME__IMAGES__BACKEND": "local",
        # Cheap password hashing: the fuzzer registers and logs in a lot.
        "HME__ACCOUNTS__ARGON2_MEMORY_KIB": "1024",
        "HME__ACCOUNTS__ARGON2_ITERATIONS": "1",
    })
    if backend == "services":
        svc = services_env()
        env.update({
            "MONGODB_URI": svc["HME_TEST_MONGODB_URI"],
            "HME__MONGODB__DATABASE": f"hme_fuzz_{RUN_ID}",
            "REDIS_URL": svc["HME_TEST_REDIS_URL"],
            "HME__REDIS__KEY_PREFIX": f"hme-fuzz-{RUN_ID}:",
            "RABBITMQ_URL": svc["HME_TEST_RABBITMQ_URL"],
            "HME__RABBITMQ__EXCHANGE": f"fuzz-{RUN_ID}",
            "HME__RABBITMQ__QUEUE_PREFIX": f"fuzz-{RUN_ID}.",
            "SMTP_URL": svc["HME_TEST_SMTP_URL"],
        })
    return env


class Hme:
    """`hme serve` on a free port; stopped with SIGTERM."""

    def __init__(self, binary, env, log_path):
        self.port = free_port()
        env = dict(env, PORT=str(self.port))
        self.logf = open(log_path, "wb")
        self.proc = subprocess.Popen([binary, "serve"], env=env, cwd=env["HME__STORAGE__DATA_DIR"], stdout=self.logf, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"hme exited with {self.proc.returncode}; see {log_path}")
            try:
                if request(self.base, "GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise SystemExit(f"hme not ready within 120 s; see {log_path}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()


def svix_post(base, event):
    body = json.dumps(event).encode()
    mid, ts = "msg_" + uuid.uuid4().hex, str(int(time.time()))
    key = base64.b64decode(WEBHOOK_SECRET[len("whsec_"):])
    sig = base64.b64encode(hmac.new(key, f"{mid}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
    headers = {"svix-id": mid, "svix-timestamp": ts, "svix-signature": "v1," + sig, "Content-Type": "application/json"}
    return request(base, "POST", "/api/webhooks/clerk", body, headers)


def expect(what, status, raw, ok=(200,)):
    if status not in ok:
        raise SystemExit(f"seeding: {what}: {status} {raw[:300]!r}")
    return json.loads(raw) if raw else {}


def seed(base, tokens, callers):
    """Users for the callers (Clerk webhook), an address and an order for the customer,
    a product of the seller's own."""
    for name, sub, _ in callers:
        status, raw = svix_post(base, {"type": "user.created", "object": "event", "data": {
            "id": sub, "first_name": "Fuzz", "last_name": name.title(),
            "email_addresses": [{"email_address": f"{name}-{RUN_ID}@example.com"}], "image_url": "https://img.clerk.com/fuzz.png"}})
        expect(f"user.created {name}", status, raw)
    customer = {"Authorization": "Bearer " + tokens["customer"]}
    seller = {"Authorization": "Bearer " + tokens["seller"]}
    body = expect("add-address", *request(base, "POST", "/api/user/add-address", {"address": {
        "fullName": "Fuzz Customer", "phoneNumber": "03001234567", "pinCode": "54000",
        "area": "House 1, Street 5, Gulberg III", "city": "Lahore", "state": "Punjab"}}, customer))
    address = body["newAddress"]["_id"]
    expect("product/add", *request(base, "POST", "/api/product/add", {
        "name": "Fuzz Buds 1", "description": "Wireless earbuds for the fuzzer", "category": "Earphone",
        "price": 4999, "offerPrice": 3999, "image": ["https://res.cloudinary.com/hme/image/upload/v1/fuzz.jpg"]}, seller))
    products = expect("product/list", *request(base, "GET", "/api/product/list"))["products"]
    pid = products[0]["_id"]
    expect("order/create", *request(base, "POST", "/api/order/create", {
        "address": address, "items": [{"product": pid, "quantity": 1}]}, customer))
    log(f"seeded: {len(products)} products (one the seller's), {len(callers)} users, 1 address, 1 order")


def run_schemathesis(base, caller, token, profile, report_dir):
    p = PROFILES[profile]
    exe = os.path.join(os.path.dirname(sys.executable), "schemathesis")
    cmd = [
        exe, "run", f"{base}/api-docs/openapi.json",
        "--url", base,
        "--checks", CHECKS,
        "--phases", p["phases"],
        "--max-examples", str(p["max_examples"]),
        "--max-time", str(p["max_time"]),
        "--workers", "2",
        "--seed", str(int(os.environ.get("FUZZ_SEED", "20261125"))),
        "--continue-on-failure",
        "--request-timeout", "30",
        "--suppress-health-check", "all",
        "--header", f"Authorization: Bearer {token}",
        "--report", "json,junit",
        "--report-dir", report_dir,
        "--report-json-path", os.path.join(report_dir, f"{caller}.json"),
        "--report-junit-path", os.path.join(report_dir, f"{caller}.junit.xml"),
    ]
    log(f"schemathesis as {caller} ({profile}): {' '.join(c if 'Bearer' not in c else 'Authorization: Bearer <test token>' for c in cmd[1:])}")
    env = dict(os.environ, SCHEMATHESIS_HOOKS="", NO_COLOR="1")
    return subprocess.run(cmd, env=env, cwd=report_dir).returncode


def build():
    """Builds hme with every module and copies it under target/fuzz: target/debug/hme is
    shared with the feature-matrix builds, which replace it with single-module binaries."""
    log("cargo build -p hme --all-features")
    subprocess.run(["cargo", "build", "-p", "hme", "--all-features", "--quiet"], cwd=ROOT, check=True)
    copy = os.path.join(OUT, "bin", "hme")
    os.makedirs(os.path.dirname(copy), exist_ok=True)
    tmp = copy + ".tmp"
    shutil.copy2(os.path.join(ROOT, "target/debug/hme"), tmp)
    os.replace(tmp, copy)
    out = subprocess.run([copy, "routes", "--json"], capture_output=True, text=True, check=True).stdout
    modules = {r["module"] for r in json.loads(out)}
    missing = {"products", "orders", "images", "auth", "worker"} - modules
    if missing:
        raise SystemExit(f"target/debug/hme lacks modules {sorted(missing)} (replaced by another build meanwhile?); run again")
    return copy


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    ap.add_argument("--backend", choices=["services", "embedded"], default=None)
    ap.add_argument("--binary", default=None, help="an hme with every module; default: build it (cargo build -p hme --all-features) and use a copy")
    ap.add_argument("--max-time", type=int, default=None, help="seconds per caller (default: the profile's)")
    ap.add_argument("--set", action="append", default=[], metavar="VAR=VALUE", help="an extra setting of the server (environment variable)")
    args = ap.parse_args()
    backend = args.backend or ("services" if services_env() else "embedded")
    if args.max_time:
        PROFILES[args.profile]["max_time"] = args.max_time
    os.makedirs(OUT, exist_ok=True)
    if args.binary is None:
        args.binary = build()
    report_dir = os.path.join(OUT, args.profile)
    os.makedirs(report_dir, exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="hme-fuzz-")
    env = hme_env(backend, data_dir)
    env.update(kv.split("=", 1) for kv in args.set)
    env["PORT"] = "0"
    env["HME__ADMIN__PORT"] = "0"
    log(f"backend {backend}, data dir {data_dir}, run {RUN_ID}")
    seeded = subprocess.run([args.binary, "seed", "--demo"], env=env, cwd=data_dir, capture_output=True, text=True)
    if seeded.returncode != 0:
        raise SystemExit(f"hme seed --demo failed: {seeded.stderr[-2000:]}")
    hme = Hme(args.binary, env, os.path.join(OUT, f"hme-{args.profile}.log"))
    failed = 0
    try:
        callers = PROFILES[args.profile]["callers"]
        tokens = {name: clerk_token(sub, role) for name, sub, role in callers}
        seed(hme.base, tokens, callers)
        for name, _, _ in callers:
            rc = run_schemathesis(hme.base, name, tokens[name], args.profile, report_dir)
            if rc != 0:
                failed += 1
                log(f"schemathesis as {name}: exit {rc}")
        if hme.proc.poll() is not None:
            log(f"hme died during the run (exit {hme.proc.returncode})")
            failed += 1
    finally:
        hme.stop()
    summarize(report_dir, [c[0] for c in PROFILES[args.profile]["callers"]])
    log(f"reports: {os.path.relpath(report_dir, ROOT)}/, server log: target/fuzz/hme-{args.profile}.log")
    sys.exit(1 if failed else 0)


def summarize(report_dir, callers):
    """One line per caller from the JSON reports (operations, test cases, failures)."""
    totals = {"operations": 0, "cases": 0, "failures": 0}
    for name in callers:
        path = os.path.join(report_dir, f"{name}.json")
        try:
            with open(path) as f:
                report = json.load(f)
        except (OSError, ValueError):
            continue
        ops, cases = report.get("operations", {}), report.get("test_cases", {})
        failures = "; ".join(f"{f['code']} {f['title']} x{f['count']}: {', '.join(f['operations'])}" for f in report.get("failures", []))
        log(f"{name}: {ops.get('tested')}/{ops.get('total')} operations, {cases.get('generated')} test cases, "
            f"{cases.get('unique_failures')} unique failures, {len(report.get('errors', []))} errors"
            + (f" ({failures})" if failures else ""))
        totals["operations"] = max(totals["operations"], ops.get("tested") or 0)
        totals["cases"] += cases.get("generated") or 0
        totals["failures"] += cases.get("unique_failures") or 0
    log(f"total: {totals['operations']} operations, {totals['cases']} test cases, {totals['failures']} unique failures")


if __name__ == "__main__":
    main()
