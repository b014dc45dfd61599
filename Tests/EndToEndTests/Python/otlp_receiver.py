"""A test OTLP/HTTP receiver: decodes each POST /v1/traces body as the real protobuf
(opentelemetry-proto's ExportTraceServiceRequest) and appends one JSON object per span to a file.

Usage: otlp_receiver.py SPANS_FILE [--counts]. Prints the port it listens on (127.0.0.1, chosen by the system) as
its first line. Anything that is not a decodable protobuf export is answered 400 and recorded as {"error": ...}.
With --counts (for the benchmark) it still decodes every export, but records only its numbers of spans and links.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

SPANS_FILE = sys.argv[1]
COUNTS_ONLY = "--counts" in sys.argv[2:]


def value(any_value):
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [value(v) for v in any_value.array_value.values]
    return getattr(any_value, kind) if kind else None


def attributes(key_values):
    return {kv.key: value(kv.value) for kv in key_values}


def span_json(resource, span):
    return {
        "service": attributes(resource.attributes).get("service.name"),
        "resource": attributes(resource.attributes),
        "name": span.name,
        "kind": Span.SpanKind.Name(span.kind),
        "trace_id": span.trace_id.hex(),
        "span_id": span.span_id.hex(),
        "parent_span_id": span.parent_span_id.hex(),
        "attributes": attributes(span.attributes),
        "links": [
            {"trace_id": link.trace_id.hex(), "span_id": link.span_id.hex(), "attributes": attributes(link.attributes)}
            for link in span.links
        ],
        "status": Status.StatusCode.Name(span.status.code),
        "start": span.start_time_unix_nano,
        "end": span.end_time_unix_nano,
    }


def record(objects):
    with open(SPANS_FILE, "a", encoding="utf-8") as spans:
        for obj in objects:
            spans.write(json.dumps(obj) + "\n")


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (the handler's name is the method's)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != "/v1/traces" or self.headers.get("Content-Type") != "application/x-protobuf":
            record([{"error": f"unexpected {self.path} {self.headers.get('Content-Type')}"}])
            self.send_response(400)
            self.end_headers()
            return
        try:
            request = ExportTraceServiceRequest.FromString(body)
        except Exception as error:  # a body that is not the protobuf: the test fails on this record
            record([{"error": f"undecodable export: {error}"}])
            self.send_response(400)
            self.end_headers()
            return
        spans = [
            (resource_spans.resource, span)
            for resource_spans in request.resource_spans
            for scope_spans in resource_spans.scope_spans
            for span in scope_spans.spans
        ]
        if COUNTS_ONLY:
            record([{"spans": len(spans), "links": sum(len(span.links) for _, span in spans), "bytes": len(body)}])
        else:
            record(span_json(resource, span) for resource, span in spans)
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format, *args):  # noqa: A002 (the base class's signature)
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
print(server.server_address[1], flush=True)
server.serve_forever()
