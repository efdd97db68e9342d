"""Locations: an image in one cloud (``/v1/images/{id}/locations``)."""

from ciming.client import base


class LocationManager(base.Manager):

    def list(self, image_id, live=False, credentials=None):
        """The image's locations; ``live`` checks each in its cloud now."""
        params = {'live': 'true'} if live else None
        body = self.http.request(
            'GET', '/images/%s/locations' % base.quote(image_id),
            params=params, credentials=self._credentials(credentials))
        return body.get('locations', [])

    def create(self, image_id, cloud, remote_id, force=False,
               credentials=None):
        """Link a copy that already exists in ``cloud``; the Location."""
        body = {'cloud': cloud, 'remote_id': remote_id}
        if force:
            body['force'] = True
        return self.http.request(
            'POST', '/images/%s/locations' % base.quote(image_id),
            json_body=body, credentials=self._credentials(credentials))

    def delete(self, image_id, cloud):
        """Forget the location; the copy in the cloud stays."""
        self.http.request('DELETE', '/images/%s/locations/%s' % (
            base.quote(image_id), base.quote(cloud)))
