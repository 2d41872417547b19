"""The database's own floor for each MongoDB scenario of scripts/bench.sh: a minimal
pymongo client issuing the same queries (or, for an order, the same writes in one
transaction) as hme does, from N threads, in the same run. hme's rate divided by the
floor's is the share of what the database allows that hme reaches.

Each floor also counts the commands it sends (pymongo command monitoring), so the
table shows what the floor pays per query next to hme's "database commands per request".

    rate = floor_list(uri, db, seconds, threads)      # find({}) of every product
    rate = floor_product(uri, db, seconds, threads, product_id)
    rate = floor_order(uri, db, seconds, threads, product_ids)
"""

import concurrent.futures
import datetime
import threading
import time
import uuid

import pymongo
from bson import ObjectId
from pymongo import monitoring

# The batch size asking for the whole answer in the first batch (as hme does).
WHOLE_ANSWER = 2**31 - 1


class _Counter(monitoring.CommandListener):
    """Counts the commands the floor's client sends."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = 0

    def started(self, event):
        with self.lock:
            self.sent += 1

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def _run(uri, threads, seconds, once):
    """Runs once(client, thread) in a loop from `threads` threads for `seconds`; the
    rate, the latencies and the commands sent per call."""
    counter = _Counter()
    client = pymongo.MongoClient(uri, maxPoolSize=threads, event_listeners=[counter])
    once(client, 0)  # warm: connections, and a check that it works
    counts, lat = [0] * threads, []
    start_sent = counter.sent
    end = time.perf_counter() + seconds

    def loop(i):
        local = []
        while time.perf_counter() < end:
            t = time.perf_counter()
            once(client, i)
            local.append(time.perf_counter() - t)
            counts[i] += 1
        lat.extend(local)
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as ex:
        list(ex.map(loop, range(threads)))
    elapsed = time.perf_counter() - t0
    calls = sum(counts)
    lat.sort()
    client.close()
    return {"qps": round(calls / elapsed, 1), "calls": calls,
            "p50_ms": round(lat[len(lat) // 2] * 1000, 2) if lat else None,
            "p99_ms": round(lat[int(len(lat) * 0.99)] * 1000, 2) if lat else None,
            "commands_per_call": round((counter.sent - start_sent) / max(calls, 1), 2)}


def floor_list(uri, db_name, seconds, threads):
    """The uncached list's query: find({}) in natural order, every document read, one
    batch (what the legacy `Product.find({})` and hme send)."""
    n = [None]

    def once(client, _thread):
        docs = list(client[db_name]["products"].find({}, batch_size=WHOLE_ANSWER))
        if n[0] is None:
            n[0] = len(docs)
        assert len(docs) == n[0]
    r = _run(uri, threads, seconds, once)
    r["documents"] = n[0]
    return r


def floor_product(uri, db_name, seconds, threads, product_id):
    """One product by id: find_one({_id})."""
    oid = ObjectId(product_id)

    def once(client, _thread):
        assert client[db_name]["products"].find_one({"_id": oid}) is not None
    return _run(uri, threads, seconds, once)


def floor_order(uri, db_name, seconds, threads, product_ids):
    """Placing an order's writes, minimally, in one transaction (pymongo's
    with_transaction, which retries transient errors as hme's helper does): the stock
    reservation (a conditional decrement per line, then the hold), the order, its outbox
    entry and the emptied cart. Into `floor_*` collections, so hme's relay and sweeper
    never see them; one shopper per thread, so carts do not collide (hme's cart write is
    not in its transaction, so its shoppers never collide on it either)."""
    lines = [(ObjectId(p), 1 + j) for j, p in enumerate(product_ids)]
    setup = pymongo.MongoClient(uri)
    setup[db_name]["floor_users"].delete_many({})
    setup[db_name]["floor_users"].insert_many([{"_id": f"floor_{i}", "cartItems": {"x": 1}} for i in range(threads)])
    setup.close()

    def once(client, thread):
        db = client[db_name]
        now = datetime.datetime.now(datetime.timezone.utc)
        oid = ObjectId()

        def writes(s):
            for product, qty in lines:
                db["products"].find_one_and_update({"_id": product, "stock": {"$gte": qty}}, {"$inc": {"stock": -qty}}, session=s)
            db["floor_stock_reservations"].insert_one({"_id": str(oid), "state": "confirmed", "lines": [{"productId": p, "qty": q} for p, q in lines],
                                                       "createdAt": now}, session=s)
            db["floor_orders"].insert_one({"_id": oid, "userId": f"floor_{thread}", "items": [{"product": str(p), "quantity": q} for p, q in lines],
                                           "amount": 1000, "date": int(now.timestamp() * 1000), "status": "Order Placed"}, session=s)
            db["floor_outbox"].insert_one({"_id": uuid.uuid4().hex, "type": "order.created", "orderId": str(oid), "createdAt": now}, session=s)
            db["floor_users"].update_one({"_id": f"floor_{thread}"}, {"$set": {"cartItems": {}}}, session=s)
        with client.start_session() as s:
            s.with_transaction(writes)
    return _run(uri, threads, seconds, once)
