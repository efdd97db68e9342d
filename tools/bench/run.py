#!/usr/bin/env python3
"""Run one benchmark scenario: ``run.py SCENARIO [OPTIONS]``.

``upload`` is tools/bench/upload_bench.py (the all-in-one and its local
clouds, then the Glances of tools/functional); ``glance-to-glance`` and
``fan-out`` are tools/bench/openstack_bench.py (the environment of
tools/functional); ``aws`` is tools/bench/aws_bench.py (the all-in-one
and moto's server); ``jobs`` is tools/bench/jobs_bench.py (a split
deployment on the environment of tools/functional); ``api`` is
tools/bench/api_bench.py (the environment of tools/functional and a
split deployment).
Options go to the scenario's script; ``run.py SCENARIO --help`` lists
them. See tools/bench/README.rst.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = {
    'upload': ['upload_bench.py'],
    'glance-to-glance': ['openstack_bench.py', 'glance-to-glance'],
    'fan-out': ['openstack_bench.py', 'fan-out'],
    'requests': ['openstack_bench.py', 'requests'],
    'footprint': ['openstack_bench.py', 'footprint'],
    'jobs': ['jobs_bench.py'],
    'gcp': ['gcp_bench.py'],
    'aws': ['aws_bench.py'],
    'api': ['api_bench.py'],
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in SCENARIOS:
        sys.exit('usage: %s {%s} [OPTIONS]'
                 % (sys.argv[0], ','.join(sorted(SCENARIOS))))
    script, *args = SCENARIOS[sys.argv[1]]
    sys.exit(subprocess.call([sys.executable, os.path.join(HERE, script)]
                             + args + sys.argv[2:]))


if __name__ == '__main__':
    main()
