"""A local cache of image lists, to search and filter without requests.

One sqlite file under the user's cache directory
(``$XDG_CACHE_HOME/ciming/cache.sqlite`` on Linux, see platformdirs), one
row per endpoint, project and kind of list (``images``, ``clouds``): the
API's JSON documents as they were fetched, and when. It holds what the
API returned for lists and nothing else: never credentials, tokens or
request headers.

Filters run on the cached rows with the API's meaning (see
:func:`filter_images`), plus shell-style wildcards in names.
"""

import contextlib
import fnmatch
import json
import os
import sqlite3
import time

import platformdirs

DEFAULT_TTL = 300
FILENAME = 'cache.sqlite'
WILDCARDS = '*?['

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lists (
    endpoint TEXT NOT NULL,
    project TEXT NOT NULL,
    kind TEXT NOT NULL,
    fetched_at REAL NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (endpoint, project, kind)
)
"""


def default_path():
    """The cache file: ``$CIMING_CACHE_DIR`` or the user's cache dir."""
    directory = (os.environ.get('CIMING_CACHE_DIR')
                 or platformdirs.user_cache_dir('ciming', appauthor=False))
    return os.path.join(directory, FILENAME)


class ListCache:
    """Lists fetched from one endpoint for one project, with their age."""

    def __init__(self, endpoint, project, path=None, ttl=DEFAULT_TTL,
                 clock=time.time):
        self.endpoint = endpoint.rstrip('/')
        self.project = project or ''
        self.path = path or default_path()
        self.ttl = ttl
        self.clock = clock

    @contextlib.contextmanager
    def _connect(self):
        os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=10)
        try:
            with connection:
                connection.execute(_SCHEMA)
                yield connection
        finally:
            connection.close()
        try:
            os.chmod(self.path, 0o600)
        except OSError:
            pass

    def get(self, kind):
        """The cached list of ``kind`` if younger than the TTL, else None."""
        if not os.path.exists(self.path):
            return None
        with self._connect() as connection:
            row = connection.execute(
                'SELECT fetched_at, body FROM lists WHERE endpoint = ? AND '
                'project = ? AND kind = ?',
                (self.endpoint, self.project, kind)).fetchone()
        if row is None or self.clock() - row[0] > self.ttl:
            return None
        return json.loads(row[1])

    def put(self, kind, items):
        """Store a freshly fetched list, replacing the previous one."""
        with self._connect() as connection:
            connection.execute(
                'INSERT OR REPLACE INTO lists (endpoint, project, kind, '
                'fetched_at, body) VALUES (?, ?, ?, ?, ?)',
                (self.endpoint, self.project, kind, self.clock(),
                 json.dumps(items)))

    def clear(self):
        """Forget the lists of this endpoint and project."""
        if not os.path.exists(self.path):
            return
        with self._connect() as connection:
            connection.execute(
                'DELETE FROM lists WHERE endpoint = ? AND project = ?',
                (self.endpoint, self.project))


def has_wildcards(name):
    return name is not None and any(c in name for c in WILDCARDS)


def _in_cloud(location, cloud):
    return cloud in (location.get('cloud_name'), location.get('cloud_id'))


def available_in(image, cloud):
    """The image has an active location in ``cloud`` (name or id)."""
    return any(_in_cloud(loc, cloud) and loc.get('status') == 'active'
               for loc in image.get('locations') or ())


def filter_images(images, name=None, status=None, available=None,
                  missing=None):
    """The images matching the filters, as ``GET /v1/images`` means them.

    ``name`` may hold shell-style wildcards (``ubuntu-*``); ``available``
    keeps images active in that cloud, ``missing`` those that are not.
    """
    result = []
    for image in images:
        if name is not None and not fnmatch.fnmatchcase(
                image.get('name') or '', name):
            continue
        if status is not None and image.get('status') != status:
            continue
        if available is not None and not available_in(image, available):
            continue
        if missing is not None and available_in(image, missing):
            continue
        result.append(image)
    return result
