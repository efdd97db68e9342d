"""Choosing where a sync reads the image: staging, or a cloud holding it.

The API records the job with the staging area, or with a cloud that can
export the image as a first candidate; which cloud the data is read from
is decided here, where the drivers and credentials are. Clouds the job
can reach without asking (credentials given, in Barbican, or none
needed) come first; when a candidate's copy is not there or cannot be
read, the next one is used.
"""

from oslo_log import log

from ciming.common import exception
from ciming.common import states
from ciming.conductor.tasks import base
from ciming.drivers import factory

LOG = log.getLogger(__name__)


class ChooseSource(base.JobTask):
    """Provides ``source_image``: the source cloud's image, or None.

    ``source_image`` is the live metadata the refresh read (with its
    ``cloud_id``); a staged upload has none. Its properties follow the
    image to the targets.
    """

    def __init__(self):
        super().__init__(name='choose-source', provides='source_image')

    def execute(self, job_id, image_id, source, refreshed):
        if source['type'] != 'cloud':
            return None
        image = self.dbapi.get_image(image_id)
        candidates = self._candidates(job_id, image, source)
        readable = [c for c in candidates
                    if (refreshed.get(c.cloud_id) or {}).get('remote')
                    # A copy that can say it cannot be exported is not read.
                    and refreshed[c.cloud_id]['remote'].get(
                        'exportable') is not False]
        active = [c for c in readable
                  if refreshed[c.cloud_id]['status'] == states.LOC_ACTIVE]
        if not readable:
            self._raise_unreadable(source, refreshed)
        # A copy whose hash changed is still read when no other is: the
        # transfer then fails on the hash, saying so.
        chosen = (active or readable)[0]
        if chosen.cloud_id != source['cloud_id']:
            LOG.info('Job %(job)s reads cloud %(cloud)s instead of '
                     '%(first)s', {'job': job_id, 'cloud': chosen.cloud_id,
                                   'first': source['cloud_id']})
            self.dbapi.update_job(job_id, {'source': {
                'type': 'cloud', 'cloud_id': chosen.cloud_id,
                'remote_id': chosen.remote_id}})
        return dict(refreshed[chosen.cloud_id]['remote'],
                    cloud_id=chosen.cloud_id)

    def _candidates(self, job_id, image, source):
        """The first candidate, then every other exporting copy.

        Those reachable without asking first; the order is otherwise
        kept.
        """
        clouds = self.runtime(job_id).clouds
        located = {loc.cloud_id: loc for loc in image.locations
                   if loc.remote_id}
        first = located.get(source['cloud_id'])
        others = [loc for loc in image.locations
                  if loc.cloud_id != source['cloud_id']
                  and loc.status == states.LOC_ACTIVE and loc.remote_id
                  and self._can_export(loc.cloud_id)]
        candidates = ([first] if first is not None else []) + others
        reachable = {
            loc.cloud_id: clouds.reachable_without_asking(
                self.dbapi.get_cloud(loc.cloud_id))
            for loc in candidates}
        return sorted(candidates, key=lambda loc: not reachable[
            loc.cloud_id])

    def _can_export(self, cloud_id):
        try:
            cloud_type = self.dbapi.get_cloud(cloud_id).type
            return factory.capabilities(cloud_type).can_export
        except exception.CimingException:
            return False

    def _raise_unreadable(self, source, refreshed):
        """No copy can be read: fail as reading the first one failed."""
        cloud = self.dbapi.get_cloud(source['cloud_id'])
        result = refreshed.get(source['cloud_id']) or {}
        if result.get('status') == states.LOC_MISSING:
            raise exception.RemoteImageNotFound(
                remote_id=source['remote_id'], cloud=cloud.name)
        raise exception.DriverError(
            cloud=cloud.name,
            reason=result.get('error') or 'the image cannot be read')
