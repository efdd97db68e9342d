"""Clouds: where images are copied to and from (``/v1/clouds``)."""

from ciming.client import base


class CloudManager(base.Manager):

    def create(self, name, type, region=None, options=None,
               credential_ref=None, shared=None, description=None):
        """Register a cloud; returns the Cloud."""
        body = {'name': name, 'type': type}
        for key, value in (('region', region), ('options', options),
                           ('credential_ref', credential_ref),
                           ('shared', shared),
                           ('description', description)):
            if value is not None:
                body[key] = value
        return self.http.request('POST', '/clouds', json_body=body)

    def list(self, all_projects=False):
        """The project's clouds and the shared ones."""
        params = {'all_projects': 'true'} if all_projects else None
        body = self.http.request('GET', '/clouds', params=params)
        return body.get('clouds', [])

    def get(self, cloud):
        """A cloud by name or id."""
        return self.http.request('GET', '/clouds/%s' % base.quote(cloud))

    def update(self, cloud, **fields):
        """Change name, region, options, description or credential_ref."""
        return self.http.request('PATCH', '/clouds/%s' % base.quote(cloud),
                                 json_body=fields)

    def delete(self, cloud):
        self.http.request('DELETE', '/clouds/%s' % base.quote(cloud))

    def validate(self, cloud, credentials=None):
        """Have the service reach the cloud; ``{"valid": true}``."""
        return self.http.request(
            'POST', '/clouds/%s/validate' % base.quote(cloud),
            json_body={}, credentials=self._credentials(credentials))

    def images(self, cloud, credentials=None):
        """What the cloud holds (RemoteImage), tracked by CIMinG or not."""
        body = self.http.request(
            'GET', '/clouds/%s/images' % base.quote(cloud),
            credentials=self._credentials(credentials))
        return body.get('images', [])
