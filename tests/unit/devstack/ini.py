"""``iniset``/``iniget`` of the fake devstack, as devstack's own behave.

Usage: ini.py set FILE SECTION OPTION VALUE; ini.py get FILE SECTION OPTION.
"""

import configparser
import os
import sys


def _load(path):
    parser = configparser.RawConfigParser(default_section='__none__',
                                          interpolation=None)
    parser.optionxform = str
    if os.path.exists(path):
        parser.read(path)
    return parser


def main(argv):
    action, path, section, option = argv[:4]
    parser = _load(path)
    if action == 'get':
        print(parser.get(section, option, fallback=''))
        return 0
    if not parser.has_section(section):
        parser.add_section(section)
    parser.set(section, option, argv[4])
    with open(path, 'w') as out:
        parser.write(out)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
