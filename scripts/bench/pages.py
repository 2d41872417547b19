"""The storefront page-load scenario: what the shop's pages ask for a signed-in shopper.

From ../shared/contract/frontend.md (section 2, customer calls):
- home page: GET /api/product/list (every page load, no auth) and GET /api/user/data
  (Bearer, when the Clerk user appears), fired together;
- cart page: the same two plus GET /api/user/get-address (Bearer), fired together.

N shoppers (BENCH_SHOPPERS, default the wrk connection count) each load the home page and
the cart page in turn for the scenario's duration, each page's calls in parallel on the
shopper's own keep-alive connections, as a browser does. A page's time is the slowest of
its calls (the page can render when all have answered). The driver is Python (threads,
http.client): on this 2-core machine it shares the CPU with hme, so the pages/s are a
floor of what hme serves, and p50/p99 include the driver's own scheduling.
"""

import http.client
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

PAGES = {
    "home": [("/api/product/list", False), ("/api/user/data", True)],
    "cart": [("/api/product/list", False), ("/api/user/data", True), ("/api/user/get-address", True)],
}


def _percentile(sorted_ms, q):
    if not sorted_ms:
        return None
    return round(sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))], 2)


class _Shopper:
    def __init__(self, host, port, auth, calls):
        self.host, self.port, self.auth = host, port, auth
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(max_workers=calls)

    def _conn(self):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        return c

    def get(self, path, signed):
        headers = {"Accept-Encoding": "gzip, deflate, br"}
        if signed:
            headers["Authorization"] = self.auth
        try:
            c = self._conn()
            c.request("GET", path, headers=headers)
            r = c.getresponse()
            r.read()
            return r.status == 200
        except (OSError, http.client.HTTPException):
            self.local.conn = None
            return False

    def load(self, page):
        t0 = time.perf_counter()
        oks = list(self.pool.map(lambda call: self.get(*call), PAGES[page]))
        return (time.perf_counter() - t0) * 1000, all(oks)


def page_loads(base, users, duration, shoppers, pid=None, rss_kb=None):
    """Runs the scenario against `base`; returns pages/s, p50/p99 per page and in all,
    failed page loads, and the RSS of `pid` before, at peak and after."""
    u = urlparse(base)
    group = [_Shopper(u.hostname, u.port, users[i % len(users)]["auth"], 3) for i in range(shoppers)]
    times = {p: [] for p in PAGES}
    failed = [0]
    lock = threading.Lock()
    stop = threading.Event()
    before = rss_kb(pid) if pid else None
    peak = [before or 0]

    def shop(s, k):
        page_order = ["home", "cart"] if k % 2 == 0 else ["cart", "home"]
        i = 0
        while not stop.is_set():
            page = page_order[i % 2]
            ms, ok = s.load(page)
            with lock:
                times[page].append(ms)
                failed[0] += 0 if ok else 1
            i += 1

    threads = [threading.Thread(target=shop, args=(s, k), daemon=True) for k, s in enumerate(group)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    while time.perf_counter() - t0 < duration:
        time.sleep(0.1)
        if pid:
            peak[0] = max(peak[0], rss_kb(pid) or 0)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    for s in group:
        s.pool.shutdown()
    every = sorted(ms for p in times.values() for ms in p)
    out = {"rps": round(len(every) / elapsed, 1), "p50_ms": _percentile(every, 0.50), "p99_ms": _percentile(every, 0.99),
           "errors": failed[0], "requests": sum(len(p) * len(PAGES[k]) for k, p in times.items()), "shoppers": shoppers,
           "pages": {p: {"loads": len(ms), "p50_ms": _percentile(sorted(ms), 0.50), "p99_ms": _percentile(sorted(ms), 0.99),
                         "calls": [c for c, _ in PAGES[p]]} for p, ms in times.items()}}
    if pid:
        out.update({"rss_before_mb": round(before / 1024, 1) if before else None, "rss_peak_mb": round(peak[0] / 1024, 1),
                    "rss_after_mb": round((rss_kb(pid) or 0) / 1024, 1)})
    return out
