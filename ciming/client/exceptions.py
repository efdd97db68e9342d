"""Errors of the CIMinG client, one class per API error.

The API answers every error with ``{"error": {"code", "title",
"message"}}``. :func:`from_response` picks the class registered for the
error's ``code`` (``image_not_found`` -> :class:`ImageNotFound`), else
the one for its HTTP status (any 404 -> :class:`NotFound`), else
:class:`ClientException`. A code class is a subclass of its status class,
so ``except NotFound`` catches every kind of "not found".
"""

_BY_CODE = {}
_BY_STATUS = {}


class ClientException(Exception):
    """An error the API answered, or a failure to reach it.

    :ivar http_status: the HTTP status, None when no answer came.
    :ivar code: the API's error code (``image_not_found``...).
    :ivar title: the HTTP reason phrase the API gave.
    :ivar message: the API's readable message.
    :ivar request_id: ``X-OpenStack-Request-ID`` of the failed request.
    """

    http_status = None
    code = None

    def __init__(self, message=None, http_status=None, code=None,
                 title=None, request_id=None):
        self.message = message or self.__class__.__doc__.splitlines()[0]
        if http_status is not None:
            self.http_status = http_status
        if code is not None:
            self.code = code
        self.title = title
        self.request_id = request_id
        super().__init__(self.message)

    def __str__(self):
        text = self.message
        if self.http_status is not None:
            text = '%s (HTTP %s)' % (text, self.http_status)
        if self.request_id:
            text = '%s (Request-ID: %s)' % (text, self.request_id)
        return text


def _status(cls):
    _BY_STATUS[cls.http_status] = cls
    return cls


def _code(cls):
    _BY_CODE[cls.code] = cls
    return cls


class CommunicationError(ClientException):
    """The API could not be reached."""


class VersionNotSupported(ClientException):
    """The API offers no microversion this client speaks."""


class JobTimeout(ClientException):
    """A job did not end in the time given.

    :ivar job: the last state of the job seen, if any.
    """

    def __init__(self, message=None, job=None, **kwargs):
        super().__init__(message, **kwargs)
        self.job = job


@_status
class BadRequest(ClientException):
    """The request is not valid."""
    http_status = 400


@_status
class Unauthorized(ClientException):
    """Authentication is required."""
    http_status = 401


@_status
class Forbidden(ClientException):
    """Access is denied."""
    http_status = 403


@_status
class NotFound(ClientException):
    """The resource could not be found."""
    http_status = 404


@_status
class MethodNotAllowed(ClientException):
    """The method is not allowed for this resource."""
    http_status = 405


@_status
class NotAcceptable(ClientException):
    """The requested API version is not available."""
    http_status = 406


@_status
class Conflict(ClientException):
    """The request conflicts with the state of the resource."""
    http_status = 409


@_status
class LengthRequired(ClientException):
    """The upload needs a length."""
    http_status = 411


@_status
class RequestEntityTooLarge(ClientException):
    """The request body is too large."""
    http_status = 413


@_status
class UnsupportedMediaType(ClientException):
    """The content type is not accepted."""
    http_status = 415


@_status
class InternalServerError(ClientException):
    """The service failed to handle the request."""
    http_status = 500


@_status
class BadGateway(ClientException):
    """A cloud behind the service failed."""
    http_status = 502


@_status
class ServiceUnavailable(ClientException):
    """The service is unavailable, try again later."""
    http_status = 503


# Errors by code (see ciming/common/exception.py on the server).

@_code
class SchemaValidationFailed(BadRequest):
    """The request body does not match its schema."""
    code = 'schema_validation_failed'


@_code
class InvalidParameter(BadRequest):
    """A parameter has a wrong value."""
    code = 'invalid_parameter'


@_code
class UnknownCloud(BadRequest):
    """No such cloud."""
    code = 'unknown_cloud'


@_code
class CapabilityMissing(BadRequest):
    """The cloud cannot do that."""
    code = 'capability_missing'


@_code
class UnsupportedFormat(BadRequest):
    """The cloud does not take that disk format."""
    code = 'unsupported_format'


@_code
class CredentialsRequired(BadRequest):
    """The cloud needs credentials."""
    code = 'credentials_required'


@_code
class InvalidCredentials(BadRequest):
    """The credentials do not fit the cloud."""
    code = 'invalid_credentials'


@_code
class CloudAuthFailed(BadRequest):
    """The cloud refused the credentials."""
    code = 'cloud_auth_failed'


@_code
class CloudNotFound(NotFound):
    """No such cloud."""
    code = 'cloud_not_found'


@_code
class ImageNotFound(NotFound):
    """No such image."""
    code = 'image_not_found'


@_code
class LocationNotFound(NotFound):
    """The image has no location in that cloud."""
    code = 'location_not_found'


@_code
class JobNotFound(NotFound):
    """No such job."""
    code = 'job_not_found'


@_code
class RemoteImageNotFound(NotFound):
    """The cloud has no such image."""
    code = 'remote_image_not_found'


@_code
class DuplicateName(Conflict):
    """The name is taken."""
    code = 'duplicate_name'


@_code
class InvalidState(Conflict):
    """The resource is not in a state that allows this."""
    code = 'invalid_state'


@_code
class ImageBusy(Conflict):
    """A job works on the image."""
    code = 'image_busy'


@_code
class CloudInUse(Conflict):
    """Images have locations in the cloud."""
    code = 'cloud_in_use'


@_code
class ChecksumMismatch(Conflict):
    """The data does not match its checksum.

    The code of a copy whose checksum differs (409) and of an upload
    whose data differs from the checksum announced (400): ``http_status``
    tells which.
    """
    code = 'checksum_mismatch'


@_code
class NothingToSync(Conflict):
    """Every target already holds the image."""
    code = 'nothing_to_sync'


@_code
class NoSyncSource(Conflict):
    """No copy of the image can be read."""
    code = 'no_source'


def _error_document(response):
    try:
        error = response.json()['error']
    except (ValueError, KeyError, TypeError):
        return None
    return error if isinstance(error, dict) else None


def from_response(response, method=None, url=None):
    """The exception an error response stands for."""
    request_id = response.headers.get('X-OpenStack-Request-ID')
    error = _error_document(response)
    if error is None:
        message = '%s %s answered %s' % (method or 'the request',
                                         url or '', response.status_code)
        cls = _BY_STATUS.get(response.status_code, ClientException)
        return cls(message, http_status=response.status_code,
                   request_id=request_id)
    code = error.get('code')
    cls = _BY_CODE.get(code) or _BY_STATUS.get(response.status_code)
    if cls is None:
        cls = (InternalServerError if response.status_code >= 500
               else ClientException)
    return cls(error.get('message'), http_status=response.status_code,
               code=code, title=error.get('title'), request_id=request_id)
