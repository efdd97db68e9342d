"""CIMinG exceptions.

Every error a client can cause is a :class:`CimingException` with an HTTP
status and a stable machine-readable ``code``; the API turns it into
``{"error": {"code", "title", "message"}}``. Anything else is a 500 whose
details stay in the log.
"""

from http import client as http_client

from ciming.common.i18n import _


class CimingException(Exception):
    """Base class: ``_msg_fmt`` is formatted with the keyword arguments."""

    _msg_fmt = _('An unknown error occurred.')
    code = 'internal_error'
    status = http_client.INTERNAL_SERVER_ERROR

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            message = self._msg_fmt % kwargs
        self.message = str(message)
        super().__init__(self.message)


class Invalid(CimingException):
    _msg_fmt = _('Invalid input: %(reason)s')
    code = 'invalid'
    status = http_client.BAD_REQUEST


class InvalidParameterValue(Invalid):
    _msg_fmt = '%(err)s'
    code = 'invalid_parameter'


class MalformedBody(Invalid):
    _msg_fmt = _('The request body is not valid JSON: %(reason)s')
    code = 'malformed_body'


class SchemaValidationFailed(Invalid):
    _msg_fmt = _('Invalid request %(where_from)s: %(reason)s')
    code = 'schema_validation_failed'


class UnknownCloud(Invalid):
    _msg_fmt = _('Cloud %(cloud)s does not exist.')
    code = 'unknown_cloud'


class CapabilityMissing(Invalid):
    _msg_fmt = _('Cloud %(cloud)s cannot %(action)s images.')
    code = 'capability_missing'


class UnsupportedFormat(Invalid):
    _msg_fmt = _('Cloud %(cloud)s does not accept disk format %(fmt)s.')
    code = 'unsupported_format'


class DataChecksumMismatch(Invalid):
    _msg_fmt = _('The uploaded data does not match the declared '
                 '%(header)s.')
    code = 'checksum_mismatch'


class NotAuthorized(CimingException):
    _msg_fmt = _('Not authorized.')
    code = 'forbidden'
    status = http_client.FORBIDDEN


class PolicyNotAuthorized(NotAuthorized):
    _msg_fmt = _('Policy does not allow %(action)s to be performed.')


class NotFound(CimingException):
    _msg_fmt = _('Resource could not be found.')
    code = 'not_found'
    status = http_client.NOT_FOUND


class CloudNotFound(NotFound):
    _msg_fmt = _('Cloud %(cloud)s could not be found.')
    code = 'cloud_not_found'


class ImageNotFound(NotFound):
    _msg_fmt = _('Image %(image)s could not be found.')
    code = 'image_not_found'


class LocationNotFound(NotFound):
    _msg_fmt = _('Image %(image)s has no location in cloud %(cloud)s.')
    code = 'location_not_found'


class JobNotFound(NotFound):
    _msg_fmt = _('Job %(job)s could not be found.')
    code = 'job_not_found'


class RemoteImageNotFound(NotFound):
    _msg_fmt = _('Image %(remote_id)s does not exist in cloud %(cloud)s.')
    code = 'remote_image_not_found'


class Conflict(CimingException):
    _msg_fmt = _('Conflict.')
    code = 'conflict'
    status = http_client.CONFLICT


class DuplicateName(Conflict):
    _msg_fmt = _('A %(resource)s named %(name)s already exists.')
    code = 'duplicate_name'


class InvalidState(Conflict):
    _msg_fmt = _('%(resource)s %(id)s is %(state)s: %(reason)s')
    code = 'invalid_state'


class UploadLeaseLost(Conflict):
    _msg_fmt = _('The upload of image %(image)s lost its lease: the image '
                 'was reset.')
    code = 'upload_lease_lost'


class ImageBusy(Conflict):
    _msg_fmt = _('Image %(image)s has a running job %(job)s.')
    code = 'image_busy'


class CloudInUse(Conflict):
    _msg_fmt = _('Cloud %(cloud)s still holds locations of images.')
    code = 'cloud_in_use'


class ChecksumMismatch(Conflict):
    _msg_fmt = _('The image in cloud %(cloud)s does not match: '
                 '%(reason)s')
    code = 'checksum_mismatch'


class ConductorVersionCapped(Conflict):
    _msg_fmt = _('%(action)s needs conductor RPC API %(needed)s, but the '
                 'API sends at most %(cap)s ([conductor] rpc_version_cap, '
                 'set during an upgrade); try again once it is over.')
    code = 'conductor_version_capped'


class ImageTooLarge(CimingException):
    _msg_fmt = _('The image is larger than the %(cap)d bytes allowed.')
    code = 'image_too_large'
    status = http_client.REQUEST_ENTITY_TOO_LARGE


class ServiceUnavailable(CimingException):
    _msg_fmt = _('%(service)s is unavailable, try again later.')
    code = 'service_unavailable'
    status = http_client.SERVICE_UNAVAILABLE


class DatabaseBusy(ServiceUnavailable):
    """A write met locked rows or tables more often than it retries."""

    _msg_fmt = _('The database is busy, try again later.')
    code = 'database_busy'


# Conductor-side errors: they end up in a job's error text, not in HTTP.

class DriverError(CimingException):
    """A cloud answered with an error: a 502, whose text is the cloud's."""

    _msg_fmt = _('Cloud %(cloud)s failed: %(reason)s')
    code = 'cloud_error'
    status = http_client.BAD_GATEWAY


class ServerSideCopyFailed(DriverError):
    """A copy the target cloud had accepted to make itself went wrong.

    Streaming to it instead is no use (its image is not ready for data):
    the target fails.
    """


class CloudAuthFailed(Invalid):
    _msg_fmt = _('Cloud %(cloud)s refused the credentials: %(reason)s')
    code = 'cloud_auth_failed'


class InvalidCredentials(Invalid):
    _msg_fmt = _('Credentials for cloud %(cloud)s are not valid: '
                 '%(reason)s')
    code = 'invalid_credentials'


class CredentialRefUnusable(Invalid):
    _msg_fmt = _('The credential_ref of cloud %(cloud)s cannot be used: '
                 '%(reason)s')
    code = 'credential_ref_unusable'


class CredentialsRequired(Invalid):
    _msg_fmt = _('Cloud %(cloud)s needs credentials: %(reason)s')
    code = 'credentials_required'


class PathOutsideRoot(Invalid):
    _msg_fmt = _('Path %(path)s leads outside the local cloud root.')
    code = 'path_outside_root'


class TransferFailed(CimingException):
    _msg_fmt = _('Transfer failed: %(reason)s')
    code = 'transfer_failed'


class JobCancelled(CimingException):
    _msg_fmt = _('Job %(job)s was cancelled.')
    code = 'job_cancelled'
    status = http_client.CONFLICT


# API-side errors added with the REST API.

class NothingToSync(Conflict):
    _msg_fmt = _('Image %(image)s is already active in every requested '
                 'cloud.')
    code = 'nothing_to_sync'


class NoSyncSource(Conflict):
    _msg_fmt = _('Image %(image)s has no staged data and no active copy '
                 'in a cloud that can export it.')
    code = 'no_source'


class InvalidAPIVersion(Invalid):
    _msg_fmt = _('Invalid OpenStack-API-Version header: %(reason)s')
    code = 'invalid_version'


class APIVersionNotSupported(CimingException):
    _msg_fmt = _('API version %(version)s is not supported; versions '
                 '%(min)s to %(max)s are.')
    code = 'version_not_supported'
    status = http_client.NOT_ACCEPTABLE


class LengthRequired(CimingException):
    _msg_fmt = _('An upload needs a Content-Length header or a chunked '
                 'body.')
    code = 'length_required'
    status = http_client.LENGTH_REQUIRED


class UnsupportedMediaType(CimingException):
    _msg_fmt = _('Content type %(content_type)s is not accepted here; '
                 'use %(expected)s.')
    code = 'unsupported_media_type'
    status = http_client.UNSUPPORTED_MEDIA_TYPE


class IncompleteBody(Invalid):
    _msg_fmt = _('The body ended after %(received)d of the %(expected)d '
                 'bytes announced.')
    code = 'incomplete_body'


class RequestTooLarge(CimingException):
    _msg_fmt = _('The request body is larger than the %(limit)d bytes '
                 'allowed.')
    code = 'request_too_large'
    status = http_client.REQUEST_ENTITY_TOO_LARGE


class HeadersTooLarge(CimingException):
    _msg_fmt = _('The request headers are larger than the %(limit)d bytes '
                 'allowed.')
    code = 'request_header_fields_too_large'
    status = http_client.REQUEST_HEADER_FIELDS_TOO_LARGE


class MethodNotAllowed(CimingException):
    _msg_fmt = _('%(method)s is not allowed here; use %(allowed)s.')
    code = 'method_not_allowed'
    status = http_client.METHOD_NOT_ALLOWED


class UnreadableBody(Invalid):
    _msg_fmt = _('The request body could not be read: %(reason)s')
    code = 'unreadable_body'


def safe_message(exc):
    """What a user may read of an error, in a job or a response.

    A CimingException's message is written for users. Anything else (a
    database error quoting SQL and its parameters, an OSError naming a
    path) is only named: its details belong in the log.
    """
    if isinstance(exc, CimingException):
        return exc.message
    return _('An internal error occurred (%s); the details are in the '
             'service log.') % type(exc).__name__


class URLNotAllowed(Invalid):
    _msg_fmt = _('The URL is not allowed: %(reason)s')
    code = 'url_not_allowed'


class URLImportFailed(TransferFailed):
    _msg_fmt = _('The import from the URL failed: %(reason)s')
    code = 'url_import_failed'


class ImageFormatMismatch(Invalid):
    _msg_fmt = _('The data is not in its declared disk format '
                 '%(declared)s: %(reason)s.')
    code = 'image_format_mismatch'


class UnsafeImage(Invalid):
    _msg_fmt = _('The %(fmt)s data is refused as unsafe: %(reason)s.')
    code = 'unsafe_image'


class ConversionFailed(CimingException):
    _msg_fmt = _('Converting the image from %(source)s to %(target)s '
                 'failed: %(reason)s')
    code = 'conversion_failed'


class SourceCannotExport(Invalid):
    _msg_fmt = _('Cloud %(cloud)s cannot export image %(remote_id)s: '
                 '%(reason)s')
    code = 'source_cannot_export'
