"""CIMinG, the Cloud Image Manager."""

import warnings

from oslo_service import backend as _service_backend

# CIMinG runs on native threads: make oslo.service (and the libraries that
# use it, oslo.db and oslo.messaging among them) choose its threading
# backend instead of eventlet, whoever imports it first.
_service_backend.register_backend_default_hook(
    lambda: _service_backend.BackendType.THREADING)

# futurist probes for eventlet when it is installed (oslo.service still
# depends on it); CIMinG never uses it, so its deprecation banner is noise.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
