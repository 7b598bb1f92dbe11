"""Schemathesis hooks for the contract check (SCHEMATHESIS_HOOKS points here).

tus sends upload bytes as `application/offset+octet-stream` (tus 1.0, PATCH and
creation-with-upload), which schemathesis has no serializer for: they are raw bytes,
serialized as `application/octet-stream` is.
"""

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
