"""The ``glance`` part of the upload benchmark (see upload_bench.py).

CIMinG's create-from-upload to 1 and to 3 Glances of tools/functional,
against a direct ``curl`` upload of the same file to one Glance (create
the image, ``PUT`` its data, until active) and, to show what the Glances
can take at once, direct uploads to the three at once. Every copy is
checked (each target's sha512 against the file's) and deleted.

Each run also counts CPU seconds: the Glance servers' (gunicorn master
and workers, from the pid files of tools/functional), CIMinG's API and
conductor (with its workers), and the ``curl`` processes. On a machine
of few cores every Glance target hashing and writing its copy competes
for the same CPUs as CIMinG: these figures tell the two apart.
"""

import json
import os
import time

import openstack_bench as osb
import upload_bench

ALL = ['r1', 'r2', 'beta']
GLANCE_DIRS = {'r1': 'alpha-glance-r1', 'r2': 'alpha-glance-r2',
               'beta': 'beta-glance'}
POLL = 0.25


# curl's --limit-rate for every upload (--client-rate), or None.
CLIENT_RATE = None


def upload_direct(env, path, copies, targets, chunked=True):
    """``curl`` the file to each target at once, until all active.

    Chunked by default: Glance spends less CPU on a chunked body than on
    one sent with its length (``curl -T file``), so it is the stronger
    baseline.
    """
    start = time.monotonic()
    for where in targets:
        glance = env.glances[where]
        copies.append((glance, glance.create('bench-upload-direct')))
    curls = [upload_bench.curl_put(g._url('/v2/images/%s/file' % image_id),
                                   path, {'X-Auth-Token': g.token},
                                   chunked=chunked, rate=CLIENT_RATE)
             for g, image_id in copies]
    client_cpu = 0.0
    for curl in curls:
        code, cpu = upload_bench.wait_cpu(curl)
        client_cpu += cpu
        if code != 0:
            raise RuntimeError('curl could not upload to Glance (%s)' % code)
    for glance, image_id in copies:
        glance.wait_active(image_id)
    return time.monotonic() - start, client_cpu


def upload_direct_with_length(env, path, copies, targets):
    return upload_direct(env, path, copies, targets, chunked=False)


def _poll(client, path, done):
    """GET ``path`` every POLL seconds until ``done(answer)``."""
    while True:
        try:
            answer = client.get(path)
            if done(answer):
                return answer
        except (osb.func_base.APIError, osb.requests.ConnectionError) as exc:
            # The shared Keystone, overloaded, refuses a connection now
            # and then: ask again.
            osb.log('polling %s: %s' % (path, exc))
        time.sleep(POLL)


def upload_ciming(env, path, copies, targets):
    """Create, ``curl -T`` to CIMinG, until the image is active.

    Then (not timed) until its job ended: the image is active a moment
    before, while the job releases its trust. A target linked to a copy
    already there (same sha512: a leftover of a failed run) would make
    the run meaningless, and fails it.
    """
    client = env.client
    start = time.monotonic()
    image = client.post('/v1/images', {
        'name': 'bench-upload', 'disk_format': 'raw',
        'container_format': 'bare',
        'targets': [env.clouds[t] for t in targets]})
    try:
        credentials = env.credentials(targets)
        headers = {'X-Auth-Token': env.alpha_session.get_token()}
        if credentials:
            headers.update(osb.test_openstack.credentials_header(
                credentials))
        answer = os.path.join(os.path.dirname(path), 'put-answer.json')
        code, client_cpu = upload_bench.wait_cpu(upload_bench.curl_put(
            '%s/v1/images/%s/file' % (client.endpoint, image['id']), path,
            headers, output=answer, rate=CLIENT_RATE))
        if code != 0:
            raise RuntimeError('curl could not upload to CIMinG (%s)' % code)
        with open(answer) as job:
            job_id = json.load(job)['id']
        image = _poll(client, '/v1/images/%s' % image['id'],
                      lambda i: i['status'] in ('active', 'partial',
                                                'error', 'killed'))
        seconds = time.monotonic() - start
        job = _poll(client, '/v1/jobs/%s' % job_id,
                    lambda j: j['state'] in ('succeeded', 'partial',
                                             'failed', 'cancelled'))
    finally:
        _find_copies(env, image['id'], targets, copies)
        client.delete('/v1/images/%s' % image['id'], expect=None)
    linked = [t for t in job['targets'] if t['state'] != 'active']
    if image['status'] != 'active' or linked:
        raise RuntimeError('CIMinG image %s is %s, targets not copied: %s'
                           % (image['id'], image['status'], linked))
    return seconds, client_cpu


def _find_copies(env, image_id, targets, copies):
    """The copies CIMinG made of ``image_id``, by their property."""
    for where in targets:
        glance = env.glances[where]
        resp = osb.requests.get(
            glance._url('/v2/images?ciming_image_id=%s' % image_id),
            headers={'X-Auth-Token': glance.token})
        if resp.ok:
            copies.extend((glance, found['id'])
                          for found in resp.json()['images'])


METHODS = {'direct': upload_direct, 'direct-length': upload_direct_with_length,
           'ciming': upload_ciming}


def measure(env, method, path, sha512, targets):
    """One run, its copies checked and deleted; returns a row."""
    upload_bench.settle()
    meters = osb.CPUAccount(env)
    copies = []
    try:
        seconds, client_cpu = METHODS[method](env, path, copies, targets)
        cpu = meters.seconds()
        if len(copies) != len(targets):
            raise RuntimeError('%s made %d copies for %d targets'
                               % (method, len(copies), len(targets)))
        for glance, image_id in copies:
            got = glance.get(image_id).get('os_hash_value')
            if got != sha512:
                raise RuntimeError('%s copy in %s has sha512 %s, not %s'
                                   % (method, glance.name, got, sha512))
    finally:
        for glance, image_id in copies:
            glance.delete(image_id)
    return {'seconds': seconds, 'client_cpu': client_cpu,
            'glance_cpu': {w: cpu[name] for w, name in GLANCE_DIRS.items()},
            'ciming_cpu': {k: v for k, v in cpu.items()
                           if k.startswith('ciming')}}


def cases(one):
    """(label, method, targets): one Glance, then all three."""
    return (('direct, 1 Glance', 'direct', [one]),
            ('direct, 1 Glance, curl -T file', 'direct-length', [one]),
            ('direct, 3 Glances at once', 'direct', ALL),
            ('CIMinG, 1 target', 'ciming', [one]),
            ('CIMinG, 3 targets', 'ciming', ALL))


def run(args, workdir):
    """Every case ``args.repeat`` times, in turn; the best of each kept."""
    global CLIENT_RATE
    CLIENT_RATE = args.client_rate
    size = args.size_mib * upload_bench.MiB
    path = os.path.join(workdir, 'glance-%dMiB.raw' % args.size_mib)
    print('writing %s (%d MiB of random data)...' % (path, args.size_mib),
          flush=True)
    sha512 = upload_bench.write_random_file(path, size)
    env = osb.Environment(config={'api': {
        'copy_during_upload': not args.no_copy_during_upload}}).start()
    todo = cases(args.glance)
    runs = {label: [] for label, _method, _targets in todo}
    try:
        for round_no in range(args.repeat):
            for label, method, targets in todo:
                for attempt in range(osb.ATTEMPTS):
                    try:
                        row = measure(env, method, path, sha512, targets)
                        break
                    except Exception as exc:  # noqa: B902 - shared servers
                        osb.log('round %d %s: attempt %d failed: %s'
                                % (round_no + 1, label, attempt + 1, exc))
                else:
                    raise RuntimeError('%s failed %d times'
                                       % (label, osb.ATTEMPTS))
                runs[label].append(row)
                print('round %d %-31s %7.2f s' % (round_no + 1, label,
                                                  row['seconds']),
                      flush=True)
    finally:
        env.stop()
    results = {}
    for label, rows in runs.items():
        best = min(rows, key=lambda r: r['seconds'])
        results[label] = dict(best, runs=[r['seconds'] for r in rows])
    direct = results['direct, 1 Glance']['seconds']
    for label in results:
        results[label]['ratio_to_direct'] = results[label]['seconds'] / direct
    three = results['CIMinG, 3 targets']
    three['ratio_to_direct_3'] = (
        three['seconds'] / results['direct, 3 Glances at once']['seconds'])
    return {'size': size, 'glance': args.glance, 'cases': results}


def report(results, args):
    size = results['size']
    print()
    print('CIMinG create-from-upload to Glance targets (tools/functional; '
          'curl -T) vs a direct curl upload to one Glance; %d MiB, best of '
          '%d%s' % (size // upload_bench.MiB, args.repeat,
                    '; every upload at most %s/s (curl --limit-rate)'
                    % args.client_rate if args.client_rate else ''))
    header = ('%-31s %8s %7s %7s  %-20s %7s %7s %6s'
              % ('', 'best s', 'MiB/s', 'ratio', 'Glance CPU s r1/r2/beta',
                 'API', 'cond.', 'curl'))
    print(header)
    print('-' * len(header))
    for label, row in results['cases'].items():
        glance = row['glance_cpu']
        print('%-31s %8.2f %7.1f %7.2f  %6.2f %6.2f %6.2f %7.2f %7.2f %6.2f'
              % (label, row['seconds'],
                 size / upload_bench.MiB / row['seconds'],
                 row['ratio_to_direct'], glance['r1'], glance['r2'],
                 glance['beta'], row['ciming_cpu']['ciming-api'],
                 row['ciming_cpu']['ciming-conductor'], row['client_cpu']))
    print()
    runs = '; '.join('%s %s' % (label, ' '.join('%.2f' % s
                                                for s in row['runs']))
                     for label, row in results['cases'].items())
    print('ratio: to "direct, 1 Glance" (%s); runs: %s'
          % (results['glance'], runs))
    print('CPU s: of the best run, user + system; Glance: the gunicorn '
          'master and workers of each Glance (the shared environment: '
          'other users count too)')
    three = results['cases']['CIMinG, 3 targets']
    print('goal 3 targets <= %.1f x direct to one: %s (%.2f); 3 targets '
          '/ direct to the 3 at once: %.2f'
          % (upload_bench.RATIO_GOAL, 'met'
             if three['ratio_to_direct'] <= upload_bench.RATIO_GOAL
             else 'NOT met', three['ratio_to_direct'],
             three['ratio_to_direct_3']))
