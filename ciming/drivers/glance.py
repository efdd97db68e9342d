"""OpenStack clouds: images in a Glance region, reached with keystoneauth1.

A cloud record of type ``openstack`` names a region (``region``) and, for a
cloud with its own Keystone, ``options.auth_url`` and the project to work
in. A record without ``auth_url`` is a region of the cloud CIMinG belongs
to: the conductor hands the driver the caller's own token for it.

Images are created under CIMinG's unified id where Glance allows it, and
always carry the property ``ciming_image_id``, so a resumed job finds the
record it made instead of making a second one.

Glance keeps projects apart when it is reached with the caller's own
identity (token, trust or credentials). A shared cloud reached with its
stored credentials is one identity for every project: there, images carry
``ciming_project_id`` and a project sees only its own and those Glance
makes visible to all (``public``, ``community``), and deletes only its own.
"""

import fnmatch
import time
from urllib import parse

from glanceclient import client as glance_client
from glanceclient import exc as glance_exc
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from oslo_log import log

from ciming.common import exception
from ciming.common import keystone
from ciming.conf import CONF
from ciming.drivers import base
from ciming.drivers import glance_data
from ciming.drivers import glance_metadata
from ciming.drivers import glance_schema

LOG = log.getLogger(__name__)

ID_PROPERTY = 'ciming_image_id'
OWNER_PROPERTY = 'ciming_project_id'
_OPEN_TO_ALL = ('public', 'community')

OPTIONS = ('auth_url', 'interface', 'project_id', 'project_name',
           'project_domain_id', 'project_domain_name', 'user_domain_id',
           'user_domain_name', 'endpoint_override', 'verify')
INTERFACES = ('public', 'internal', 'admin')

_NAME = {'type': 'string', 'minLength': 1, 'maxLength': 255}
_SCOPE = {k: _NAME for k in ('project_id', 'project_name',
                             'project_domain_id', 'project_domain_name',
                             'user_domain_id', 'user_domain_name')}

# What a user may give for an openstack cloud: a password, an application
# credential or a token of that cloud (keystoneauth1 plugin options).
CREDENTIALS_SCHEMA = {'oneOf': [
    {'type': 'object',
     'properties': dict(_SCOPE, auth_type={'enum': ['password']},
                        username=_NAME, user_id=_NAME,
                        password={'type': 'string', 'minLength': 1,
                                  'maxLength': 4096}),
     'required': ['password'],
     'anyOf': [{'required': ['username']}, {'required': ['user_id']}],
     'additionalProperties': False},
    {'type': 'object',
     'properties': dict(_SCOPE,
                        auth_type={'enum': ['v3applicationcredential']},
                        application_credential_id=_NAME,
                        application_credential_name=_NAME,
                        username=_NAME, user_id=_NAME,
                        application_credential_secret={
                            'type': 'string', 'minLength': 1,
                            'maxLength': 4096}),
     'required': ['auth_type', 'application_credential_secret'],
     'additionalProperties': False},
    {'type': 'object',
     'properties': dict(_SCOPE, auth_type={'enum': ['token', 'v3token']},
                        token={'type': 'string', 'minLength': 1,
                               'maxLength': 65536}),
     'required': ['auth_type', 'token'],
     'additionalProperties': False},
]}


def _is_http_url(value):
    if not isinstance(value, str):
        return False
    parsed = parse.urlsplit(value)
    return parsed.scheme in ('http', 'https') and bool(parsed.netloc)


def _carried(properties):
    """The properties that follow an image across clouds (an allow-list)."""
    patterns = CONF.glance.carried_properties
    return {k: v for k, v in properties.items()
            if any(fnmatch.fnmatchcase(k, p) for p in patterns)}


class GlanceDriver(glance_data.GlanceDataMixin,
                   glance_metadata.GlanceMetadataMixin, base.CloudDriver):
    """Images of one Glance region, seen with one identity."""

    capabilities = base.Capabilities(can_export=True, can_import=True,
                                     keeps_id=True, can_find_by_hash=True,
                                     can_copy_server_side=True,
                                     can_update_metadata=True,
                                     can_deprecate=True,
                                     verifies_received_data=True,
                                     accepts_unknown_size=True)
    credentials_schema = CREDENTIALS_SCHEMA

    @classmethod
    def validate_options(cls, options):
        unknown = set(options) - set(OPTIONS)
        if unknown:
            raise exception.InvalidParameterValue(
                err='Unknown options for an openstack cloud: %s.'
                    % ', '.join(sorted(unknown)))
        auth_url = options.get('auth_url')
        if auth_url is not None and not _is_http_url(auth_url):
            raise exception.InvalidParameterValue(
                err='auth_url must be an http(s) URL.')
        if options.get('interface', 'public') not in INTERFACES:
            raise exception.InvalidParameterValue(
                err='interface must be one of %s.' % ', '.join(INTERFACES))

    # Connection

    @property
    def options(self):
        return self.cloud.get('options') or {}

    def _auth(self):
        credentials = dict(self.credentials or {})
        if not credentials:
            raise exception.CredentialsRequired(
                cloud=self.name, reason='give them with the request or '
                'in Barbican (credential_ref)')
        if 'auth_plugin' in credentials:
            return credentials['auth_plugin']  # the job's trust
        auth_type = credentials.pop('auth_type', 'password')
        credentials.setdefault('auth_url', self.options.get('auth_url'))
        for key in ('project_id', 'project_name', 'project_domain_id',
                    'project_domain_name', 'user_domain_id',
                    'user_domain_name'):
            if key in self.options and key not in credentials:
                credentials[key] = self.options[key]
        try:
            loader = ks_loading.get_plugin_loader(auth_type)
        except ks_exc.NoMatchingPlugin:
            raise exception.InvalidParameterValue(
                err='Unknown auth_type %s.' % auth_type)
        known = {opt.dest for opt in loader.get_options()}
        return loader.load_from_options(
            **{k: v for k, v in credentials.items() if k in known})

    def _client(self):
        if getattr(self, '_glance', None) is None:
            session = ks_session.Session(
                auth=self._auth(), verify=self.options.get('verify', True),
                discovery_cache=keystone.DISCOVERY_CACHE)
            self._glance = glance_schema.install(glance_client.Client(
                '2', session=session, region_name=self.cloud.get('region'),
                interface=self.options.get('interface', 'public'),
                endpoint_override=self.options.get('endpoint_override')))
        return self._glance

    def _call(self, what, func, *args, passthrough=(), **kwargs):
        """Call glanceclient, turning its errors into CIMinG's.

        Errors in ``passthrough`` are raised as they are, for the caller
        to act on (a 404 on get, a 409 on create).
        """
        try:
            return func(*args, **kwargs)
        except passthrough:
            raise
        except (ks_exc.Unauthorized, glance_exc.Unauthorized) as exc:
            raise exception.CloudAuthFailed(cloud=self.name, reason=exc)
        except (ks_exc.EndpointNotFound, ks_exc.ConnectionError,
                ks_exc.CatalogException,
                glance_exc.CommunicationError) as exc:
            raise exception.DriverError(
                cloud=self.name, reason='%s: %s' % (what, exc))
        except glance_exc.HTTPException as exc:
            raise exception.DriverError(
                cloud=self.name,
                reason='%s: %s %s' % (what, exc.code, exc.details or ''))

    # Reading

    def validate(self):
        self._call('list images', lambda: next(iter(
            self._client().images.list(limit=1, page_size=1)), None))

    # Projects on a cloud shared through one identity

    @property
    def _one_identity(self):
        return bool(self.cloud.get('shared_identity'))

    def _owned(self, image):
        return image.get(OWNER_PROPERTY) == self.project_id

    def _visible(self, image):
        return (not self._one_identity or self._owned(image)
                or image.get('visibility') in _OPEN_TO_ALL)

    def list_images(self, filters=None):
        listing = self._client().images.list(
            filters=dict(filters or {}), page_size=CONF.glance.page_size)
        return [self._normalize(i)
                for i in self._call('list images', list, listing)
                if self._visible(i)]

    def _raw_image(self, remote_id):
        try:
            image = self._call('get image %s' % remote_id,
                               self._client().images.get, remote_id,
                               passthrough=glance_exc.HTTPNotFound)
        except glance_exc.HTTPNotFound:
            image = None
        if image is None or not self._visible(image):
            raise exception.RemoteImageNotFound(remote_id=remote_id,
                                                cloud=self.name)
        return image

    def get_image(self, remote_id):
        return self._normalize(self._raw_image(remote_id))

    @staticmethod
    def _normalize(image):
        return glance_metadata.normalize(image)

    # Writing

    def find_by_hash(self, os_hash_value):
        """Active images whose sha512 is ``os_hash_value`` (dedup)."""
        return [i for i in self.list_images(
            {'os_hash_value': os_hash_value, 'status': 'active'})]

    def prepare_import(self, image_id, meta):
        existing = self._ours(image_id)
        if existing is not None:
            if existing['status'] == 'queued':
                return existing['id']  # a resumed job: reuse the record
            # Data already went in (a crashed upload): start afresh.
            self.delete(existing['id'])
        fields = {
            'name': meta.name or image_id,
            'disk_format': meta.disk_format,
            'container_format': meta.container_format,
            ID_PROPERTY: image_id,
        }
        fields.update(_carried(meta.properties or {}))
        if self._one_identity:
            fields[OWNER_PROPERTY] = self.project_id
        try:
            image = self._call('create image', self._client().images.create,
                               id=image_id, passthrough=glance_exc.Conflict,
                               **fields)
        except glance_exc.Conflict:
            # The id is taken (deleted images keep theirs): a new id,
            # found again through the ciming_image_id property.
            image = self._call('create image',
                               self._client().images.create, **fields)
        return image['id']

    def _ours(self, image_id):
        """The image this cloud holds for our image id, if any.

        One listing by the id property finds it, whether it was created
        under our id or (the id being taken) under another.
        """
        filters = {ID_PROPERTY: image_id}
        if self._one_identity:
            filters[OWNER_PROPERTY] = self.project_id
        found = self._call('find image', list, self._client().images.list(
            filters=filters, page_size=2))
        return found[0] if found else None

    def finalize_import(self, remote_id, expected):
        deadline = time.monotonic() + CONF.glance.active_timeout
        delays = glance_data.poll_delays()
        while True:
            image = self.get_image(remote_id)
            if image.status == 'active':
                break
            if image.status in ('killed', 'deleted', 'deactivated'):
                raise exception.DriverError(
                    cloud=self.name, reason='image %s became %s'
                    % (remote_id, image.status))
            if time.monotonic() > deadline:
                raise exception.DriverError(
                    cloud=self.name, reason='image %s still %s after %d s'
                    % (remote_id, image.status,
                       CONF.glance.active_timeout))
            time.sleep(next(delays))
        mismatch = base.data_mismatch(expected, image)
        if mismatch is not None:
            field, want, got = mismatch
            raise exception.DriverError(
                cloud=self.name, reason='Glance reports %s %s, '
                'expected %s' % (field, got, want))
        return image

    def delete(self, remote_id):
        if self._one_identity:
            # Another project's image is not there for this one, even
            # one Glance shows to all.
            try:
                if not self._owned(self._raw_image(remote_id)):
                    return
            except exception.RemoteImageNotFound:
                return
        try:
            self._call('delete image %s' % remote_id,
                       self._client().images.delete, remote_id,
                       passthrough=glance_exc.HTTPNotFound)
        except glance_exc.HTTPNotFound:
            pass
