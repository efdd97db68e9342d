"""The database interface: what the rest of CIMinG may ask of storage.

Only ``ciming/db`` knows SQLAlchemy; callers get plain model objects whose
attributes stay readable after the transaction ends.
"""

import abc

from oslo_db import api as db_api

from ciming.conf import CONF

_BACKEND_MAPPING = {'sqlalchemy': 'ciming.db.sqlalchemy.api'}
IMPL = db_api.DBAPI.from_config(CONF, backend_mapping=_BACKEND_MAPPING,
                                lazy=True)


def get_instance():
    """Return the database connection object."""
    return IMPL


class Connection(metaclass=abc.ABCMeta):
    """Storage of clouds, images, locations and jobs."""

    # Clouds

    @abc.abstractmethod
    def create_cloud(self, values):
        """Create a cloud; DuplicateName if its project has the name."""

    @abc.abstractmethod
    def get_cloud(self, ident, project_id=None):
        """A cloud by id or name, visible to project_id (own or shared).

        project_id None means any project (admin and service use).
        """

    @abc.abstractmethod
    def list_clouds(self, project_id=None, cloud_type=None):
        """Clouds visible to project_id (own and shared), by name."""

    @abc.abstractmethod
    def update_cloud(self, cloud_id, values):
        """Update a cloud; DuplicateName on a name clash."""

    @abc.abstractmethod
    def destroy_cloud(self, cloud_id):
        """Delete a cloud; CloudInUse while locations refer to it."""

    # Images and their locations

    @abc.abstractmethod
    def create_image(self, values, target_cloud_ids=()):
        """Create an image and a pending location in each target."""

    @abc.abstractmethod
    def get_image(self, image_id, project_id=None):
        """An image with its locations; ImageNotFound if not visible."""

    @abc.abstractmethod
    def list_images(self, project_id=None, filters=None, marker=None,
                    limit=None, sort_key='created_at', sort_dir='asc'):
        """Images with filters name, status, available_in, missing_in."""

    @abc.abstractmethod
    def update_image(self, image_id, values, expected_status=None):
        """Update an image, only if its status is one of expected_status.

        InvalidState otherwise, so two requests cannot both move it.
        """

    @abc.abstractmethod
    def destroy_image(self, image_id):
        """Delete an image, its locations and its finished jobs."""

    # The lease of an upload in progress

    @abc.abstractmethod
    def renew_upload(self, image_id, host, pid):
        """Say the upload of ``host``/``pid`` lives; False if not its own."""

    @abc.abstractmethod
    def list_uploads(self, host=None, heartbeat_before=None):
        """Uploading images, of a host, or whose lease ended before then.

        An upload without a heartbeat counts as renewed when the image
        last changed.
        """

    @abc.abstractmethod
    def reset_upload(self, image_id, host, pid, heartbeat_before=None):
        """Return a dead upload's image to queued, forgetting its data.

        Only while that same upload (and, given heartbeat_before, its
        expired lease) is still there; False when it was not.
        """

    @abc.abstractmethod
    def set_location(self, image_id, cloud_id, values):
        """Create or update the location of an image in a cloud."""

    @abc.abstractmethod
    def tracked_remote_ids(self, cloud_id, project_id=None):
        """``{remote_id: image_id}`` of the locations in a cloud."""

    @abc.abstractmethod
    def delete_location(self, image_id, cloud_id):
        """Forget an image's location in a cloud."""

    # Jobs

    @abc.abstractmethod
    def create_job(self, values, target_cloud_ids):
        """Create a pending job; ImageBusy if the image has an active one.

        Also moves the image to values['image_status'] when given, in the
        same transaction, so the lock and the state change are one step;
        ``values['image_values']`` (a metadata change) is written to the
        image in that step too.
        """

    @abc.abstractmethod
    def get_job(self, job_id, project_id=None):
        """A job with its targets; JobNotFound if not visible."""

    @abc.abstractmethod
    def list_jobs(self, project_id=None, filters=None, marker=None,
                  limit=None):
        """Jobs, newest first, with filters image_id and state.

        A filter value may be a list: any of its values matches.
        """

    @abc.abstractmethod
    def update_job(self, job_id, values, expected_state=None):
        """Update a job, only if its state is one of expected_state."""

    @abc.abstractmethod
    def update_job_target(self, job_id, cloud_id, values):
        """Update one target's progress, state or error."""

    @abc.abstractmethod
    def list_ended_jobs_with_trust(self):
        """Ended jobs whose trust is not recorded deleted."""

    @abc.abstractmethod
    def list_stale_staging(self, older_than):
        """Images with staged data, no active job, unchanged since then."""
