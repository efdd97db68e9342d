"""Creating an image from a URL (API 1.2): check the URL, record the job.

The URL (and a checksums file's URL) is checked against ``[url_import]``
before anything is recorded, so a refused one is a 400 before any request
is made; the conductor checks it again before connecting. The job carries
the source in its record (``{"type": "url", ...}``): no RPC change.
"""

import pecan

from ciming.api import job_records
from ciming.api import request_credentials
from ciming.common import exception
from ciming.common import states
from ciming.common import url_filter


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
