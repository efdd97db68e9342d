"""``ciming-status upgrade check``: can this code run on this deployment?

Operators run it after installing a new release and before restarting the
services (and devstack runs it after ``db sync``). Each check returns an
``oslo_upgradecheck.upgradecheck.Result``; the command exits 0 when all
succeed, 1 on warnings and 2 on failures.

To add a check: write a ``_check_<what>`` method returning a ``Result``
and add it to ``_upgrade_checks``, with a unit test for its success and
its failure in ``tests/unit/cmd/test_status.py``.
"""

import contextlib
import os
import sys
import tempfile

from oslo_upgradecheck import common_checks
from oslo_upgradecheck import upgradecheck
from stevedore import extension

from ciming.common import keystone
from ciming.common import rpc
from ciming.common import service as ciming_service
from ciming.conductor import jobboard
from ciming.conf import CONF
from ciming.conf import opts as ciming_opts
from ciming.db import api as dbapi
from ciming.db.sqlalchemy import migration
from ciming.drivers import base as driver_base
from ciming.drivers import factory

Code = upgradecheck.Code
Result = upgradecheck.Result


def _short(exc):
    """One line about an error (database errors come with their SQL)."""
    text = str(getattr(exc, 'orig', None) or exc) or type(exc).__name__
    return text.splitlines()[0]


def _describe_jobboard():
    """Where the jobboard is, without its password."""
    return '%s on %s port %s' % (
        CONF.taskflow.jobboard_backend,
        ','.join(CONF.taskflow.jobboard_backend_hosts),
        CONF.taskflow.jobboard_backend_port)


def probe_jobboard():
    """Connect to the configured jobboard, then disconnect.

    Raises whatever TaskFlow or the backend's client library raises.
    """
    with contextlib.closing(jobboard.open_jobboard()):
        pass


# Seconds the Keystone check waits for each answer.
KEYSTONE_TIMEOUT = 10


def _identity_version(session, url):
    """The API version Keystone serves at ``url`` ('v3.14'), or None.

    The root of a v3 endpoint describes one version; a bare Keystone URL
    answers 300 with the list of versions instead.
    """
    response = session.get(url, authenticated=False, raise_exc=False,
                           headers={'Accept': 'application/json'})
    if response.status_code != 200:
        return None
    try:
        return response.json()['version']['id']
    except (ValueError, KeyError, TypeError):
        return None


class Checks(upgradecheck.UpgradeCommands):
    """The upgrade checks of CIMinG."""

    def _check_database(self):
        """The database schema is at the newest migration of this code."""
        try:
            current = migration.version()
        except Exception as exc:
            return Result(Code.FAILURE,
                          'Cannot read the database schema version: %s'
                          % _short(exc))
        expected = migration.head()
        if current != expected:
            return Result(Code.FAILURE,
                          'The database schema is at %s, this code needs '
                          '%s: run "ciming-manage db sync".'
                          % (current or 'no version (empty database)',
                             expected))
        return Result(Code.SUCCESS, 'Schema at %s.' % current)

    def _check_staging_dir(self):
        """Uploads can be written to [staging] dir."""
        directory = CONF.staging.dir
        if not os.path.exists(directory):
            # The API creates it on the first upload: its parent must let it.
            existing = os.path.dirname(os.path.abspath(directory))
            while not os.path.exists(existing):
                existing = os.path.dirname(existing)
            if os.access(existing, os.W_OK | os.X_OK):
                return Result(Code.SUCCESS,
                              '%s will be created on the first upload.'
                              % directory)
            return Result(Code.FAILURE,
                          '[staging] dir %s does not exist and cannot be '
                          'created: %s is not writable.'
                          % (directory, existing))
        if not os.path.isdir(directory):
            return Result(Code.FAILURE, '[staging] dir %s is not a '
                                        'directory.' % directory)
        try:
            with tempfile.TemporaryFile(dir=directory):
                pass
        except OSError as exc:
            return Result(Code.FAILURE, '[staging] dir %s is not writable: '
                                        '%s' % (directory, exc))
        return Result(Code.SUCCESS, '%s is writable.' % directory)

    def _check_drivers(self):
        """Every installed cloud driver loads, and every cloud has one."""
        broken = []

        def failed(_manager, entry_point, exc):
            broken.append('%s (%s: %s)' % (entry_point.name,
                                           entry_point.value, exc))

        manager = extension.ExtensionManager(
            factory.NAMESPACE, invoke_on_load=False,
            on_load_failure_callback=failed)
        loaded = {}
        for ext in manager:
            if (isinstance(ext.plugin, type)
                    and issubclass(ext.plugin, driver_base.CloudDriver)):
                loaded[ext.name] = ext.plugin
            else:
                broken.append('%s (%r is not a CloudDriver)'
                              % (ext.name, ext.plugin))
        if broken:
            return Result(Code.FAILURE, 'Cloud drivers that do not load: '
                                        '%s.' % '; '.join(sorted(broken)))
        if not loaded:
            return Result(Code.FAILURE, 'No cloud driver is installed '
                                        '(entry points %s).'
                          % factory.NAMESPACE)
        try:
            used = {cloud.type for cloud in
                    dbapi.get_instance().list_clouds(project_id=None)}
        except Exception as exc:
            return Result(Code.WARNING, 'Drivers %s load, but the clouds '
                                        'could not be listed: %s'
                          % (', '.join(sorted(loaded)), _short(exc)))
        missing = sorted(used - set(loaded))
        if missing:
            return Result(Code.FAILURE, 'Clouds of types %s exist but no '
                                        'driver of these types is '
                                        'installed.' % ', '.join(missing))
        return Result(Code.SUCCESS, 'Drivers: %s.'
                      % ', '.join(sorted(loaded)))

    def _check_jobboard(self):
        """The TaskFlow jobboard answers, when one is configured."""
        if not jobboard.jobboard_enabled():
            return Result(Code.SUCCESS, 'No jobboard configured.')
        try:
            probe_jobboard()
        except Exception as exc:
            return Result(Code.FAILURE, 'The jobboard (%s) does not answer: '
                          '%s' % (_describe_jobboard(), _short(exc)))
        return Result(Code.SUCCESS, 'Jobboard (%s) reachable.'
                      % _describe_jobboard())

    def _check_control_exchange(self):
        """The RPC exchange is CIMinG's own, which every process uses.

        The check sees the configuration it is given only: run it with
        the configuration of each API and conductor node. Conductors
        listen on the exchange of their configuration and the API
        publishes to its own; any value but the default invites the two
        to differ, and separates nothing (queues are named after topics,
        whatever the exchange): a virtual host in transport_url does.
        """
        rpc.register_opts(CONF)
        exchange = CONF.control_exchange
        if exchange != ciming_opts.CONTROL_EXCHANGE:
            return Result(
                Code.FAILURE,
                '[DEFAULT] control_exchange is %r: API and conductors '
                'only meet when all of them use the same exchange; remove '
                'the option to use %r, the default of every CIMinG '
                'process (to keep deployments apart on one RabbitMQ, give '
                'each a virtual host in transport_url).'
                % (exchange, ciming_opts.CONTROL_EXCHANGE))
        return Result(Code.SUCCESS, 'control_exchange is %r.' % exchange)

    def _check_keystone(self):
        """With trusts, the service user authenticates and [keystone] is v3.

        Jobs create their trusts at ``[keystone] auth_url`` +
        ``/OS-TRUST/trusts`` and work as ``[service_user]``: both must
        work before a job starts, not when the first one fails.
        """
        if not keystone.trusts_enabled():
            return Result(Code.SUCCESS, 'Keystone trusts are not used '
                                        '(auth_strategy %s, [jobs] '
                                        'use_trusts %s).'
                          % (CONF.auth_strategy, CONF.jobs.use_trusts))
        auth_url = CONF.keystone.auth_url
        if not auth_url:
            return Result(Code.FAILURE, '[keystone] auth_url is not set: '
                                        'jobs create their trusts there '
                                        '(the identity v3 endpoint, '
                                        'e.g. https://keystone/v3).')
        if not CONF.service_user.auth_type:
            return Result(Code.FAILURE, '[service_user] is not configured '
                                        '(auth_type, auth_url, username, '
                                        'password, ...): jobs work '
                                        'through trusts to this user.')
        try:
            session = keystone.service_session()
            session.timeout = session.timeout or KEYSTONE_TIMEOUT
            user_id = session.get_user_id()
        except Exception as exc:
            return Result(Code.FAILURE, 'The [service_user] cannot '
                                        'authenticate: %s' % _short(exc))
        try:
            version = _identity_version(session, auth_url)
        except Exception as exc:
            return Result(Code.FAILURE, '[keystone] auth_url %s does not '
                                        'answer: %s' % (auth_url,
                                                        _short(exc)))
        if not (version or '').startswith('v3'):
            return Result(Code.FAILURE, '[keystone] auth_url %s is not an '
                                        'identity v3 endpoint (it must '
                                        'end in /v3).' % auth_url)
        return Result(Code.SUCCESS, 'Service user %s authenticated; %s '
                                    'serves identity %s.'
                      % (user_id, auth_url, version))

    _upgrade_checks = (
        ('Database schema', _check_database),
        ('Staging directory', _check_staging_dir),
        ('Cloud drivers', _check_drivers),
        ('Jobboard', _check_jobboard),
        ('RPC exchange', _check_control_exchange),
        ('Keystone trusts', _check_keystone),
        ('Policy File JSON to YAML Migration',
         (common_checks.check_policy_json, {'conf': CONF})),
    )


def main():
    # The same options and defaults as the services whose config is checked.
    ciming_service.register_opts(CONF)
    return upgradecheck.main(CONF, project='ciming',
                             upgrade_command=Checks())


if __name__ == '__main__':
    sys.exit(main())
