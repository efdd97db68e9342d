"""Glance's image schema, read once per Glance endpoint in a process.

glanceclient reads ``/v2/schemas/image`` before the first image call of
every client it builds, and a job builds its own clients: one request per
cloud per job for a document that changes only when Glance is upgraded.
A schema is kept for ``TTL`` seconds, so an upgraded Glance is seen again.
"""

import threading
import time

TTL = 3600.0

_lock = threading.Lock()
_schemas = {}


class CachedSchemas:
    """Stands in for a glanceclient schemas controller, caching ``get``.

    :param schemas: the client's own schemas controller.
    :param endpoint: a callable giving the Glance endpoint (the cache key).
    """

    def __init__(self, schemas, endpoint):
        self._schemas = schemas
        self._endpoint = endpoint

    def get(self, schema_name):
        key = (self._endpoint(), schema_name)
        now = time.monotonic()
        with _lock:
            cached = _schemas.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        schema = self._schemas.get(schema_name)
        with _lock:
            _schemas[key] = (now + TTL, schema)
        return schema


def install(client):
    """Have a glanceclient v2 client's image calls use the cache."""
    client.images.schema_client = CachedSchemas(
        client.schemas, client.http_client.get_endpoint)
    return client


def forget():
    """Drop every cached schema (tests)."""
    with _lock:
        _schemas.clear()
