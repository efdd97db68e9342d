"""API microversions of v1.

To add a microversion:

* add a ``MINOR_<n>_<WHAT>`` constant below and make ``MAX_VERSION_STRING``
  use it;
* gate the new behaviour with a small ``allow_<what>()`` helper in
  :mod:`ciming.api.utils`;
* document it in the API reference and add a release note.
"""

SERVICE_TYPE = 'cloud-image-manager'
HEADER = 'OpenStack-API-Version'

# v1.0: clouds, images, uploads, locations, sync and jobs.
MINOR_0_INITIAL_VERSION = 0
# v1.1: image lifecycle: metadata on create, PATCH of the copies' metadata
# (update jobs), deprecate/undeprecate, metadata drift, sync of metadata.
MINOR_1_LIFECYCLE = 1
# v1.2: POST /v1/images imports from a URL ("source": {"url", ...}).
MINOR_2_URL_IMPORT = 2
# v1.3: what data is where: an image's virtual_size, each location's
# disk_format, size and os_hash_value, a job's data (source, converted).
MINOR_3_FORMATS = 3

MINOR_MAX_VERSION = MINOR_3_FORMATS

MIN_VERSION = (1, MINOR_0_INITIAL_VERSION)
MAX_VERSION = (1, MINOR_MAX_VERSION)

MIN_VERSION_STRING = '%d.%d' % MIN_VERSION
MAX_VERSION_STRING = '%d.%d' % MAX_VERSION
