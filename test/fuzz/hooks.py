"""Schemathesis hooks of the fuzz suite (test/api/fuzz.e2e.ts).

Some values in a request are not data a client makes up but state the server issued or a promise the
client makes; a request inventing them is refused by design, whatever the document says about their
shape. Each is listed here, with why; everything else goes out exactly as generated, provided it is
valid by the document.
"""

import uuid

import jsonschema_rs
import schemathesis
from schemathesis.core import NOT_SET


_validators = {}


def _body_validator(operation, media_type):
    """A validator of the operation's request body, on the schema exactly as the document states it."""
    key = (operation.label, media_type)
    if key not in _validators:
        body = operation.definition.raw.get("requestBody", {}).get("content", {}).get(media_type)
        _validators[key] = (
            None
            if body is None or "schema" not in body
            else jsonschema_rs.Draft202012Validator(
                {**body["schema"], "components": operation.schema.raw_schema.get("components", {})}
            )
        )
    return _validators[key]


@schemathesis.hook
def filter_case(context, case):
    # Only schema-valid bodies go out. Schemathesis 4.32 reads `\p{L}`, `\p{M}` and `\p{Zs}` (the
    # personal `name` pattern) as rough ranges (`\p{Zs}` as any white space, line breaks included)
    # when it generates and validates; a body the document's own schema refuses (jsonschema-rs, the
    # validator Schemathesis ships, on the schema as written) is not a schema-valid request.
    if case.body is NOT_SET or case.media_type is None or not isinstance(case.body, (dict, list, str)):
        return True
    validator = _body_validator(case.operation, case.media_type)
    return validator is None or validator.is_valid(case.body)


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.headers:
        # An Idempotency-Key names one request: the same key with another request is refused (422,
        # IDEMPOTENCY_KEY_REUSED), which generated keys (`0`, `00`, ...) keep hitting. The generated
        # key is kept, made unique; it stays within the documented pattern and length.
        key = case.headers.get("Idempotency-Key")
        if isinstance(key, str):
            case.headers["Idempotency-Key"] = f"{key[:200]}-{uuid.uuid4().hex}"
    if case.query:
        # nextCursor of a previous page, signed by the gateway: an invented one is refused (400).
        case.query.pop("cursor", None)
