"""Response bodies of API v1: database records shaped for clients.

Timestamps are ISO 8601 in UTC (``2026-01-31T12:00:00+00:00``) or null.

Cloud::

    {"id", "name", "type", "region", "options", "credential_ref", "shared",
     "project_id", "description",
     "capabilities": {"can_export", "can_import", "keeps_id"},
     "created_at", "updated_at", "links"}

Image::

    {"id", "name", "disk_format", "container_format", "size", "checksum",
     "os_hash_algo", "os_hash_value", "status", "project_id",
     "created_at", "updated_at", "locations": [Location], "links",
     from 1.1: "deprecated", "pending_metadata" (null when none);
     1.3: "virtual_size"}

Location::

    {"cloud_id", "cloud_name", "remote_id", "status", "error",
     "last_seen_at",
     1.3: "disk_format", "size", "os_hash_value" (what the copy holds)}

RemoteImage (an image as one cloud reports it, never stored)::

    {"remote_id", "name", "disk_format", "container_format", "size",
     "checksum", "os_hash_algo", "os_hash_value", "status", "visibility",
     "properties", from 1.1: "tags", "protected", "min_disk", "min_ram";
     "tracked_as" (browsing only: our image id or null)}

Job::

    {"id", "image_id", "project_id", "action", "state", "source",
     "targets": [{"cloud_id", "cloud_name", "state", "bytes_done",
                  "bytes_total", "remote_id", "error"}],
     "error", "created_at", "updated_at", "started_at", "finished_at",
     "links",
     1.3: "data": {"source": Data, "converted": Data or null} or null,
     Data being {"disk_format", "size", "checksum", "os_hash_algo",
     "os_hash_value"}}
"""

import datetime

from ciming.api import cloud_types
from ciming.api import utils


def timestamp(value):
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.isoformat()


def capabilities(cloud_type):
    caps = cloud_types.capabilities_or_none(cloud_type)
    if caps is None:
        return None  # the driver of this type is not installed here
    return {'can_export': caps.can_export, 'can_import': caps.can_import,
            'keeps_id': caps.keeps_id}


def cloud(record):
    return {
        'id': record.id,
        'name': record.name,
        'type': record.type,
        'region': record.region,
        'options': record.options or {},
        'credential_ref': record.credential_ref,
        'shared': bool(record.shared),
        'project_id': record.project_id,
        'description': record.description,
        'capabilities': capabilities(record.type),
        'created_at': timestamp(record.created_at),
        'updated_at': timestamp(record.updated_at),
        'links': utils.links('clouds', record.id),
    }


def location(record, cloud_names):
    result = {
        'cloud_id': record.cloud_id,
        'cloud_name': cloud_names(record.cloud_id),
        'remote_id': record.remote_id,
        'status': record.status,
        'error': record.error,
        'last_seen_at': timestamp(record.last_seen_at),
    }
    if utils.allow_formats():
        result.update(disk_format=record.disk_format, size=record.size,
                      os_hash_value=record.os_hash_value)
    return result


def image(record, cloud_names=None):
    cloud_names = cloud_names or utils.CloudNames(record.project_id)
    result = {
        'id': record.id,
        'name': record.name,
        'disk_format': record.disk_format,
        'container_format': record.container_format,
        'size': record.size,
        'checksum': record.checksum,
        'os_hash_algo': record.os_hash_algo,
        'os_hash_value': record.os_hash_value,
        'status': record.status,
        'project_id': record.project_id,
        'created_at': timestamp(record.created_at),
        'updated_at': timestamp(record.updated_at),
        'locations': [location(loc, cloud_names)
                      for loc in record.locations],
        'links': utils.links('images', record.id),
    }
    if utils.allow_lifecycle():
        result['deprecated'] = bool(record.deprecated)
        result['pending_metadata'] = record.pending_metadata or None
    if utils.allow_formats():
        result['virtual_size'] = record.virtual_size
    return result


def job_target(record, cloud_names):
    return {
        'cloud_id': record.cloud_id,
        'cloud_name': cloud_names(record.cloud_id),
        'state': record.state,
        'bytes_done': record.bytes_done,
        'bytes_total': record.bytes_total,
        'remote_id': record.remote_id,
        'error': record.error,
    }


def job(record, cloud_names=None):
    cloud_names = cloud_names or utils.CloudNames(record.project_id)
    result = {
        'id': record.id,
        'image_id': record.image_id,
        'project_id': record.project_id,
        'action': record.action,
        'state': record.state,
        # The pid of the upload a job copies is the conductor's business.
        'source': {k: v for k, v in (record.source or {}).items()
                   if k != 'upload_pid'},
        'targets': [job_target(t, cloud_names) for t in record.targets],
        'error': record.error,
        'created_at': timestamp(record.created_at),
        'updated_at': timestamp(record.updated_at),
        'started_at': timestamp(record.started_at),
        'finished_at': timestamp(record.finished_at),
        'links': utils.links('jobs', record.id),
    }
    if utils.allow_formats():
        result['data'] = record.data
    return result


# RemoteImage fields shown from 1.1 on.
REMOTE_LIFECYCLE_FIELDS = ('tags', 'protected', 'min_disk', 'min_ram')


def remote(described):
    """A cloud's image as the conductor described it, for this version."""
    if described is None:
        return described
    # fixed_properties is for comparing copies (metadata_drift), not shown.
    hidden = ('fixed_properties',) + (
        () if utils.allow_lifecycle() else REMOTE_LIFECYCLE_FIELDS)
    return {k: v for k, v in described.items() if k not in hidden}


def remote_image(described, tracked_as=None):
    """A cloud's image as the conductor described it, and our id for it."""
    return dict(remote(described), tracked_as=tracked_as)
