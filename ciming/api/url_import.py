"""Creating an image from a URL (API 1.2): check the URL, record the job.

The URL (and a checksums file's URL) is checked against ``[url_import]``
before anything is recorded, so a refused one is a 400 before any request
is made; the conductor checks it again before connecting. The job carries
the source in its record (``{"type": "url", ...}``): no RPC change.
"""

import pecan

from ciming.api import job_records
from ciming.api import request_credentials
from ciming.api.schemas import url_import as schemas
from ciming.api import utils
from ciming.api import views
from ciming.common import exception
from ciming.common import states
from ciming.common import url_filter


def create_schema(base):
    """The create body's schema: ``base``, with ``source`` from 1.2."""
    if utils.allow_url_import():
        return schemas.create_schema(base)
    return base


def from_body(body):
    """The job source and per-request credentials; (None, None) without.

    The URLs are checked here, before anything is recorded.
    """
    supplied = credentials(body)
    if 'source' not in body:
        return None, None
    return checked_source(body), supplied


def created(image, target_ids, source, supplied):
    """The 201 answer: the image, with its import ``job`` if from a URL."""
    if source is None:
        return views.image(image)
    job = start_job(image, target_ids, source, supplied)
    result = views.image(pecan.request.dbapi.get_image(image.id))
    result['job'] = views.job(job)
    return result


def checked_source(body):
    """The job source for ``body['source']``; raise when it is refused."""
    source = body['source']
    if ('checksum' in source) == ('checksums_url' in source):
        raise exception.InvalidParameterValue(
            err='source needs either checksum or checksums_url.')
    url_filter.check_url(source['url'])
    recorded = {'type': url_filter.SOURCE_TYPE, 'url': source['url']}
    if 'checksum' in source:
        recorded['checksum'] = source['checksum'].lower()
        return recorded
    try:
        name = url_filter.file_name(source['url'])
    except UnicodeDecodeError:
        name = ''
    if not name:
        raise exception.InvalidParameterValue(
            err='with checksums_url, the URL must end with a file name.')
    url_filter.check_url(source['checksums_url'])
    recorded['checksums_url'] = source['checksums_url']
    return recorded


def credentials(body):
    """Per-request credentials, which only an import from a URL uses."""
    if 'source' not in body:
        if body.get('credentials'):
            raise exception.InvalidParameterValue(
                err='credentials are only used with a source.')
        body.pop('credentials', None)
        return None
    return request_credentials.from_request(body)


def start_job(image, target_ids, source, supplied):
    """Record the import job of a new image and cast it."""
    try:
        job = job_records.create_job({
            'project_id': image.project_id,
            'image_id': image.id,
            'action': states.ACTION_IMPORT_URL,
            'source': source,
            'image_status': states.IMAGE_IMPORTING,
            'expected_image_status': [states.IMAGE_QUEUED],
        }, target_ids, supplied)
    except BaseException:
        pecan.request.dbapi.destroy_image(image.id)
        raise
    job_records.cast_job(job, None, supplied)
    return job
