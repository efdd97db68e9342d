"""An image's metadata across clouds: what CIMinG holds until they have it.

The metadata of an image (properties, tags, visibility, protection,
minimum disk and memory, name, deprecation) lives in its clouds; CIMinG
keeps a change only until every cloud it must reach has it. That change
is the image's *pending metadata*, a merge patch (RFC 7396: a property set
to None is removed) plus ``clouds``, the ids of the clouds still to reach::

    {"properties": {"os_distro": "debian", "old": None}, "tags": ["a"],
     "visibility": "shared", "protected": False, "min_disk": 1,
     "min_ram": 512, "name": "x",
     "deprecation": {"deprecated": True, "replacement": id or None,
                     "deprecate_at": ISO time or None},
     "clouds": [cloud id, ...]}

This module is shared by the API (which records changes) and the
conductor (which applies them and compares the copies); it knows no
cloud's API.
"""

import re

# Fields a change may carry besides its properties.
FIELDS = ('name', 'tags', 'visibility', 'protected', 'min_disk', 'min_ram')
VISIBILITIES = ('public', 'private', 'shared', 'community')
# The fields compared between copies (properties are compared key by key).
COMPARED = ('tags', 'visibility', 'protected', 'min_disk', 'min_ram')

# Keys no user property may have: Glance's own fields, the properties
# Glance and CIMinG manage themselves.
GLANCE_FIELDS = frozenset((
    'id', 'name', 'status', 'visibility', 'protected', 'checksum',
    'os_hash_algo', 'os_hash_value', 'owner', 'size', 'virtual_size',
    'min_ram', 'min_disk', 'disk_format', 'container_format', 'created_at',
    'updated_at', 'tags', 'direct_url', 'locations', 'self', 'file',
    'schema', 'os_hidden', 'stores'))
_RESERVED_PREFIXES = ('ciming_', 'os_glance_')
# Properties CIMinG sets on deprecation (see the drivers).
REPLACEMENT_PROPERTY = 'ciming_replacement'
DEPRECATION_TIME_PROPERTY = 'ciming_deprecation_time'

# A property key: what Glance's schema allows, without control characters.
KEY_PATTERN = r'^[^\x00-\x1f\x7f-\x9f\ud800-\udfff]{1,255}$'
_KEY = re.compile(KEY_PATTERN)


def reserved(key):
    """Whether ``key`` is not a property a user may set."""
    return key in GLANCE_FIELDS or key.startswith(_RESERVED_PREFIXES)


def reserved_keys(properties):
    return sorted(k for k in properties if reserved(k))


def user_properties(properties):
    """The properties a user set (none of Glance's or CIMinG's own)."""
    return {k: v for k, v in (properties or {}).items()
            if not reserved(k) and _KEY.match(k)}


def compose(pending, patch, clouds):
    """``patch`` applied after ``pending``: one change for ``clouds``.

    Properties merge key by key (a removal stays a removal); every other
    field is replaced. The result must reach ``clouds`` (with those
    ``pending`` still had to reach).
    """
    result = {k: v for k, v in (pending or {}).items() if k != 'clouds'}
    for key, value in patch.items():
        if key == 'properties':
            result['properties'] = dict(result.get('properties') or {},
                                        **value)
        else:
            result[key] = value
    waiting = list((pending or {}).get('clouds') or [])
    result['clouds'] = waiting + [c for c in clouds if c not in waiting]
    return result if result['clouds'] and len(result) > 1 else None


def reached(pending, cloud_id):
    """``pending`` once ``cloud_id`` has it: None when every cloud has."""
    if not pending:
        return None
    clouds = [c for c in pending.get('clouds') or [] if c != cloud_id]
    if not clouds:
        return None
    return dict(pending, clouds=clouds)


def waits_for(pending, cloud_id):
    return bool(pending) and cloud_id in (pending.get('clouds') or [])


def _fixed(remote):
    """Compared keys of the properties read from the image's own fields."""
    return {'properties.%s' % k for k in remote.get('fixed_properties') or ()}


def compared_values(remote):
    """``{key: value}`` of a copy's metadata that copies should share.

    ``remote`` is a RemoteImage as a dict; a field its cloud does not
    know (None) is left out, tags compare as a set, and so are the
    properties its cloud reads from the image's own fields
    (``fixed_properties``: an AMI's architecture, say), which no change
    of metadata can set and other clouds do not have.
    """
    values = {}
    for field in COMPARED:
        value = remote.get(field)
        if value is None:
            continue
        values[field] = sorted(value) if field == 'tags' else value
    fixed = _fixed(remote)
    for key, value in user_properties(remote.get('properties')).items():
        if 'properties.%s' % key not in fixed:
            values['properties.%s' % key] = value
    return values


def _key_name(key):
    return key.split('.', 1)[1] if key.startswith('properties.') else key


def reference(remotes, pending=None):
    """What every copy should hold: the most common value of each key.

    ``remotes`` is an ordered ``{cloud_id: RemoteImage dict}``; a tie goes
    to the earliest copy. A key held by some copies only counts as
    absent in the others. ``pending`` values, still to be applied, win.
    """
    seen = [(compared_values(r), _fixed(r)) for r in remotes.values()]
    keys = []
    for values, _ in seen:
        keys.extend(k for k in values if k not in keys)
    result = {}
    for key in keys:
        counts = []
        for values, fixed in seen:
            if key in fixed:
                continue  # this copy's is not metadata: no vote
            value = values.get(key)
            for entry in counts:
                if entry[0] == value:
                    entry[1] += 1
                    break
            else:
                counts.append([value, 1])
        best = max(counts, key=lambda entry: entry[1])[0]
        if best is not None:
            result[key] = best
    for field in COMPARED:
        if (pending or {}).get(field) is not None:
            value = pending[field]
            result[field] = sorted(value) if field == 'tags' else value
    for key, value in ((pending or {}).get('properties') or {}).items():
        if value is None:
            result.pop('properties.%s' % key, None)
        else:
            result['properties.%s' % key] = value
    return result


def drift(remotes, pending=None):
    """``{cloud_id: [keys]}``: where each copy differs from the reference.

    A property is named by its key, the other fields by their name.
    """
    wanted = reference(remotes, pending)
    result = {}
    for cloud_id, remote in remotes.items():
        values = compared_values(remote)
        known = {f for f in COMPARED if remote.get(f) is not None}
        fixed = _fixed(remote)
        differing = set()
        for key, value in wanted.items():
            if key in COMPARED and key not in known or key in fixed:
                continue  # a field this cloud has no notion of
            if values.get(key) != value:
                differing.add(_key_name(key))
        for key in values:
            if key.startswith('properties.') and key not in wanted:
                differing.add(_key_name(key))
        result[cloud_id] = sorted(differing)
    return result


def restoring_change(remotes, pending=None):
    """The change that makes every copy hold the reference metadata.

    Returns a merge patch (properties a copy has beyond the reference are
    removed) meant for every copy that drifted.
    """
    wanted = reference(remotes, pending)
    patch = {f: wanted[f] for f in COMPARED if f in wanted}
    properties = {_key_name(k): v for k, v in wanted.items()
                  if k.startswith('properties.')}
    for remote in remotes.values():
        fixed = remote.get('fixed_properties') or ()
        for key in user_properties(remote.get('properties')):
            if key not in fixed:
                properties.setdefault(key, None)
    if properties:
        patch['properties'] = properties
    return patch
