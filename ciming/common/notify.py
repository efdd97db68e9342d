"""Notifications: other services learn when jobs and images change.

Emitted with oslo.messaging's notifier (``[oslo_messaging_notifications]``
chooses the driver and topics). Payloads carry ids and states only, never
credentials or tokens.
"""

from oslo_log import log
import oslo_messaging as messaging

from ciming.common import rpc
from ciming.conf import CONF

LOG = log.getLogger(__name__)

_notifier = None


def _get_notifier():
    global _notifier
    if _notifier is None and rpc.NOTIFICATION_TRANSPORT is not None:
        _notifier = messaging.Notifier(
            rpc.NOTIFICATION_TRANSPORT,
            publisher_id='ciming-conductor.%s' % CONF.host)
    return _notifier


def job_payload(job):
    return {'job_id': job.id, 'image_id': job.image_id,
            'project_id': job.project_id, 'action': job.action,
            'state': job.state, 'error': job.error,
            'targets': [{'cloud_id': t.cloud_id, 'state': t.state}
                        for t in job.targets]}


def image_payload(image):
    return {'image_id': image.id, 'project_id': image.project_id,
            'status': image.status,
            'locations': [{'cloud_id': loc.cloud_id,
                           'status': loc.status}
                          for loc in image.locations]}


def emit(context, event_type, payload, error=False):
    """Send ``ciming.<event_type>``; a notification failure is logged only."""
    notifier = _get_notifier()
    if notifier is None:
        return
    try:
        send = notifier.error if error else notifier.info
        send(context or {}, 'ciming.%s' % event_type, payload)
    except Exception:
        LOG.exception('Could not send notification %s', event_type)
