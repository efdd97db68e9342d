"""AWS VM Import: an image through S3 and ``ec2:ImportImage``.

The other way in (the default is the EBS direct APIs, see
:mod:`ciming.drivers.aws_ebs`): for VMDK, VHD, VHDX or OVA images that
need AWS's own import service (it injects the drivers an instance
needs), and raw ones when asked. The data is streamed as an S3
multipart upload to the cloud's ``import_bucket`` in parts of ``[aws]
import_part_size`` MiB (one part in memory at a time), AWS imports the
object with the service role ``import_role_name`` (``vmimport`` by
default), CIMinG polls the import task and tags the AMI it made. The S3
object is deleted whatever the outcome.

Chosen by the cloud option ``import_method`` (``ebs-direct`` or
``vm-import``) or, per image, the property ``ciming_aws_import_method``.

The remote id while the data goes in is ``vmimport:<S3 key>``; the key
names the image, so a resumed job or a revert finds the upload and the
import task again. Data and parameters the import needs travel with the
S3 object (its metadata and tags), not in the conductor's memory.
"""

import json
import re
import uuid

from botocore import exceptions as botocore_exc
import jsonschema
from oslo_log import log

from ciming.common import exception
from ciming.conf import CONF
from ciming.drivers import aws_ami
from ciming.drivers import aws_s3

LOG = log.getLogger(__name__)

EBS_DIRECT = 'ebs-direct'
VM_IMPORT = 'vm-import'
METHODS = (EBS_DIRECT, VM_IMPORT)
METHOD_PROPERTY = 'ciming_aws_import_method'
DEFAULT_ROLE = 'vmimport'
# Disk formats VM Import takes as they are (an OVA is a vmdk image in
# an ``ova`` container).
FORMATS = ('raw', 'vmdk', 'vhd', 'vhdx')
_AWS_FORMATS = {'raw': 'RAW', 'vmdk': 'VMDK', 'vhd': 'VHD',
                'vhdx': 'VHDX'}
FORMAT_TAG = aws_ami.IMPORT_FORMAT_TAG
SOURCE_SHA512_TAG = 'ciming-source-sha512'
PREFIX = 'vmimport:'
_KEY_PREFIX = 'ciming-import/'
_KEY = re.compile(r'^ciming-import/[A-Za-z0-9_-]{1,64}/[0-9a-f]{32}'
                  r'\.(raw|vmdk|vhd|vhdx|ova)\Z')
_META_PARAMS = 'ciming-params'
_MAX_PARAMS = 1800  # S3 user metadata is 2 KB in all

# The options of an aws cloud this path reads (the AWS naming rules for
# buckets and IAM roles, no dotted buckets: they break virtual-host TLS).
OPTIONS_SCHEMA = {
    'type': 'object',
    'properties': {
        'import_method': {'type': 'string', 'enum': list(METHODS)},
        'import_bucket': {'type': 'string', 'minLength': 3,
                          'maxLength': 63,
                          'pattern': r'^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]\Z'},
        'import_role_name': {'type': 'string', 'minLength': 1,
                             'maxLength': 64,
                             'pattern': r'^[A-Za-z0-9+=,.@_-]+\Z'},
    },
}
OPTIONS = tuple(OPTIONS_SCHEMA['properties'])
# What AWS answers for an object, upload or task already gone.
_GONE = ('NoSuchKey', 'NoSuchUpload', 'NotFound', '404',
         'InvalidConversionTaskId', 'InvalidConversionTaskId.Malformed')


def check_options(options):
    """Refuse VM Import options of the wrong shape; name the rule only."""
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(OPTIONS_SCHEMA).iter_errors(
            {k: v for k, v in options.items() if k in OPTIONS}))
    if error is not None:
        where = '/'.join(str(p) for p in error.absolute_path) or 'top'
        raise exception.InvalidParameterValue(
            err='aws cloud option %s breaks the rule %s'
                % (where, error.validator))
    if options.get('import_method') == VM_IMPORT \
            and not options.get('import_bucket'):
        raise exception.InvalidParameterValue(
            err='import_method vm-import needs an import_bucket.')


def accepted_formats(options):
    """Raw for the EBS direct APIs; VM Import's formats as well."""
    if options.get('import_method') == VM_IMPORT:
        return FORMATS
    return ('raw',)


def method(options, properties):
    """The import method for an image: its property, else the cloud's."""
    chosen = (properties or {}).get(METHOD_PROPERTY)
    if chosen is None:
        return options.get('import_method') or EBS_DIRECT
    if chosen not in METHODS:
        raise ValueError('%s must be one of %s'
                         % (METHOD_PROPERTY, ', '.join(METHODS)))
    return chosen


def choose(options, meta):
    """The import method for an image; ValueError if it cannot be."""
    chosen = method(options, meta.properties)
    if chosen == EBS_DIRECT and meta.disk_format not in (None, 'raw'):
        raise ValueError('the EBS direct APIs take raw data, not %s '
                         '(import_method vm-import takes it)'
                         % meta.disk_format)
    return chosen


def is_remote_id(remote_id):
    return (isinstance(remote_id, str) and remote_id.startswith(PREFIX)
            and bool(_KEY.match(remote_id[len(PREFIX):])))


def _aws_format(disk_format, container_format):
    if disk_format == 'vmdk' and container_format == 'ova':
        return 'OVA', 'ova'
    if disk_format not in _AWS_FORMATS:
        return None, None
    return _AWS_FORMATS[disk_format], disk_format


def _tags_of(found):
    return {t['Key']: t['Value'] for t in found.get('TagSet')
            or found.get('Tags') or ()}


class VmImportMixin:
    """The VM Import half of the AWS driver (prepare, write, finalize)."""

    def _s3(self):
        return self.account.client('s3')

    def _bucket(self):
        bucket = self.options.get('import_bucket')
        if not bucket:
            raise self._error('VM Import needs the cloud option '
                              'import_bucket')
        return bucket

    def _vm_prepare(self, image_id, meta, params, tags):
        """Start the multipart upload the data goes to; its remote id."""
        aws_format, ext = _aws_format(meta.disk_format,
                                      meta.container_format)
        if aws_format is None:
            raise self._error('VM Import does not take %s images'
                              % meta.disk_format)
        if not re.match(r'^[A-Za-z0-9_-]{1,64}\Z', image_id or ''):
            raise self._error('image id %s cannot name an S3 key' % image_id)
        key = '%s%s/%s.%s' % (_KEY_PREFIX, image_id, uuid.uuid4().hex, ext)
        carried = {}
        for name, value in tags.items():
            trial = dict(carried, **{name: value})
            if len(json.dumps({'p': params, 't': trial})) > _MAX_PARAMS:
                break
            carried = trial
        self._call(
            'start the upload of %s' % key, self._s3().create_multipart_upload,
            Bucket=self._bucket(), Key=key,
            Metadata={_META_PARAMS: json.dumps({'p': params, 't': carried})},
            Tagging='%s=%s&%s=%s' % (aws_ami.ID_TAG, image_id, FORMAT_TAG,
                                     aws_format))
        return PREFIX + key

    def _upload_id(self, key):
        found = self._call('find the upload of %s' % key,
                           self._s3().list_multipart_uploads,
                           Bucket=self._bucket(), Prefix=key)
        uploads = [u for u in found.get('Uploads') or ()
                   if u.get('Key') == key]
        return [u['UploadId'] for u in uploads]

    def _vm_write(self, remote_id, chunks):
        """Upload the data in parts; record its size and hashes on it."""
        key = remote_id[len(PREFIX):]
        uploads = self._upload_id(key)
        if not uploads:
            raise self._error('no upload in progress for %s' % key)
        upload_id = uploads[0]
        s3, bucket = self._s3(), self._bucket()
        try:
            sent = aws_s3.PartUploader(
                self._call, self._error, s3, bucket, key, upload_id,
                CONF.aws.import_part_size * aws_s3.MiB).upload(chunks)
        except BaseException:
            self._abort_upload(key, upload_id)
            raise
        self._call('tag %s' % key, s3.put_object_tagging, Bucket=bucket,
                   Key=key, Tagging={'TagSet': aws_ami.tag_list({
                       aws_ami.ID_TAG: key.split('/')[1],
                       FORMAT_TAG: _AWS_FORMATS.get(key.rsplit('.', 1)[1],
                                                    'OVA'),
                       aws_ami.SIZE_TAG: sent.size,
                       aws_ami.MD5_TAG: sent.md5.hexdigest(),
                       aws_ami.SHA512_TAG: sent.sha512.hexdigest()})})
        return sent.size

    def _abort_upload(self, key, upload_id):
        try:
            self._call('abort the upload of %s' % key,
                       self._s3().abort_multipart_upload,
                       Bucket=self._bucket(), Key=key, UploadId=upload_id,
                       passthrough=_GONE)
        except Exception:  # the failure that brought us here matters more
            pass

    def _import_tasks(self, key, states=('active',)):
        found = self._call('list import tasks',
                           self._ec2().describe_import_image_tasks,
                           Filters=[{'Name': 'task-state',
                                     'Values': list(states)}])
        return [t for t in found.get('ImportImageTasks') or ()
                if _tags_of(t).get('ciming-s3-key') == key]

    def _vm_finalize(self, remote_id, expected):
        key = remote_id[len(PREFIX):]
        try:
            return self._vm_import(key, expected)
        finally:
            # Whatever happened: a failure to delete is only logged, the
            # import's own outcome is what counts.
            try:
                self._delete_object(key)
            except exception.CimingException as exc:
                LOG.warning('Cloud %(cloud)s: could not delete '
                            's3://%(bucket)s/%(key)s: %(error)s',
                            {'cloud': self.name, 'bucket': self._bucket(),
                             'key': key, 'error': exc})

    def _vm_import(self, key, expected):
        s3, bucket = self._s3(), self._bucket()
        held = _tags_of(self._call('read the tags of %s' % key,
                                   s3.get_object_tagging, Bucket=bucket,
                                   Key=key))
        image_id = held.get(aws_ami.ID_TAG)
        for field, tag in (('size', aws_ami.SIZE_TAG),
                           ('checksum', aws_ami.MD5_TAG),
                           ('os_hash_value', aws_ami.SHA512_TAG)):
            want = getattr(expected, field)
            if want is not None and str(want) != held.get(tag):
                raise self._error('%s holds %s %s, expected %s' % (
                    key, field, held.get(tag), want))
        head = self._call('read %s' % key, s3.head_object, Bucket=bucket,
                          Key=key)
        stored = json.loads((head.get('Metadata') or {}).get(
            _META_PARAMS) or '{}')
        running = self._import_tasks(key, ('active', 'completed'))
        if running:  # a resumed finalize: that task, not a second one
            task_id = running[0]['ImportTaskId']
        else:
            task_id = self._start_import(key, image_id, held,
                                         stored.get('p') or {})
        ami_id = self._wait_imported(task_id)
        tags = dict(stored.get('t') or {})
        tags.update({aws_ami.ID_TAG: image_id,
                     aws_ami.NAME_TAG: expected.name or image_id,
                     FORMAT_TAG: held.get(FORMAT_TAG),
                     SOURCE_SHA512_TAG: held.get(aws_ami.SHA512_TAG)})
        if self._one_identity:
            tags[aws_ami.OWNER_TAG] = self.project_id
        try:
            ami = self._wait_available(ami_id)
            self._call('tag image %s' % ami_id, self._ec2().create_tags,
                       Resources=[ami_id] + aws_ami.snapshots_of(ami),
                       Tags=aws_ami.tag_list(tags))
        except Exception:
            self.delete(ami_id)
            raise
        image = aws_ami.normalize(ami)
        # What was uploaded and checked; AWS converted it in the AMI.
        image.name = tags[aws_ami.NAME_TAG]
        image.disk_format = expected.disk_format
        image.size = int(held[aws_ami.SIZE_TAG])
        image.checksum = held[aws_ami.MD5_TAG]
        image.os_hash_algo = 'sha512'
        image.os_hash_value = held[aws_ami.SHA512_TAG]
        return image

    def _start_import(self, key, image_id, held, params):
        disk = {'Description': 'CIMinG image %s' % image_id,
                'Format': held.get(FORMAT_TAG),
                'UserBucket': {'S3Bucket': self._bucket(), 'S3Key': key}}
        extra = {k: params[k] for k in ('Architecture', 'BootMode')
                 if params.get(k)}
        started = self._call(
            'import image %s' % image_id, self._ec2().import_image,
            Description='CIMinG image %s' % image_id,
            DiskContainers=[disk],
            RoleName=self.options.get('import_role_name') or DEFAULT_ROLE,
            TagSpecifications=[{
                'ResourceType': 'import-image-task',
                'Tags': aws_ami.tag_list({aws_ami.ID_TAG: image_id,
                                          'ciming-s3-key': key})}],
            **extra)
        return started['ImportTaskId']

    def _wait_imported(self, task_id):
        def check():
            found = self._call(
                'read import task %s' % task_id,
                self._ec2().describe_import_image_tasks,
                ImportTaskIds=[task_id]).get('ImportImageTasks') or ()
            if not found:
                raise self._error('import task %s is gone' % task_id)
            task = found[0]
            status = task.get('Status')
            if status == 'completed' and task.get('ImageId'):
                return task['ImageId']
            if status in ('deleting', 'deleted') or status == 'completed':
                raise self._error('import task %s %s: %s' % (
                    task_id, status, task.get('StatusMessage', '')))
            return None
        return self._wait('import task %s' % task_id, check,
                          CONF.aws.import_timeout)

    def _delete_object(self, key):
        try:
            self._call('delete %s' % key, self._s3().delete_object,
                       Bucket=self._bucket(), Key=key, passthrough=_GONE)
        except botocore_exc.ClientError:
            pass  # already gone

    def _vm_delete(self, remote_id):
        """Cancel the import, abort the upload, delete the object."""
        key = remote_id[len(PREFIX):]
        for task in self._import_tasks(key):
            try:
                self._call('cancel import task %s' % task['ImportTaskId'],
                           self._ec2().cancel_import_task,
                           ImportTaskId=task['ImportTaskId'],
                           CancelReason='CIMinG job reverted',
                           passthrough=_GONE)
            except botocore_exc.ClientError:
                pass  # already over
        for upload_id in self._upload_id(key):
            self._abort_upload(key, upload_id)
        self._delete_object(key)
