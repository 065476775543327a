"""Schemathesis hooks of the fuzz suite (test/api/fuzz.e2e.ts).

Some values in a request are not data a client makes up but state the server issued or a promise the
client makes; a request inventing them is refused by design, whatever the document says about their
shape. Each is listed here, with why; everything else goes out exactly as generated.
"""

import uuid

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.headers:
        # An Idempotency-Key names one request: the same key with another request is refused (422,
        # IDEMPOTENCY_KEY_REUSED), which generated keys (`0`, `00`, ...) keep hitting. The generated
        # key is kept, made unique; it stays within the documented pattern and length.
        key = case.headers.get("Idempotency-Key")
        if isinstance(key, str):
            case.headers["Idempotency-Key"] = f"{key[:200]}-{uuid.uuid4().hex}"
        # The ID of an event this gateway sent: an invented one is refused (400), as a forged one must be.
        case.headers.pop("Last-Event-ID", None)
    if case.query:
        # nextCursor of a previous page, signed by the gateway: an invented one is refused (400).
        case.query.pop("cursor", None)
