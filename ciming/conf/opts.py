"""Options for oslo-config-generator and the configuration reference."""

from oslo_log import log
import oslo_messaging as messaging

from ciming.conf import all_in_one
from ciming.conf import api
from ciming.conf import aws
from ciming.conf import conductor
from ciming.conf import conversion
from ciming.conf import database
from ciming.conf import default
from ciming.conf import glance
from ciming.conf import jobs
from ciming.conf import keystone
from ciming.conf import local_driver
from ciming.conf import service_user
from ciming.conf import staging
from ciming.conf import taskflow
from ciming.conf import transfer


def list_opts():
    return [
        ('DEFAULT', default.opts),
        ('all_in_one', all_in_one.opts),
        ('api', api.opts),
        ('aws', aws.opts),
        ('conductor', conductor.opts),
        ('conversion', conversion.opts),
        ('database', database.list_opts()),
        ('glance', glance.opts),
        ('jobs', jobs.opts),
        ('keystone', keystone.opts),
        ('local_driver', local_driver.opts),
        ('service_user', service_user.list_opts()),
        ('staging', staging.opts),
        ('taskflow', taskflow.opts),
        ('transfer', transfer.opts),
    ]


# The exchange the API publishes to and the conductors listen on. Every
# process gets it from update_opt_defaults(): oslo.messaging's own default
# ('openstack') on one side only would lose every message.
CONTROL_EXCHANGE = 'ciming'


def update_opt_defaults():
    """CIMinG's defaults for library options; before parsing the config.

    Also the ``oslo.config.opts.defaults`` hook, so the generated sample
    shows them.
    """
    messaging.set_transport_defaults(control_exchange=CONTROL_EXCHANGE)
    log.set_defaults(default_log_levels=log.get_default_log_levels() + [
        'stevedore=INFO', 'taskflow=WARNING', 'amqp=WARNING',
        'oslo.messaging=INFO', 'oslo_messaging=INFO',
        # botocore's DEBUG lines carry signed headers and session tokens.
        'botocore=WARNING', 'boto3=WARNING'])
