"""Google Cloud: an image's metadata as labels, and its deprecation.

How a :class:`~ciming.drivers.base.MetadataChange` maps onto a Compute
Engine image (documented in doc/source/user/gcp.rst):

===============  ==========================================================
CIMinG           Compute Engine
===============  ==========================================================
properties       labels of the same name (``images.setLabels`` with the
                 image's ``labelFingerprint``). Compute Engine's label
                 rules hold: a key starts with a lowercase letter, keys and
                 values are at most 63 of ``[a-z0-9_-]`` (a value may be
                 empty), 64 labels at most. A property that breaks them is
                 refused, not rewritten, and so are CIMinG's own labels
                 (``ciming-*``). The properties read from image fields
                 (``hw_firmware_type``, ``os_type``, ``architecture``,
                 ``gce_*``) are fixed when the image is made: the same
                 value is accepted, another refused.
name             the name CIMinG keeps in the image's description
                 (``images.patch``); the Compute Engine name, its id
                 there, cannot change
others           left out (tags, visibility, protected, min_disk,
                 min_ram): Compute Engine images have no such notion
===============  ==========================================================

Deprecation is Compute Engine's own (``images.deprecate``): state
``DEPRECATED``, ``deprecated`` the deprecation time in RFC 3339 (now when
none is given; Compute Engine treats it as information only, the image is
deprecated at once) and ``replacement`` the URL of the replacement's image
when this cloud holds one (found by its ``ciming-image-id`` label), else
none. Undeprecation sets the state ``ACTIVE``, which clears it.
"""

import re

from oslo_utils import timeutils

from ciming.common import exception
from ciming.drivers import gcp_images

MAX_LABELS = 64
MAX_NAME = 255
_LABEL_KEY = re.compile(r'^[a-z][a-z0-9_-]{0,62}\Z')
_LABEL_VALUE = re.compile(r'^[a-z0-9_-]{0,63}\Z')
FIXED_PREFIX = 'gce_'
FIXED = ('hw_firmware_type', 'os_type', 'architecture')


class Refused(ValueError):
    """A change the image cannot hold; the message names it."""


def _fixed(key):
    return key in FIXED or key.startswith(FIXED_PREFIX)


def _reserved(key):
    return key.startswith('ciming-') or key in (
        gcp_images.ID_LABEL, gcp_images.HASH_LABEL, gcp_images.OWNER_LABEL)


def labels_after(image, change):
    """The labels ``image`` has once ``change`` is applied."""
    labels = dict(image.get('labels') or {})
    derived = gcp_images.normalize(image).properties
    for key in sorted(change.set_properties, key=str):
        value = change.set_properties[key]
        if not isinstance(key, str) or _reserved(key):
            raise Refused('property %r is a label CIMinG keeps itself'
                          % (key,))
        if _fixed(key):
            if derived.get(key) != value:
                raise Refused('property %s is fixed when the image is made '
                              '(it is %s)' % (key, derived.get(key)))
            continue
        if not _LABEL_KEY.match(key):
            raise Refused('property %r cannot be a label key (a lowercase '
                          'letter, then up to 62 of a-z, 0-9, _ and -)'
                          % (key[:64],))
        if not isinstance(value, str) or not _LABEL_VALUE.match(value):
            raise Refused('the value of property %s cannot be a label '
                          'value (up to 63 of a-z, 0-9, _ and -)' % key)
        labels[key] = value
    for key in change.unset_properties:
        if not isinstance(key, str) or _reserved(key) or _fixed(key):
            raise Refused('property %r cannot be removed from the image'
                          % (key,))
        labels.pop(key, None)
    if len(labels) > MAX_LABELS:
        raise Refused('an image holds %d labels at most, this change makes '
                      '%d' % (MAX_LABELS, len(labels)))
    return labels


def new_name(image, change):
    """The name to write in the description, or None to leave it."""
    if change.name is None:
        return None
    if not isinstance(change.name, str) or not 0 < len(
            change.name) <= MAX_NAME:
        raise Refused('the name must be text of 1 to %d characters'
                      % MAX_NAME)
    if gcp_images.normalize(image).name == change.name:
        return None
    return change.name


def rfc3339(deprecate_at=None):
    """An ISO 8601 time (None: now) as RFC 3339 in UTC."""
    if deprecate_at is None:
        when = timeutils.utcnow()
    else:
        try:
            when = timeutils.normalize_time(timeutils.parse_isotime(
                deprecate_at))
        except (ValueError, TypeError):
            raise Refused('%r is not an ISO 8601 time' % (deprecate_at,))
    return when.strftime('%Y-%m-%dT%H:%M:%SZ')


class GCPMetadataMixin:
    """update_metadata(), deprecate() and undeprecate() of the driver."""

    def _refused(self, exc):
        return exception.DriverError(
            cloud=self.name, reason='Compute Engine cannot hold this: %s'
            % exc)

    def update_metadata(self, remote_id, change):
        image = self._raw_image(remote_id)
        try:
            labels = labels_after(image, change)
            name = new_name(image, change)
        except Refused as exc:
            raise self._refused(exc)
        if name is not None:
            self._wait(self._call(
                'rename image %s' % remote_id, self._client().images().patch(
                    project=self.project, image=remote_id, body={
                        'description': gcp_images.renamed_description(
                            image, name)})))
        if labels == (image.get('labels') or {}):
            return
        operation = self._call('set the labels of image %s' % remote_id,
                               self._client().images().setLabels(
                                   project=self.project, resource=remote_id,
                                   body={'labels': labels,
                                         'labelFingerprint':
                                             image.get('labelFingerprint')}))
        self._wait(operation)

    def _replacement_link(self, replacement):
        found = self._list({gcp_images.ID_LABEL:
                            gcp_images.label_value(replacement)})
        return found[0].get('selfLink') if found else None

    def deprecate(self, remote_id, replacement=None, deprecate_at=None):
        self._raw_image(remote_id)
        try:
            status = {'state': 'DEPRECATED',
                      'deprecated': rfc3339(deprecate_at)}
        except Refused as exc:
            raise self._refused(exc)
        if replacement:
            link = self._replacement_link(replacement)
            if link:
                status['replacement'] = link
        self._deprecation(remote_id, status)

    def undeprecate(self, remote_id):
        self._raw_image(remote_id)
        self._deprecation(remote_id, {'state': 'ACTIVE'})

    def _deprecation(self, remote_id, status):
        operation = self._call('deprecate image %s' % remote_id,
                               self._client().images().deprecate(
                                   project=self.project, image=remote_id,
                                   body=status))
        self._wait(operation)
