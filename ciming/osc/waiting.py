"""Waiting for jobs and showing progress on stderr."""

import sys
import time

from ciming.client import exceptions
from ciming.osc import formatting


def job_progress(job):
    """One line on a job: its state and every target's progress."""
    return '%s %s: %s' % (job['id'][:8], job['state'], '; '.join(
        '%s %s %s' % (t.get('cloud_name') or t.get('cloud_id'), t['state'],
                      formatting.progress_text(t))
        for t in job.get('targets') or ()))


class ProgressBar:
    """An upload bar on stderr: ``[#####     ]  50% 32.0/64.0 MiB``."""

    WIDTH = 30

    def __init__(self, stream=None, min_interval=0.1, clock=time.monotonic):
        self.stream = stream or sys.stderr
        self.min_interval = min_interval
        self.clock = clock
        self._last = None

    def __call__(self, done, total):
        now = self.clock()
        final = total is not None and done >= total
        if not final and self._last is not None and (
                now - self._last < self.min_interval):
            return
        self._last = now
        if total:
            filled = self.WIDTH * done // total
            line = '[%s%s] %3d%% %s/%s MiB' % (
                '#' * filled, ' ' * (self.WIDTH - filled),
                done * 100 // total, formatting.mib(done),
                formatting.mib(total))
        else:
            line = '%s MiB sent' % formatting.mib(done)
        self.stream.write('\r' + line)
        if final:
            self.stream.write('\n')
        self.stream.flush()


class JobStatusLine:
    """A job's progress on stderr as it waits.

    On a terminal one line is rewritten in place; elsewhere (a log, a
    pipe) only the last state is written, once, at the end.
    """

    def __init__(self, stream):
        self.stream = stream
        isatty = getattr(stream, 'isatty', None)
        self.tty = bool(isatty and isatty())
        self.line = None
        self._width = 0

    def __call__(self, job):
        line = job_progress(job)
        if line == self.line:
            return
        self.line = line
        if self.tty:
            padding = ' ' * max(self._width - len(line), 0)
            self._width = len(line)
            self.stream.write('\r' + line + padding)
            self.stream.flush()

    def close(self):
        if self.line is None:
            return
        if self.tty:
            self.stream.write('\n')
        else:
            self.stream.write(self.line + '\n')
        self.stream.flush()


class WaitFailed(exceptions.ClientException):
    """Waiting for a job ended without its success."""


def wait_for_job(client, job, timeout=None, stream=None, interval=1.0,
                 image_id=None):
    """Wait for a job, showing its progress on stderr.

    Raises :class:`WaitFailed` when the job does not succeed, or is still
    running after ``timeout`` seconds (it goes on in the service), so the
    command exits non-zero; the message names the job and the image.
    """
    status = JobStatusLine(stream or sys.stderr)
    try:
        final = client.wait_for_job(job['id'], timeout=timeout,
                                    callback=status, interval=interval)
    except exceptions.JobTimeout as exc:
        status.close()
        state = exc.job['state'] if exc.job else 'running'
        raise WaitFailed(
            'Timed out after %ss waiting for job %s%s (still %s); it goes '
            'on in the service: follow it with "job show %s --wait"' % (
                timeout, job['id'],
                ' of image %s' % image_id if image_id else '', state,
                job['id']))
    status.close()
    if final['state'] != 'succeeded':
        errors = [final.get('error')] + [
            '%s: %s' % (t.get('cloud_name'), t['error'])
            for t in final.get('targets') or () if t.get('error')]
        raise WaitFailed('Job %s%s ended %s: %s' % (
            final['id'], ' of image %s' % image_id if image_id else '',
            final['state'],
            '; '.join(e for e in errors if e) or 'no error given'))
    return final


def wait_or_fail_later(command, client, job, parsed_args, image_id=None):
    """Wait for a job; on failure print the result, then exit non-zero.

    The command still prints what it shows (the image, its id), then fails
    with the message. Returns the final job, or None when the wait failed.
    """
    try:
        return wait_for_job(client, job, parsed_args.timeout,
                            stream=command.app.stderr, image_id=image_id)
    except WaitFailed as exc:
        command.failure = exc
        return None
