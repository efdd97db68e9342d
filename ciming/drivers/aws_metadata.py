"""AWS: an AMI's metadata and deprecation (update_metadata, deprecate).

How a :class:`~ciming.drivers.base.MetadataChange` maps onto an AMI
(documented in doc/source/user/aws.rst):

===============  ==========================================================
CIMinG           AMI
===============  ==========================================================
properties       tags of the same name, unprefixed (as carried properties
                 are at import). CIMinG's own tags (``ciming-*``, ``Name``)
                 and ``aws:*`` are refused; so is a key over 128 or a
                 value over 256 characters, or more than 50 tags.
                 ``hw_architecture``, ``hw_firmware_type``,
                 ``aws_root_device_name`` and ``aws_ena_support`` are
                 fixed at registration: the same value is accepted, another
                 is refused.
tags             the tag ``ciming-tags``: the list as JSON (256 characters
                 at most); an empty list removes it
name             the ``Name`` tag (an AMI's own name cannot change in EC2)
visibility       ``public``: launch permission for group ``all``;
                 ``private`` and ``shared``: that permission removed (the
                 accounts an AMI is shared with are left as they are);
                 ``community`` is refused (EC2 has no such notion)
protected        deregistration protection, enabled or disabled
min_disk,        left out: EC2 has no such notion
min_ram
===============  ==========================================================

Deprecation is EC2's own (``enable_image_deprecation``): the AMI leaves
``describe_images`` listings at its deprecation time, which is now when
none is given (EC2 refuses a time in the past, so a past time becomes a
minute from now), plus the tag ``ciming-replacement`` naming CIMinG's id of
the replacement. Undeprecation is ``disable_image_deprecation`` and the
tag removed.
"""

import datetime
import json

from oslo_log import log
from oslo_utils import timeutils

from ciming.drivers import aws_ami

LOG = log.getLogger(__name__)

TAGS_TAG = aws_ami.TAGS_TAG
REPLACEMENT_TAG = aws_ami.REPLACEMENT_TAG
MAX_TAGS = 50
MAX_KEY = 128
MAX_VALUE = 256
# Properties that describe the registered AMI, not tags.
FIXED = ('hw_architecture', 'hw_firmware_type', 'aws_root_device_name',
         'aws_ena_support')
VISIBILITIES = {'public': 'Add', 'private': 'Remove', 'shared': 'Remove'}


class Refused(ValueError):
    """A change the AMI cannot hold; the message names it."""


def _reserved(key):
    return (key in aws_ami.RESERVED or key.startswith(('ciming-', 'aws:'))
            or key.lower().startswith('aws:'))


def _text(value):
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float, str)):
        return str(value)
    raise Refused('a tag value must be text, not %s'
                  % type(value).__name__)


def tag_changes(ami, change):
    """``(tags to set, tag keys to delete)`` of a change to ``ami``."""
    current = aws_ami.tags_of(ami)
    derived = aws_ami.normalize(ami).properties
    put, drop = {}, []
    for key in sorted(change.set_properties):
        if not isinstance(key, str) or _reserved(key):
            raise Refused('property %r is a tag CIMinG or AWS keeps '
                          'itself' % (key,))
        value = _text(change.set_properties[key])
        if key in FIXED:
            if derived.get(key) != value:
                raise Refused('property %s is fixed when an AMI is '
                              'registered (it is %s)'
                              % (key, derived.get(key)))
            continue
        if len(key) > MAX_KEY or not aws_ami.TAG_KEY.match(key):
            raise Refused('property %r cannot be an AWS tag key (1 to %d '
                          'letters, digits, spaces and _.:/=+-@)'
                          % (key[:MAX_KEY + 1], MAX_KEY))
        if len(value) > MAX_VALUE:
            raise Refused('property %s: AWS tag values hold %d characters '
                          'at most, not %d' % (key, MAX_VALUE, len(value)))
        put[key] = value
    for key in change.unset_properties:
        if not isinstance(key, str) or _reserved(key) or key in FIXED:
            raise Refused('property %r cannot be removed from an AMI'
                          % (key,))
        if key in current:
            drop.append(key)
    if change.name is not None:
        name = _text(change.name)
        if not name or len(name) > MAX_VALUE:
            raise Refused('the name must be 1 to %d characters' % MAX_VALUE)
        put[aws_ami.NAME_TAG] = name
    if change.tags is not None:
        if change.tags:
            encoded = json.dumps([_text(t) for t in change.tags],
                                 separators=(',', ':'))
            if len(encoded) > MAX_VALUE:
                raise Refused('the tags do not fit in the %d characters of '
                              'the %s tag' % (MAX_VALUE, TAGS_TAG))
            put[TAGS_TAG] = encoded
        elif TAGS_TAG in current:
            drop.append(TAGS_TAG)
    kept = (set(current) | set(put)) - set(drop)
    if len(kept) > MAX_TAGS:
        raise Refused('an AMI holds %d tags at most, this change makes %d'
                      % (MAX_TAGS, len(kept)))
    put = {k: v for k, v in put.items() if current.get(k) != v}
    return put, sorted(set(drop))


def deprecation_time(deprecate_at, now=None):
    """EC2's DeprecateAt for an ISO 8601 time (None: now), in the future."""
    now = now or timeutils.utcnow()
    soon = now.replace(second=0, microsecond=0) + datetime.timedelta(
        minutes=1)
    if deprecate_at is None:
        return soon
    try:
        when = timeutils.normalize_time(timeutils.parse_isotime(
            deprecate_at))
    except (ValueError, TypeError):
        raise Refused('%r is not an ISO 8601 time' % (deprecate_at,))
    return max(when, soon)


class AwsMetadataMixin:
    """update_metadata(), deprecate() and undeprecate() of the driver."""

    def _own_ami(self, remote_id):
        ami = self._raw_image(remote_id)
        if self._one_identity and not self._owned(ami):
            # Another project's AMI, even a public one.
            raise self._not_found(remote_id)
        return ami

    def _refused(self, exc):
        return self._error('AWS cannot hold this: %s' % exc)

    def update_metadata(self, remote_id, change):
        ami = self._own_ami(remote_id)
        try:
            put, drop = tag_changes(ami, change)
            if change.visibility is not None \
                    and change.visibility not in VISIBILITIES:
                raise Refused('visibility %s (EC2 knows public and private)'
                              % change.visibility)
        except Refused as exc:
            raise self._refused(exc)
        ec2 = self._ec2()
        if put:
            self._call('tag image %s' % remote_id, ec2.create_tags,
                       Resources=[remote_id], Tags=aws_ami.tag_list(put))
        if drop:
            self._call('untag image %s' % remote_id, ec2.delete_tags,
                       Resources=[remote_id],
                       Tags=[{'Key': k} for k in drop])
        if change.visibility is not None:
            self._call('set the visibility of image %s' % remote_id,
                       ec2.modify_image_attribute, ImageId=remote_id,
                       LaunchPermission={
                           VISIBILITIES[change.visibility]:
                               [{'Group': 'all'}]})
        if change.protected is not None:
            verb = 'enable' if change.protected else 'disable'
            self._call('%s the protection of image %s' % (verb, remote_id),
                       getattr(ec2, '%s_image_deregistration_protection'
                               % verb), ImageId=remote_id)
        if change.min_disk is not None or change.min_ram is not None:
            LOG.info('Cloud %(cloud)s: EC2 has no minimum disk or memory; '
                     'left out for %(image)s', {'cloud': self.name,
                                                'image': remote_id})

    def deprecate(self, remote_id, replacement=None, deprecate_at=None):
        self._own_ami(remote_id)
        try:
            when = deprecation_time(deprecate_at)
            if replacement is not None:
                replacement = _text(replacement)
                if len(replacement) > MAX_VALUE:
                    raise Refused('a replacement id of %d characters'
                                  % len(replacement))
        except Refused as exc:
            raise self._refused(exc)
        ec2 = self._ec2()
        self._call('deprecate image %s' % remote_id,
                   ec2.enable_image_deprecation, ImageId=remote_id,
                   DeprecateAt=when)
        if replacement:
            self._call('tag image %s' % remote_id, ec2.create_tags,
                       Resources=[remote_id], Tags=aws_ami.tag_list(
                           {REPLACEMENT_TAG: replacement}))
        else:
            self._call('untag image %s' % remote_id, ec2.delete_tags,
                       Resources=[remote_id],
                       Tags=[{'Key': REPLACEMENT_TAG}])

    def undeprecate(self, remote_id):
        self._own_ami(remote_id)
        ec2 = self._ec2()
        self._call('undeprecate image %s' % remote_id,
                   ec2.disable_image_deprecation, ImageId=remote_id)
        self._call('untag image %s' % remote_id, ec2.delete_tags,
                   Resources=[remote_id], Tags=[{'Key': REPLACEMENT_TAG}])
