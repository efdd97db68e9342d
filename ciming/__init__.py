"""CIMinG, the Cloud Image Manager."""

from oslo_service import backend as _service_backend

# CIMinG runs on native threads: make oslo.service (and the libraries that
# use it, oslo.db and oslo.messaging among them) choose its threading
# backend instead of eventlet, whoever imports it first.
_service_backend.register_backend_default_hook(
    lambda: _service_backend.BackendType.THREADING)
