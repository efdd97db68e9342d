"""The import rules of ``ciming/``: imports flow one way.

    api → conductor.rpcapi  (and, through one door, driver facts)
    conductor.manager → executor → jobboard, persistence → flows → tasks
        → runtime, cloud_access, utils → drivers → common, conf
    db → common, conf

Each rule is a test, so that it holds from now on. Modules are read with
``ast``: nothing is imported to check them.
"""

import ast
import os

import testtools

_TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
_PACKAGE = os.path.join(_TOP, 'ciming')

# The one API module that may import from ciming.drivers.
API_DOOR_TO_DRIVERS = 'ciming.api.cloud_types'
MAX_LINES = 350

# Which top-level packages each package may import (besides itself).
ALLOWED = {
    'api': {'common', 'conf', 'db', 'policies', 'conductor', 'drivers'},
    'client': set(),
    'cmd': {'api', 'common', 'conductor', 'conf', 'db', 'drivers'},
    'common': {'conf', 'policies'},
    'conductor': {'common', 'conf', 'db', 'drivers'},
    'conf': set(),
    'db': {'common', 'conf'},
    'drivers': {'common', 'conf'},
    'hacking': set(),
    'osc': {'client'},
    'policies': set(),
    'wsgi': {'api', 'common', 'conf', 'db'},
}

# Inside the conductor: what each layer must not import.
CONDUCTOR_LAYERS = {
    'ciming.conductor.manager': ('ciming.conductor.tasks',
                                 'ciming.conductor.flows'),
    'ciming.conductor.executor': ('ciming.conductor.tasks',
                                  'ciming.conductor.flows',
                                  'ciming.conductor.manager'),
    'ciming.conductor.jobboard': ('ciming.conductor.tasks',
                                  'ciming.conductor.executor',
                                  'ciming.conductor.manager'),
    'ciming.conductor.persistence': ('ciming.conductor.tasks',
                                     'ciming.conductor.executor',
                                     'ciming.conductor.manager'),
    'ciming.conductor.flows': ('ciming.conductor.executor',
                               'ciming.conductor.manager',
                               'ciming.conductor.jobboard',
                               'ciming.conductor.persistence'),
    'ciming.conductor.tasks': ('ciming.conductor.flows',
                               'ciming.conductor.executor',
                               'ciming.conductor.manager',
                               'ciming.conductor.jobboard',
                               'ciming.conductor.persistence'),
    'ciming.conductor.utils': ('ciming.conductor.tasks',
                               'ciming.conductor.flows',
                               'ciming.conductor.executor',
                               'ciming.conductor.manager'),
    'ciming.conductor.runtime': ('ciming.conductor.tasks',
                                 'ciming.conductor.flows',
                                 'ciming.conductor.executor',
                                 'ciming.conductor.manager'),
    'ciming.conductor.cloud_access': ('ciming.conductor.tasks',
                                      'ciming.conductor.flows',
                                      'ciming.conductor.executor',
                                      'ciming.conductor.manager',
                                      'ciming.conductor.runtime'),
}


def _modules():
    """``{module name: (path, [imported ciming modules])}``."""
    found = {}
    for root, _dirs, files in os.walk(_PACKAGE):
        for name in files:
            if not name.endswith('.py'):
                continue
            path = os.path.join(root, name)
            relative = os.path.relpath(path, _TOP)[:-3].split(os.sep)
            if relative[-1] == '__init__':
                relative.pop()
            with open(path) as f:
                tree = ast.parse(f.read(), path)
            found['.'.join(relative)] = (path, sorted(_imports(tree)))
    return found


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith('ciming'):
                    yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and \
                node.module.startswith('ciming') and node.level == 0:
            for alias in node.names:
                yield '%s.%s' % (node.module, alias.name)


def _package(module):
    parts = module.split('.')
    return parts[1] if len(parts) > 1 else ''


def _within(module, prefix):
    return module == prefix or module.startswith(prefix + '.')


class ImportRulesTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.modules = _modules()

    def _imports_of(self, prefix):
        for module, (_path, imported) in sorted(self.modules.items()):
            if _within(module, prefix):
                for target in imported:
                    yield module, target

    def test_packages_import_only_the_layers_below(self):
        wrong = [(m, t) for m, (_p, imported) in self.modules.items()
                 for t in imported
                 if _package(t) != _package(m)
                 and _package(t) not in ALLOWED.get(_package(m), ())]
        self.assertEqual([], sorted(wrong))

    def test_no_cycle_between_packages(self):
        edges = {}
        for module, (_path, imported) in self.modules.items():
            for target in imported:
                if _package(target) != _package(module):
                    edges.setdefault(_package(module), set()).add(
                        _package(target))

        def reaches(start, goal, seen):
            for nxt in edges.get(start, ()):
                if nxt == goal or (nxt not in seen and reaches(
                        nxt, goal, seen | {nxt})):
                    return True
            return False

        self.assertEqual([], sorted(p for p in edges
                                    if reaches(p, p, {p})))

    def test_the_api_reaches_the_conductor_through_rpcapi_only(self):
        wrong = [(m, t) for m, t in self._imports_of('ciming.api')
                 if _within(t, 'ciming.conductor')
                 and not _within(t, 'ciming.conductor.rpcapi')]
        self.assertEqual([], wrong)

    def test_one_api_module_imports_drivers(self):
        importers = {m for m, t in self._imports_of('ciming.api')
                     if _within(t, 'ciming.drivers')}
        self.assertEqual({API_DOOR_TO_DRIVERS}, importers)

    def test_few_modules_reach_the_driver_factory(self):
        # Drivers are built by the conductor's cloud access alone; the
        # others only ask what a type can do.
        callers = {m for m, t in self._imports_of('ciming')
                   if t == 'ciming.drivers.factory'
                   and not _within(m, 'ciming.drivers')}
        self.assertLessEqual(callers, {
            'ciming.conductor.cloud_access', 'ciming.conductor.tasks.source',
            API_DOOR_TO_DRIVERS, 'ciming.cmd.status'})

    def test_conductor_layers(self):
        wrong = []
        for layer, forbidden in CONDUCTOR_LAYERS.items():
            for module, target in self._imports_of(layer):
                if any(_within(target, f) for f in forbidden):
                    wrong.append((module, target))
        self.assertEqual([], wrong)

    def test_no_module_is_too_long(self):
        long_ones = {}
        for module, (path, _imported) in self.modules.items():
            with open(path) as f:
                lines = sum(1 for _ in f)
            if lines > MAX_LINES:
                long_ones[module] = lines
        self.assertEqual({}, long_ones)
