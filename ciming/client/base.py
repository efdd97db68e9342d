"""What the resource managers share: the HTTP client and listing pages."""

import urllib.parse


def quote(ident):
    return urllib.parse.quote(str(ident), safe='')


class Manager:
    """Calls about one kind of resource; results are the API's JSON."""

    def __init__(self, client):
        self.client = client

    @property
    def http(self):
        return self.client.http

    def _list(self, path, key, params=None, limit=None):
        """Every item of a paginated list, following ``next`` links.

        With ``limit`` only that many items are fetched (one page).
        """
        params = dict(params or {})
        if limit is not None:
            params['limit'] = limit
        body = self.http.request('GET', path, params=params)
        items = list(body.get(key, []))
        while limit is None and body.get('next'):
            body = self.http.request('GET', body['next'])
            items.extend(body.get(key, []))
        return items

    def _credentials(self, given):
        """The credentials of a call: its own, else the client's."""
        return given if given is not None else self.client.credentials
