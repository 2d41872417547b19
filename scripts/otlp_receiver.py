#!/usr/bin/env python3
"""A test OTLP/HTTP trace receiver: decodes the protobuf ExportTraceServiceRequest that
`POST /v1/traces` carries (the published definitions, PyPI `opentelemetry-proto`) and
appends one JSON line per span to OUT:

  {"service": ..., "name": ..., "kind": ..., "trace_id": hex, "span_id": hex,
   "parent_span_id": hex or "", "links": [{"trace_id", "span_id"}], "attributes": {...},
   "status": code, "start": ns, "end": ns}

    otlp_receiver.py --port PORT --out spans.jsonl [--fail-first N]

`--discard` answers 200 without decoding (the bench's sink). `--fail-first N` answers 503 to the first N exports (to prove a failed export is
counted and never fails a request). Prints "listening <port>" once ready.
"""

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KINDS = {}


def value_of(v):
    kind = v.WhichOneof("value")
    if kind in ("string_value", "bool_value", "int_value", "double_value"):
        return getattr(v, kind)
    if kind == "array_value":
        return [value_of(x) for x in v.array_value.values]
    return None


def attributes(kvs):
    return {kv.key: value_of(kv.value) for kv in kvs}


def spans_of(req):
    for rs in req.resource_spans:
        resource = attributes(rs.resource.attributes)
        for ss in rs.scope_spans:
            for s in ss.spans:
                yield {
                    "service": resource.get("service.name", ""),
                    "resource": resource,
                    "name": s.name,
                    "kind": KINDS.get(s.kind, str(s.kind)),
                    "trace_id": s.trace_id.hex(),
                    "span_id": s.span_id.hex(),
                    "parent_span_id": s.parent_span_id.hex(),
                    "links": [{"trace_id": l.trace_id.hex(), "span_id": l.span_id.hex()} for l in s.links],
                    "attributes": attributes(s.attributes),
                    "status": s.status.code,
                    "start": s.start_time_unix_nano,
                    "end": s.end_time_unix_nano,
                }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--discard", action="store_true", help="answer 200 without decoding (the bench's sink)")
    args = ap.parse_args()
    if not args.discard:
        # Imported here so the bench's sink (--discard) runs on any Python.
        global ExportTraceServiceRequest, ExportTraceServiceResponse  # noqa: PLW0603
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
            ExportTraceServiceResponse,
        )
        from opentelemetry.proto.trace.v1.trace_pb2 import Span

        KINDS.update({v: k.removeprefix("SPAN_KIND_").lower() for k, v in Span.SpanKind.items()})
    lock = threading.Lock()
    state = {"failures_left": args.fail_first}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != "/v1/traces":
                self.send_response(404)
                self.end_headers()
                return
            if args.discard:
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with lock:
                if state["failures_left"] > 0:
                    state["failures_left"] -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
            req = ExportTraceServiceRequest()
            try:
                req.ParseFromString(body)
            except Exception as e:  # noqa: BLE001  (a malformed export is the bug to show)
                self.send_response(400)
                self.end_headers()
                self.wfile.write(str(e).encode())
                return
            with lock, open(args.out, "a", encoding="utf-8") as f:
                for span in spans_of(req):
                    f.write(json.dumps(span) + "\n")
            out = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"listening {server.server_address[1]}", flush=True)
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
