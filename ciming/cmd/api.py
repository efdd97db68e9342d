"""``ciming-api``: the REST API on a threaded WSGI server."""

import sys

from ciming.api import app
from ciming.common import rpc
from ciming.common import service as ciming_service
from ciming.common import upload_lease
from ciming.common import wsgi_server
from ciming.db import api as dbapi


def main():
    ciming_service.prepare_service()
    # Uploads a killed API process of this host was streaming.
    upload_lease.recover_own(dbapi.get_instance())
    rpc.init()
    application = app.make_app()
    ciming_service.freeze_startup_objects()
    server = wsgi_server.WSGIServer(application)
    server.serve_forever()
    return 0


if __name__ == '__main__':
    sys.exit(main())
