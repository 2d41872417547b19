"""An interleaved A/B of two hme release binaries on the cached embedded routes, each
round measuring bench-baseline too (not part of the test suite):

    target/test-venv/bin/python scripts/bench/ab.py OLD_HME NEW_HME [ROUNDS]

For each round (default 2): bench-baseline, then OLD, then NEW, each on a fresh embedded
data folder seeded with scripts/bench/run.py's dataset, `wrk` BENCH_DURATION seconds
(default 10) per route: one product, the list, the list gzip, the list br. Interleaving keeps a drift
of the machine's speed from reading as a change; the ratio to the baseline of the same
round is what to compare. Needs target/release/bench-baseline and
`scripts/services.sh start` (the venv)."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ.setdefault("BENCH_ID", "ab")
import run  # noqa: E402  (scripts/bench)

ROUTES = [("item", None), ("list", None), ("list gzip", "gzip"), ("list br", "br")]


def measure(binary, label):
    run.HME = os.path.abspath(binary)
    h = run.Hme(label, {})
    try:
        products, _ = run.seed(h.base)
        paths = {"item": f"/api/product/{products[len(products) // 2]['_id']}", "list": "/api/product/list", "list gzip": "/api/product/list", "list br": "/api/product/list"}
        for name, enc in ROUTES:  # warm the cache and the compressed variants
            run.request(h.base, "GET", paths[name], headers={"Accept-Encoding": enc} if enc else None)
        return {name: run.wrk(f"{label} {name}", h.base, paths[name], encoding=enc)["rps"] for name, enc in ROUTES}, h, paths
    finally:
        h.stop()


def baseline(h, paths):
    """bench-baseline serving the bytes an hme on the same data folder answers."""
    run.HME = os.path.abspath(sys.argv[1])
    plain = run.Hme("ab-plain", {}, data_dir=h.data_dir)
    spec = os.path.join(run.OUT, "ab-spec.json")
    with open(spec, "w") as f:
        json.dump([{"url": plain.base + paths[name], "headers": {"Accept-Encoding": enc} if enc else {}} for name, enc in ROUTES], f)
    port = run.free_port()
    b = subprocess.Popen([run.BASELINE, spec, str(port)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert b.stdout.readline().decode().startswith("ready")
    plain.stop()
    try:
        base = f"http://127.0.0.1:{port}"
        return {name: run.wrk(f"baseline {name}", base, paths[name], encoding=enc)["rps"] for name, enc in ROUTES}
    finally:
        b.terminate()
        b.wait()


def main():
    old, new = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    rows = []
    for r in range(rounds):
        a, h, paths = measure(old, "old")
        base = baseline(h, paths)
        b, _, _ = measure(new, "new")
        rows.append((base, a, b))
        for name, _ in ROUTES:
            print(f"round {r + 1} {name:10} baseline {base[name]:9.0f}  old {a[name]:9.0f} ({a[name] / base[name]:.2f}x)  new {b[name]:9.0f} ({b[name] / base[name]:.2f}x)", flush=True)


if __name__ == "__main__":
    main()
