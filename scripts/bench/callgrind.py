"""Instructions per request of hme and of bench-baseline for one cached route, counted by
callgrind (repeatable whatever else the machine runs; not part of the test suite).

    target/test-venv/bin/python scripts/bench/callgrind.py [item|list|gzip|br|user] [N]

Needs the release binaries (target/release/hme, target/release/bench-baseline) and
valgrind. hme runs under callgrind with one worker on a fresh embedded data folder,
seeded with 40 products by scripts/bench/run.py's dataset; counting is switched on
(`vgdb instrumentation on`) around N keep-alive requests (default 2,000), then the same
for bench-baseline serving the bytes hme answered. Prints the instructions per request
of each and leaves the profiles in target/bench/callgrind/ for callgrind_annotate
(`--inclusive=yes`, `--tree=calling`)."""
import http.client
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ.setdefault("BENCH_ID", "callgrind")
import run  # noqa: E402  (scripts/bench)

OUT = os.path.join(run.ROOT, "target/bench/callgrind")
WHICH = sys.argv[1] if len(sys.argv) > 1 else "item"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
RELEASE_HME = os.path.abspath(os.environ.get("BENCH_HME_BIN") or os.path.join(run.ROOT, "target/release/hme"))


def valgrind(out_file):
    return ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out_file}"]


def hammer(port, path, headers, n):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for _ in range(n):
        # as wrk sends it: no Accept-Encoding unless the scenario sets one (http.client
        # would add `identity`, which the compression middleware then parses)
        c.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in headers.items():
            c.putheader(name, value)
        c.endheaders()
        r = c.getresponse()
        body = r.read()
        assert r.status == 200, (r.status, body[:200])


def counted(pid, port, path, headers):
    hammer(port, path, headers, 50)  # warm
    subprocess.run(["vgdb", f"--pid={pid}", "instrumentation", "on"], check=True, capture_output=True)
    hammer(port, path, headers, N)
    subprocess.run(["vgdb", f"--pid={pid}", "instrumentation", "off"], check=True, capture_output=True)


def per_request(cg):
    with open(cg) as f:
        total = max((int(line.split()[1]) for line in f if line.startswith(("totals:", "summary:"))), default=0)
    return total // N


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    wrapper = os.path.join(OUT, "hme-under-callgrind.sh")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\nexec " + " ".join(valgrind(os.path.join(OUT, "hme.cg"))) + f" {RELEASE_HME} \"$@\"\n")
    os.chmod(wrapper, 0o755)
    run.HME, run.PRODUCTS = wrapper, 40
    h = run.Hme("callgrind", {"HME__SERVER__WORKERS": "1"})
    products, users = run.seed(h.base)
    path = {"item": f"/api/product/{products[len(products) // 2]['_id']}", "list": "/api/product/list", "gzip": "/api/product/list",
            "br": "/api/product/list", "user": "/api/user/data"}[WHICH]
    headers = {"user": {"Authorization": users[0]["auth"]}, "gzip": {"Accept-Encoding": "gzip"}, "br": {"Accept-Encoding": "br"}}.get(WHICH, {})
    counted(h.proc.pid, h.port, path, headers)
    h.stop()
    # The baseline fetches the bytes from a plain hme on the same data.
    run.HME = RELEASE_HME
    plain = run.Hme("callgrind-plain", {"HME__SERVER__WORKERS": "1"}, data_dir=h.data_dir)
    spec = os.path.join(OUT, "spec.json")
    with open(spec, "w") as f:
        json.dump([{"url": plain.base + path, "headers": headers}], f)
    port = run.free_port()
    b = subprocess.Popen(valgrind(os.path.join(OUT, "baseline.cg")) + [run.BASELINE, spec, str(port)],
                         stdout=subprocess.PIPE, stderr=open(os.path.join(OUT, "baseline.log"), "wb"))
    assert b.stdout.readline().decode().startswith("ready")
    plain.stop()
    counted(b.pid, port, path, headers)
    b.terminate()
    b.wait()
    shutil.rmtree(h.data_dir, ignore_errors=True)
    hme, base = per_request(os.path.join(OUT, "hme.cg")), per_request(os.path.join(OUT, "baseline.cg"))
    print(f"GET {WHICH} ({path}), {N} requests: hme {hme:,} instructions per request, bench-baseline {base:,} ({hme / max(base, 1):.1f}x)")
    print(f"profiles: {os.path.relpath(OUT, run.ROOT)}/{{hme,baseline}}.cg")


if __name__ == "__main__":
    main()
