"""Helpers shared by the v1 controllers: bodies, lookups, policy, links."""

import json
from urllib import parse

import jsonschema
from oslo_utils import strutils
import pecan

from ciming.api import cloud_types
from ciming.api.controllers.v1 import versions
from ciming.api import json_body
from ciming.api.middleware import microversion
from ciming.api.middleware import parsable_error
from ciming.common import exception
from ciming.common import policy
from ciming.conf import CONF
from ciming import policies


def load_body(schema, allow_empty=False):
    """The request's JSON body, checked against ``schema``.

    An empty body is ``{}`` when ``allow_empty``; anything that is not
    JSON (or nested too deep, or with NUL or lone surrogates in a string)
    is MalformedBody; anything the schema refuses is
    SchemaValidationFailed. Size, framing and content type were checked
    by the request check middleware.
    """
    request = pecan.request
    if (request.content_length or 0) > json_body.MAX_BODY:
        raise exception.RequestTooLarge(limit=json_body.MAX_BODY)
    raw = request.body
    if not raw.strip():
        if not allow_empty:
            raise exception.MalformedBody(reason='the body is empty')
        body = {}
    else:
        body = json_body.loads(raw)
    validate(body, schema)
    return body


# Parts of a body whose values must never be echoed back in an error.
SECRET_FIELDS = ('credentials',)


def validate(value, schema, secret=False, where_from='body'):
    """Raise SchemaValidationFailed with a message of our own.

    jsonschema's messages quote the whole offending value (a 64 KiB name,
    a secret); ours name the rule and, unless the value may be a secret
    (``secret``, or under a field of SECRET_FIELDS), a short prefix.
    """
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    if error is None:
        return
    path = list(error.absolute_path)
    secret = secret or bool(path and path[0] in SECRET_FIELDS)
    message = _schema_message(error, secret)
    where = '/'.join(parsable_error.quote(p) if isinstance(p, str)
                     else str(p) for p in path)
    reason = message if not where else '%s (at %s)' % (message, where)
    raise exception.SchemaValidationFailed(reason=reason,
                                           where_from=where_from)


_SCHEMA_MESSAGES = {
    'type': 'the value must be of type %(limit)s',
    'maxLength': 'the value is longer than %(limit)s characters',
    'minLength': 'the value is shorter than %(limit)s characters',
    'pattern': 'the value contains control characters',
    'maxProperties': 'the object has more than %(limit)s properties',
    'minItems': 'the list has fewer than %(limit)s items',
    'uniqueItems': 'the list has duplicate items',
}


def _schema_message(error, secret):
    rule, limit = error.validator, error.validator_value
    instance = error.instance
    if rule == 'required':
        missing = [name for name in limit
                   if isinstance(instance, dict) and name not in instance]
        return 'a required property is missing: %s' % ', '.join(missing)
    if rule == 'additionalProperties' and isinstance(instance, dict):
        allowed = set(error.schema.get('properties', {}))
        extra = sorted(k for k in instance if k not in allowed)
        names = ('%d of them' % len(extra) if secret else
                 ', '.join(parsable_error.quote(k) for k in extra[:5]))
        return 'unexpected properties: %s' % names
    if rule == 'enum':
        message = 'the value must be one of %s' % ', '.join(
            str(v) for v in limit)
    elif rule in _SCHEMA_MESSAGES:
        message = _SCHEMA_MESSAGES[rule] % {'limit': limit}
    else:
        message = 'the value breaks the rule %s: %s' % (
            rule, json.dumps(limit, default=str)[:200])
    if not secret and isinstance(instance, (str, int, float)):
        message = '%s: %s' % (message, parsable_error.quote(instance))
    return message


def api_version():
    """The (major, minor) microversion of the current request."""
    return pecan.request.environ.get(microversion.ENVIRON_KEY, (1, 0))


def allow_url_import():
    """Whether images may be created from a URL (API 1.2)."""
    return api_version() >= (1, versions.MINOR_2_URL_IMPORT)


def allow_lifecycle():
    """1.1: image metadata in the clouds, updates, deprecation, drift."""
    return api_version() >= (1, versions.MINOR_1_LIFECYCLE)


def require_lifecycle():
    """A call that exists from 1.1 on is not found before (as unrouted)."""
    if not allow_lifecycle():
        raise exception.NotFound()


def allow_formats():
    """Whether responses show what data is where (1.3)."""
    return api_version() >= (1, versions.MINOR_3_FORMATS)


# Policy and visibility


def context():
    return pecan.request.context


def authorize(rule, target):
    policy.authorize(rule, target, context())


def project_target():
    """The target of a call about the caller's own project."""
    return {'project_id': context().project_id}


def visible_project():
    """The project filter of lookups: None (every project) for admins."""
    if policy.check(policies.LIST_ALL_PROJECTS, project_target(),
                    context()):
        return None
    return context().project_id


def list_project(all_projects):
    """The project filter of a list call with ``?all_projects``."""
    if parse_bool('all_projects', all_projects):
        authorize(policies.LIST_ALL_PROJECTS, project_target())
        return None
    return context().project_id


def cloud_target(cloud):
    return {'project_id': cloud.project_id, 'shared': bool(cloud.shared)}


def image_target(image):
    return {'project_id': image.project_id}


def job_target(job):
    return {'project_id': job.project_id}


def check_cloud_policy_and_retrieve(rule, ident):
    """A cloud named in the URL; CloudNotFound if not visible."""
    cloud = pecan.request.dbapi.get_cloud(ident, visible_project())
    authorize(rule, cloud_target(cloud))
    return cloud


def check_image_policy_and_retrieve(rule, image_id):
    """An image named in the URL; ImageNotFound if not visible."""
    image = pecan.request.dbapi.get_image(image_id, visible_project())
    authorize(rule, image_target(image))
    return image


def check_job_policy_and_retrieve(rule, job_id):
    """A job named in the URL; JobNotFound if not visible."""
    job = pecan.request.dbapi.get_job(job_id, visible_project())
    authorize(rule, job_target(job))
    return job


def resolve_cloud(ident, project_id):
    """A cloud named in a request body, as ``project_id`` sees it.

    UnknownCloud (400), as the URL itself was right.
    """
    try:
        return pecan.request.dbapi.get_cloud(ident, project_id)
    except exception.CloudNotFound:
        raise exception.UnknownCloud(cloud=ident)


def resolve_targets(idents, project_id, disk_format):
    """Clouds an image can be copied to, in order, without duplicates.

    Each must exist for the project, be able to import and accept the
    image's disk format (or raw, for a format the conductor converts),
    or the whole request is refused with a 400.
    """
    clouds = []
    for ident in idents:
        cloud = resolve_cloud(ident, project_id)
        capabilities = cloud_types.capabilities(cloud.type)
        if not capabilities.can_import:
            raise exception.CapabilityMissing(cloud=cloud.name,
                                              action='import')
        if not cloud_types.can_receive(cloud, disk_format):
            raise exception.UnsupportedFormat(cloud=cloud.name,
                                              fmt=disk_format)
        if cloud.id not in [c.id for c in clouds]:
            clouds.append(cloud)
    return clouds


class CloudNames:
    """Names of clouds by id, looked up once per response."""

    def __init__(self, project_id=None):
        self._names = {}
        self._project_id = project_id
        self._loaded = False

    def __call__(self, cloud_id):
        if not self._loaded:
            self._loaded = True
            for cloud in pecan.request.dbapi.list_clouds(self._project_id):
                self._names[cloud.id] = cloud.name
        if cloud_id not in self._names:
            try:
                self._names[cloud_id] = pecan.request.dbapi.get_cloud(
                    cloud_id).name
            except exception.CloudNotFound:
                self._names[cloud_id] = None
        return self._names[cloud_id]


# Query parameters


def parse_bool(name, value):
    if value is None or isinstance(value, bool):
        return bool(value)
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError:
        raise exception.InvalidParameterValue(
            err='%s must be true or false, not %s.'
                % (name, parsable_error.quote(value)))


def parse_limit(limit):
    """The page size asked for, at most ``[api] max_limit``."""
    if limit is None:
        return CONF.api.max_limit
    try:
        value = int(limit)
    except (TypeError, ValueError):
        value = 0
    if value < 1:
        raise exception.InvalidParameterValue(
            err='limit must be a positive integer, not %s.'
                % parsable_error.quote(limit))
    return min(value, CONF.api.max_limit)


def parse_choice(name, value, choices):
    if value not in choices:
        raise exception.InvalidParameterValue(
            err='%s must be one of %s, not %s.'
                % (name, ', '.join(choices), parsable_error.quote(value)))
    return value


def query(params, *names):
    """The query parameters of a list call, None where absent.

    Pecan passes query parameters as keyword arguments (a list when one
    is repeated); unknown or repeated parameters are a 400.
    """
    unknown = set(params) - set(names)
    if unknown:
        raise exception.InvalidParameterValue(
            err='Unknown query parameters: %s.' % ', '.join(
                parsable_error.quote(name) for name in sorted(unknown)))
    for name, value in params.items():
        if isinstance(value, list):
            raise exception.InvalidParameterValue(
                err='%s may be given only once.' % name)
    return {name: params.get(name) for name in names}


# Links


def base_url():
    """The URL clients reach the API at, without a trailing slash."""
    if CONF.api.public_endpoint:
        return CONF.api.public_endpoint.rstrip('/')
    return pecan.request.application_url.rstrip('/')


def url(*parts):
    return '/'.join([base_url()] + [str(p) for p in parts])


def links(*parts):
    """The self link of a resource.

    No unversioned "bookmark" link: no URL outside /v1 serves resources.
    """
    return [{'href': url('v1', *parts), 'rel': 'self'}]


def next_link(resource, items, limit, **params):
    """The URL of the next page when this one is full, else None."""
    if len(items) < limit or not items:
        return None
    query = {k: v for k, v in params.items() if v is not None}
    query['limit'] = limit
    query['marker'] = items[-1].id
    return '%s?%s' % (url('v1', resource), parse.urlencode(sorted(
        query.items())))
