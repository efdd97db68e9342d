"""Where a sync reads an image's data, and which clouds can take it.

Kept apart from the images controller: the choice asks the clouds'
capabilities and, for a cloud that exports only some images (Compute
Engine), the conductor about one copy.
"""

import pecan

from ciming.api import cloud_types
from ciming.api import utils
from ciming.common import exception
from ciming.common import states
from ciming.conf import CONF


def _capabilities(cloud_id):
    """A location's cloud capabilities; None if its driver is gone."""
    cloud = pecan.request.dbapi.get_cloud(cloud_id)
    return cloud_types.capabilities_or_none(cloud.type)


def can_import(cloud_id, disk_format):
    capabilities = _capabilities(cloud_id)
    return bool(capabilities and capabilities.can_import
                and cloud_types.can_receive(
                    pecan.request.dbapi.get_cloud(cloud_id), disk_format))


def choose(image, supplied=None):
    """Where a sync reads the data: staging, else a cloud holding it.

    Returns the job's source and the host its cast must go to (None for
    any conductor). Of the clouds, the first active copy in a cloud that
    can export is recorded; the conductor, which holds the drivers and
    credentials, reads from whichever copy it can reach (this one
    first). A cloud that can export only some images (Compute Engine)
    is asked about this one first; when it is the only copy and cannot
    be exported, the request is refused with the cloud's reason.
    """
    if image.staged:
        host = None if CONF.staging.shared else image.staged_host
        return {'type': 'staging', 'host': image.staged_host}, host
    refused = None
    for loc in image.locations:
        if loc.status != states.LOC_ACTIVE:
            continue
        capabilities = _capabilities(loc.cloud_id)
        if not capabilities or not capabilities.can_export:
            continue
        if capabilities.exports_per_image:
            refusal = _export_refusal(image, loc, supplied)
            if refusal is not None:
                refused = refused or refusal
                continue
        return {'type': 'cloud', 'cloud_id': loc.cloud_id,
                'remote_id': loc.remote_id}, None
    if refused is not None:
        raise refused
    raise exception.NoSyncSource(image=image.id)


def _export_refusal(image, loc, supplied):
    """SourceCannotExport when the copy at ``loc`` cannot be read back.

    When the cloud cannot be asked now (no credentials, unreachable),
    the job tries it and reports what it finds.
    """
    try:
        remote = pecan.request.rpcapi.verify_location(
            utils.context(), image.id, loc.cloud_id, loc.remote_id,
            force=True, credentials=supplied)
    except exception.CimingException:
        return None
    if remote.get('exportable') is not False:
        return None
    cloud = pecan.request.dbapi.get_cloud(loc.cloud_id)
    return exception.SourceCannotExport(
        cloud=cloud.name, remote_id=loc.remote_id,
        reason='Compute Engine does not give image data back and the '
               'tarball this image was made from is gone; export it with '
               'Google\'s tools (see the Google Cloud guide)')
