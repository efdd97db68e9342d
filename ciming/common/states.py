"""The states of images, locations, jobs and job targets, in one place."""

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
