"""The auth-svc producer stack: aiokafka instrumented by opentelemetry-instrumentation-aiokafka, which puts a W3C
traceparent header on every record it sends.

Usage: traced_producer.py BOOTSTRAP_SERVERS RECORDS SPANS. RECORDS holds one {"topic", "key", "value", "headers"}
object per line (key and value as text, headers as [[name, text], ...]). Sends them one at a time, in order, and
writes to SPANS, per record, one JSON line with the trace and span id of the producer span the instrumentation
made for it and the traceparent header it put on the record.
"""

import asyncio
import json
import sys

from aiokafka import AIOKafkaProducer
from opentelemetry import trace
from opentelemetry.instrumentation.aiokafka import AIOKafkaInstrumentor
from opentelemetry.sdk.trace import TracerProvider

provider = TracerProvider()
trace.set_tracer_provider(provider)
sent_spans = []


async def remember_span(span, args, kwargs):
    """Called by the instrumentation once it has put the span's traceparent on the record's headers."""
    context = span.get_span_context()
    traceparent = next(value.decode() for name, value in kwargs["headers"] if name == "traceparent")
    sent_spans.append(
        {"trace_id": format(context.trace_id, "032x"), "span_id": format(context.span_id, "016x"), "traceparent": traceparent}
    )


AIOKafkaInstrumentor().instrument(tracer_provider=provider, async_produce_hook=remember_span)


async def main():
    with open(sys.argv[2], encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    producer = AIOKafkaProducer(bootstrap_servers=sys.argv[1], acks="all")
    await producer.start()
    try:
        with open(sys.argv[3], "w", encoding="utf-8") as spans:
            for record in records:
                await producer.send_and_wait(
                    record["topic"],
                    key=record["key"].encode() if record.get("key") is not None else None,
                    value=record["value"].encode(),
                    headers=[(name, text.encode()) for name, text in record.get("headers", [])],
                )
                spans.write(json.dumps(sent_spans[-1]) + "\n")
    finally:
        await producer.stop()


asyncio.run(main())
