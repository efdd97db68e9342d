"""The CIMinG client: one object per endpoint and identity.

Examples::

    from keystoneauth1 import loading, session
    from ciming.client import client

    # With Keystone: any keystoneauth1 session.
    ciming = client.Client(session=session.Session(auth=...))

    # Against ciming-all-in-one (noauth): an endpoint and a project.
    ciming = client.Client(endpoint='http://127.0.0.1:9779',
                           noauth=True, project_id='demo')

    image = ciming.images.create('ubuntu', targets=['dev-a', 'dev-b'])
    job = ciming.images.upload(image['id'], '/tmp/ubuntu.raw',
                               progress=lambda done, total: ...)
    ciming.wait_for_job(job['id'], timeout=600)
"""

from keystoneauth1 import noauth as ks_noauth
from keystoneauth1 import session as ks_session

from ciming.client import clouds
from ciming.client import http
from ciming.client import images
from ciming.client import jobs
from ciming.client import locations

NOAUTH_ROLES = 'member,reader'
NOAUTH_PROJECT = 'demo'


class Client:
    """Managers of every resource of API v1.

    :param session: a keystoneauth1 Session; made for you in noauth mode.
    :param endpoint: the service's URL (required with ``noauth``),
        overriding the catalog otherwise.
    :param noauth: talk to a service without Keystone, sending the
        identity headers a noauth service trusts.
    :param project_id: the project to act in, with ``noauth``.
    :param roles: comma-separated roles, with ``noauth``.
    :param user_id: the user, with ``noauth``.
    :param api_version: ``'1.0'``, or ``'latest'`` (the default) for the
        highest microversion both sides speak.
    :param credentials: cloud credentials sent with every call that
        reaches clouds, unless a call is given its own.
    """

    def __init__(self, session=None, endpoint=None, noauth=False,
                 project_id=None, roles=None, user_id=None,
                 api_version='latest', interface=None, region_name=None,
                 global_request_id=None, timeout=None, verify=True,
                 credentials=None):
        headers = {}
        if noauth:
            if not endpoint:
                raise ValueError('noauth needs an endpoint')
            self.project_id = project_id or NOAUTH_PROJECT
            headers = {'X-Project-Id': self.project_id,
                       'X-Roles': roles or NOAUTH_ROLES}
            if user_id:
                headers['X-User-Id'] = user_id
        else:
            self.project_id = project_id
        if session is None:
            auth = ks_noauth.NoAuth(endpoint=endpoint) if noauth else None
            session = ks_session.Session(auth=auth, timeout=timeout,
                                         verify=verify)
        self.session = session
        self.noauth = noauth
        self.credentials = credentials
        self.http = http.HTTPClient(
            session, endpoint_override=endpoint, api_version=api_version,
            interface=interface, region_name=region_name,
            additional_headers=headers,
            global_request_id=global_request_id)
        self.clouds = clouds.CloudManager(self)
        self.images = images.ImageManager(self)
        self.locations = locations.LocationManager(self)
        self.jobs = jobs.JobManager(self)

    @property
    def endpoint(self):
        return self.http.endpoint

    @property
    def last_request_id(self):
        return self.http.last_request_id

    def current_project_id(self):
        """The project requests act in (asks Keystone when needed)."""
        if self.project_id is None:
            self.project_id = self.session.get_project_id()
        return self.project_id

    def wait_for_job(self, job_id, timeout=None, callback=None,
                     interval=1.0):
        """Poll a job until it ends; the final Job (see JobManager.wait)."""
        return self.jobs.wait(job_id, timeout=timeout, callback=callback,
                              interval=interval)
