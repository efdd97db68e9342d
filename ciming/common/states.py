"""The states of images, locations, jobs and job targets, in one place.

This module owns the state machines: which moves are allowed, and the
rule that gives an image its status from its locations and its staged
data. The API and the conductor both use it, so the rule is written once.
"""

# Image: the record as a whole.
IMAGE_QUEUED = 'queued'          # created, waiting for its data
IMAGE_UPLOADING = 'uploading'    # data streaming into the staging area
IMAGE_IMPORTING = 'importing'    # a job copies it to its targets
IMAGE_ACTIVE = 'active'          # every requested target holds it
IMAGE_PARTIAL = 'partial'        # some targets hold it, some failed
IMAGE_ERROR = 'error'            # no target holds it
IMAGE_STATUSES = (IMAGE_QUEUED, IMAGE_UPLOADING, IMAGE_IMPORTING,
                  IMAGE_ACTIVE, IMAGE_PARTIAL, IMAGE_ERROR)

# Location: the image in one cloud.
LOC_PENDING = 'pending'
LOC_COPYING = 'copying'
LOC_ACTIVE = 'active'
LOC_MISSING = 'missing'
LOC_CHECKSUM_MISMATCH = 'checksum_mismatch'
LOC_ERROR = 'error'
LOCATION_STATES = (LOC_PENDING, LOC_COPYING, LOC_ACTIVE, LOC_MISSING,
                   LOC_CHECKSUM_MISMATCH, LOC_ERROR)

# Job.
JOB_PENDING = 'pending'
JOB_RUNNING = 'running'
JOB_SUCCEEDED = 'succeeded'
JOB_PARTIAL = 'partial'
JOB_FAILED = 'failed'
JOB_CANCELLING = 'cancelling'
JOB_CANCELLED = 'cancelled'
# Its conductor died with the per-request credentials it needs.
JOB_AWAITING_CREDENTIALS = 'awaiting_credentials'
JOB_ACTIVE_STATES = (JOB_PENDING, JOB_RUNNING, JOB_CANCELLING,
                     JOB_AWAITING_CREDENTIALS)
JOB_FINAL_STATES = (JOB_SUCCEEDED, JOB_PARTIAL, JOB_FAILED, JOB_CANCELLED)
JOB_STATES = JOB_ACTIVE_STATES + JOB_FINAL_STATES

# Job target: one job's work in one cloud.
TARGET_PENDING = 'pending'
TARGET_COPYING = 'copying'
TARGET_ACTIVE = 'active'
TARGET_LINKED = 'linked'         # already there with the same hash
TARGET_FAILED = 'failed'
TARGET_CANCELLED = 'cancelled'

# Job actions.
ACTION_IMPORT_UPLOAD = 'import_upload'
ACTION_SYNC = 'sync'
ACTION_IMPORT_URL = 'import_url'
# Jobs that change the metadata of the copies, not their data.
ACTION_UPDATE = 'update'
ACTION_DEPRECATE = 'deprecate'
ACTION_UNDEPRECATE = 'undeprecate'
METADATA_ACTIONS = (ACTION_UPDATE, ACTION_DEPRECATE, ACTION_UNDEPRECATE)

# Target states that count as the image being in the cloud.
TARGET_DONE_STATES = (TARGET_ACTIVE, TARGET_LINKED)

# Allowed moves. An image moves to ``importing`` when a job is recorded
# for it, and leaves it when the job is settled; linking a location or
# settling after a refresh or a staging cleanup moves between the resting
# states.
IMAGE_RESTING_STATES = (IMAGE_QUEUED, IMAGE_ACTIVE, IMAGE_PARTIAL, IMAGE_ERROR)
IMAGE_TRANSITIONS = {
    IMAGE_QUEUED: (IMAGE_UPLOADING, IMAGE_IMPORTING) + IMAGE_RESTING_STATES,
    IMAGE_UPLOADING: (IMAGE_QUEUED, IMAGE_IMPORTING),
    IMAGE_IMPORTING: IMAGE_RESTING_STATES,
    IMAGE_ACTIVE: (IMAGE_IMPORTING,) + IMAGE_RESTING_STATES,
    IMAGE_PARTIAL: (IMAGE_IMPORTING,) + IMAGE_RESTING_STATES,
    IMAGE_ERROR: (IMAGE_IMPORTING,) + IMAGE_RESTING_STATES,
}
JOB_TRANSITIONS = {
    JOB_PENDING: (JOB_RUNNING, JOB_CANCELLED, JOB_AWAITING_CREDENTIALS),
    # A conductor that takes a job over moves it to where it was.
    JOB_RUNNING: (JOB_RUNNING, JOB_CANCELLING, JOB_AWAITING_CREDENTIALS)
    + JOB_FINAL_STATES,
    JOB_CANCELLING: (JOB_CANCELLING,) + JOB_FINAL_STATES,
    JOB_AWAITING_CREDENTIALS: (JOB_PENDING,),
    JOB_SUCCEEDED: (),
    JOB_PARTIAL: (),
    JOB_FAILED: (),
    JOB_CANCELLED: (),
}


def image_states_leading_to(status):
    """The image states allowed to move to ``status``."""
    return [s for s, moves in IMAGE_TRANSITIONS.items() if status in moves]


def job_states_leading_to(state):
    """The job states allowed to move to ``state``."""
    return [s for s, moves in JOB_TRANSITIONS.items() if state in moves]


def image_status(location_states, staged, tried=True):
    """An image's status from where its data is.

    Active in every location: ``active``; in some: ``partial``. Nowhere
    and not staged: ``queued``, it waits for an upload again. Only staged:
    ``error`` after a job tried to copy it, ``partial`` when no job did
    (a pending job was cancelled).
    """
    location_states = list(location_states)
    active = location_states.count(LOC_ACTIVE)
    if active and active == len(location_states):
        return IMAGE_ACTIVE
    if active:
        return IMAGE_PARTIAL
    if not staged:
        return IMAGE_QUEUED
    return IMAGE_ERROR if tried else IMAGE_PARTIAL


def job_outcome(target_states):
    """A job's final state from its targets': all, some or none done."""
    target_states = list(target_states)
    done = sum(s in TARGET_DONE_STATES for s in target_states)
    if done == len(target_states):
        return JOB_SUCCEEDED
    return JOB_PARTIAL if done else JOB_FAILED
