"""Glance: an image's metadata, changed with a JSON Patch through its schema.

A :class:`~ciming.drivers.base.MetadataChange` maps onto Glance one to one:
properties, tags, visibility, ``protected``, ``min_disk``, ``min_ram`` and
the name. glanceclient turns it into the JSON Patch Glance expects by way
of the image schema Glance publishes (so a value Glance's schema refuses
is refused before anything is sent). Deprecation is Glance's ``os_hidden``
(the image leaves the default image list; it can still boot) with the
properties ``ciming_replacement`` (CIMinG's id of the replacement) and
``ciming_deprecation_time``; Glance has no schedule, so an image is
hidden at once whatever its deprecation time.
"""

from glanceclient import exc as glance_exc
from oslo_utils import timeutils

from ciming.common import exception
from ciming.common import metadata
from ciming.drivers import base


def normalize(image):
    """A Glance image (a dict) as a :class:`RemoteImage`."""
    properties = {k: v for k, v in image.items()
                  if k not in metadata.GLANCE_FIELDS}
    return base.RemoteImage(
        remote_id=image['id'], name=image.get('name'),
        disk_format=image.get('disk_format'),
        container_format=image.get('container_format'),
        size=image.get('size'), checksum=image.get('checksum'),
        os_hash_algo=image.get('os_hash_algo'),
        os_hash_value=image.get('os_hash_value'),
        status=image.get('status'), visibility=image.get('visibility'),
        properties=properties, tags=list(image.get('tags') or []),
        protected=image.get('protected'), min_disk=image.get('min_disk'),
        min_ram=image.get('min_ram'))


def update_arguments(change):
    """``(fields to set, properties to remove)`` of a MetadataChange."""
    fields = dict(change.set_properties)
    for field in metadata.FIELDS:
        value = getattr(change, field)
        if value is not None:
            fields[field] = value
    return fields, list(change.unset_properties)


def deprecation_arguments(replacement=None, deprecate_at=None):
    fields = {'os_hidden': True,
              metadata.DEPRECATION_TIME_PROPERTY: deprecate_at
              or timeutils.utcnow().replace(microsecond=0).isoformat()}
    removed = []
    if replacement:
        fields[metadata.REPLACEMENT_PROPERTY] = replacement
    else:
        removed.append(metadata.REPLACEMENT_PROPERTY)
    return fields, removed


def undeprecation_arguments():
    return {'os_hidden': False}, [metadata.REPLACEMENT_PROPERTY,
                                  metadata.DEPRECATION_TIME_PROPERTY]


class GlanceMetadataMixin:
    """update_metadata(), deprecate() and undeprecate() of the driver."""

    def update_metadata(self, remote_id, change):
        self._patch(remote_id, *update_arguments(change))

    def deprecate(self, remote_id, replacement=None, deprecate_at=None):
        self._patch(remote_id, *deprecation_arguments(replacement,
                                                      deprecate_at))

    def undeprecate(self, remote_id):
        self._patch(remote_id, *undeprecation_arguments())

    def _patch(self, remote_id, fields, removed):
        image = self._raw_image(remote_id)
        if self._one_identity and not self._owned(image):
            # Another project's image, even one Glance shows to all.
            raise exception.RemoteImageNotFound(remote_id=remote_id,
                                                cloud=self.name)
        try:
            self._call('update image %s' % remote_id,
                       self._client().images.update, remote_id,
                       remove_props=removed or None,
                       passthrough=(TypeError, glance_exc.HTTPForbidden),
                       **fields)
        except TypeError as exc:
            # glanceclient checked the change against Glance's schema.
            raise exception.DriverError(
                cloud=self.name, reason='Glance refuses %s: %s'
                % (', '.join(sorted(fields)), exc))
        except glance_exc.HTTPForbidden as exc:
            raise exception.DriverError(
                cloud=self.name, reason='Glance forbids changing %s: %s'
                % (', '.join(sorted(fields) + sorted(removed)),
                   exc.details or exc))
