"""CIMinG configuration: one module per option group, registered here."""

from oslo_config import cfg

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

CONF = cfg.CONF

all_in_one.register_opts(CONF)
api.register_opts(CONF)
aws.register_opts(CONF)
conductor.register_opts(CONF)
conversion.register_opts(CONF)
database.register_opts(CONF)
default.register_opts(CONF)
glance.register_opts(CONF)
jobs.register_opts(CONF)
keystone.register_opts(CONF)
local_driver.register_opts(CONF)
service_user.register_opts(CONF)
staging.register_opts(CONF)
taskflow.register_opts(CONF)
transfer.register_opts(CONF)
