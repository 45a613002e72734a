#!/usr/bin/env python3
"""Checks the source tree against the architecture in docs/architecture.md.

  check_layout.py ROOT              check the tree at ROOT; exit 1 on a problem
  check_layout.py --self-test ROOT  plant one violation of each rule in a copy
                                    of ROOT and show the check catches them

What it checks:
  includes   every #include "..." of a product file names a room its own room
             may depend on (the order in docs/architecture.md): server and
             client never include each other, common never includes server or
             client, a lower room of common never includes a higher one, and
             the command line includes nothing that would link the store.
  nodiscard  every function declared to return absl::Status or StatusOr is
             marked [[nodiscard]] (docs/architecture.md, "Conventions").
  docs       every repository path a page of docs/ cites in backquotes exists,
             and no file cites DESIGN.md (the design lives in docs/).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Room -> the rooms it may include. A room is a folder of product code.
COMMON = ['base', 'calendar', 'records', 'replica', 'import', 'security', 'sync',
          'review', 'publication', 'document', 'program', 'api', 'daemon']
ALLOWED = {
    'common/base': [],
    'common/calendar': ['common/base'],
    'common/records': ['common/base'],
    'common/replica': ['common/base', 'common/records'],
    # An agency's file as it is (CSV, XLSX, DOCX) into chronology edits; the
    # daemon parses, never the command line (docs/joint_review.md, "Import").
    'common/import': ['common/base', 'common/records', 'common/replica'],
    'common/security': ['common/base'],
    'common/sync': ['common/base', 'common/records', 'common/security'],
    'common/review': ['common/base', 'common/calendar', 'common/records',
                      'common/replica'],
    'common/publication': ['common/base', 'common/records'],
    'common/document': ['common/base', 'common/records'],
    'common/program': ['common/base'],
    'common/api': ['common/base', 'common/calendar', 'common/records',
                   'common/replica', 'common/import',
                   'common/security', 'common/sync', 'common/review',
                   'common/publication', 'common/document', 'common/program'],
    'common/daemon': ['common/base', 'common/calendar', 'common/records',
                      'common/replica',
                      'common/security', 'common/sync', 'common/program',
                      'common/api'],
    # The command line talks to a daemon over the local API: it must not
    # link the store, the review engine or the renderer.
    'client/cli': ['common/base', 'common/records', 'common/security',
                   'common/sync', 'common/program', 'client/cli'],
    'client/agency': ['common/' + r for r in COMMON] + ['client/agency'],
    'server': ['common/' + r for r in COMMON] + ['server'],
}
# Test support may use every room of common; tests and benchmarks anything.
ALLOWED['common/testing'] = ['common/' + r for r in COMMON] + ['common/testing']
UNCHECKED_ROOTS = ('tests/', 'bench/', 'proto/', 'build')

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def room_of(path):
    """The room a file of the tree belongs to, or None if unchecked."""
    if path.startswith(UNCHECKED_ROOTS):
        return None
    parts = path.split('/')
    if parts[0] == 'common' and len(parts) > 2:
        return 'common/' + parts[1]
    if parts[0] == 'client' and len(parts) > 2:
        return 'client/' + parts[1]
    if parts[0] == 'server':
        return 'server'
    return None


def included_room(target):
    """The room an include names, or None for generated and outside code."""
    parts = target.split('/')
    if parts[0] in ('common', 'client') and len(parts) > 2:
        return parts[0] + '/' + parts[1]
    if parts[0] == 'server':
        return 'server'
    if parts[0] in ('tests', 'bench'):
        return parts[0]
    return None


def source_files(root):
    out = []
    for top in ('common', 'client', 'server'):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in names:
                if name.endswith(('.h', '.cc')):
                    out.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(out)


def check_includes(root):
    problems = []
    for path in source_files(root):
        room = room_of(path)
        if room is None:
            continue
        if room not in ALLOWED:
            problems.append(f'{path}: folder {room} is not a room of '
                            'docs/architecture.md; add it there and here')
            continue
        is_test = path.endswith(('_test.cc', '_test_util.h'))
        with open(os.path.join(root, path), encoding='utf-8') as f:
            for number, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = included_room(m.group(1))
                if target is None or target == room:
                    continue
                # A unit test beside the code may use test support.
                if is_test and target == 'common/testing':
                    continue
                if target not in ALLOWED[room]:
                    problems.append(
                        f'{path}:{number}: {room} may not include '
                        f'"{m.group(1)}" ({target} is not below it in '
                        'docs/architecture.md)')
    return problems


RET = r'(?:absl::Status(?:Or<.*>)?)'
DECL_ONE = re.compile(r'^\s*((?:static|virtual|inline|friend|constexpr)\s+)*' +
                      RET + r'\s+~?[A-Za-z_]\w*\s*\(')
DECL_SPLIT = re.compile(r'^\s*((?:static|virtual|inline|friend)\s+)*' + RET +
                        r'\s*$')
NAME = re.compile(r'^\s*~?[A-Za-z_]\w*\s*\(')


def declared_in_headers(paths, root):
    """Names of the functions headers declare (their definitions in sources
    need not repeat the attribute)."""
    names = set()
    for path in paths:
        if not path.endswith('.h'):
            continue
        with open(os.path.join(root, path), encoding='utf-8') as f:
            lines = f.read().split('\n')
        for i, line in enumerate(lines):
            line = line.replace('[[nodiscard]]', '')
            text = line
            if DECL_SPLIT.match(line) and i + 1 < len(lines):
                text = line + ' ' + lines[i + 1]
            m = re.search(RET + r'\s+(~?[A-Za-z_]\w*)\s*\(', text)
            if m:
                names.add(m.group(1))
    return names


def check_nodiscard(root):
    """Declarations in headers (and functions only sources declare) that
    return a Status without [[nodiscard]]."""
    problems = []
    paths = source_files(root) + test_sources(root)
    for path in paths:
        with open(os.path.join(root, path), encoding='utf-8') as f:
            lines = f.read().split('\n')
        # Functions the headers this file includes declare: a definition of
        # one of them carries the attribute on its declaration.
        included = [m.group(1) for m in map(INCLUDE.match, lines)
                    if m and os.path.isfile(os.path.join(root, m.group(1)))]
        in_headers = declared_in_headers(included, root)
        for i, line in enumerate(lines):
            split = False
            if not DECL_ONE.match(line):
                if not (DECL_SPLIT.match(line) and i + 1 < len(lines) and
                        NAME.match(lines[i + 1])):
                    continue
                split = True
            if re.match(r'^\s*return\b', line):
                continue
            before = lines[i - 1].strip() if i > 0 else ''
            if '[[nodiscard]]' in line or before.endswith('[[nodiscard]]'):
                continue
            name_line = lines[i + 1] if split else line
            name = name_line.split('(')[0].split()[-1]
            # Definitions of what a header declares carry it there.
            if path.endswith('.cc') and ('::' in name or name in in_headers):
                continue
            problems.append(f'{path}:{i + 1}: returns a Status without '
                            '[[nodiscard]]')
    return problems


def test_sources(root):
    out = []
    for top in ('tests', 'bench'):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in names:
                if name.endswith(('.h', '.cc')):
                    out.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(out)


CITED = re.compile(r'`([A-Za-z0-9_.\-]+(?:/[A-Za-z0-9_.\-{},]+)+/?)`')


def expand(path):
    """common/replica/replica.{h,cc} -> both files."""
    m = re.match(r'^(.*)\{([^}]*)\}(.*)$', path)
    if not m:
        return [path]
    return [m.group(1) + alt + m.group(3) for alt in m.group(2).split(',')]


def check_docs(root):
    problems = []
    docs = os.path.join(root, 'docs')
    for name in sorted(os.listdir(docs)) if os.path.isdir(docs) else []:
        if not name.endswith('.md'):
            continue
        with open(os.path.join(docs, name), encoding='utf-8') as f:
            for number, line in enumerate(f, 1):
                for cited in CITED.findall(line):
                    top = cited.split('/')[0]
                    if top not in ('common', 'client', 'server', 'tests',
                                   'bench', 'deploy', 'docs', 'proto', 'web',
                                   '.ci', 'cmake'):
                        continue
                    for path in expand(cited.rstrip('/')):
                        if not os.path.exists(os.path.join(root, path)):
                            problems.append(f'docs/{name}:{number}: cites '
                                            f'{path}, which does not exist')
    prose = ['README.md'] + [os.path.join('docs', n) for n in
                             sorted(os.listdir(docs))] if os.path.isdir(docs) else []
    protos = []
    for dirpath, _, names in os.walk(os.path.join(root, 'proto')):
        protos += [os.path.relpath(os.path.join(dirpath, n), root)
                   for n in names if n.endswith('.proto')]
    for path in source_files(root) + test_sources(root) + prose + protos:
        if not os.path.isfile(os.path.join(root, path)):
            continue
        with open(os.path.join(root, path), encoding='utf-8') as f:
            for number, line in enumerate(f, 1):
                if 'DESIGN.md' in line:
                    problems.append(f'{path}:{number}: cites DESIGN.md, which '
                                    'is not in the repository: cite docs/')
    return problems


def check(root):
    return check_includes(root) + check_nodiscard(root) + check_docs(root)


def self_test(root):
    """Plants one violation of each kind in a copy and expects each found."""
    with tempfile.TemporaryDirectory() as tmp:
        for top in os.listdir(root):
            src = os.path.join(root, top)
            if top.startswith(('build', '.')) or top == 'node_modules':
                continue
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(tmp, top), symlinks=True,
                                ignore=shutil.ignore_patterns('node_modules'))
            else:
                shutil.copy(src, os.path.join(tmp, top))
        if check(tmp):
            print('self-test: the tree has problems before planting; run the '
                  'check on it first')
            return 1
        plants = {
            'common/base/clock.h': '#include "server/board.h"\n',
            'common/records/record_types.h': '#include "common/replica/store.h"\n',
            'client/cli/output.h': '#include "common/replica/replica.h"\n',
            'server/board.h': '#include "client/agency/board_link.h"\n',
            'common/base/ids.h': 'absl::Status PlantedWithoutNodiscard();\n',
            'docs/architecture.md': '\nSee `common/base/no_such_file.h`.\n',
        }
        for path, text in plants.items():
            full = os.path.join(tmp, path)
            if not os.path.exists(full):
                print(f'self-test: {path} is missing from the tree')
                return 1
            with open(full, 'a', encoding='utf-8') as f:
                f.write(text)
        found = check(tmp)
        missed = []
        for path in plants:
            if not any(p.startswith(path + ':') or
                       (path.startswith('docs/') and 'no_such_file' in p)
                       for p in found):
                missed.append(path)
        for p in found:
            print('caught:', p)
        if missed:
            print('self-test: NOT caught:', ', '.join(missed))
            return 1
        print(f'self-test: all {len(plants)} planted violations caught')
        return 0


def main(argv):
    if len(argv) == 3 and argv[1] == '--self-test':
        return self_test(argv[2])
    if len(argv) != 2:
        print(__doc__)
        return 2
    problems = check(argv[1])
    for p in problems:
        print(p)
    if problems:
        print(f'{len(problems)} problem(s): see docs/architecture.md')
        return 1
    print('layout OK')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
