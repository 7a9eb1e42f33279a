#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that a public C header documents everything it declares.

scripts/kernel-doc checks the kernel-doc comments that exist but says
nothing about a declaration without one. This lists every function
(prototype or static inline definition), every struct, union or enum
defined with a body, and every typedef declared at file scope, and fails
naming each one with no kernel-doc block ("/**" whose first line is
"name() - ...", "struct name - ...", "enum name - ..." or
"typedef name - ..."). Opaque declarations ("struct x;") and macros are
not checked. Whether a block sits right above its declaration is
kernel-doc's check, not this one's.

Usage: doc_coverage.py HEADER...   (exit 1 if anything is missing)
"""
import re
import sys

DOC_NAME = re.compile(r'^\s*\*?\s*(?:(struct|union|enum|typedef)\s+)?(\w+)\s*(?:\(\))?\s*[-:]')


def documented(text):
    """(kind, name) of every kernel-doc block; kind is None for functions."""
    out = set()
    for m in re.finditer(r'/\*\*(?!/)(.*?)\*/', text, re.S):
        for line in m.group(1).split('\n'):
            if line.strip(' \t*'):
                d = DOC_NAME.match(line)
                if d:
                    out.add((d.group(1), d.group(2)))
                break
    return out


def strip(text):
    """The header without comments, preprocessor lines and the
    __cplusplus extern "C" wrapper."""
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), text, flags=re.S)
    text = re.sub(r'//[^\n]*', '', text)
    lines, skip, depth = [], False, 0
    cont = False
    for line in text.split('\n'):
        s = line.strip()
        if cont:
            cont = s.endswith('\\')
            continue
        if s.startswith('#'):
            cont = s.endswith('\\')
            if re.match(r'#\s*if', s):
                if skip:
                    depth += 1
                elif re.match(r'#\s*ifdef\s+__cplusplus\b', s):
                    skip, depth = True, 0
            elif skip and re.match(r'#\s*endif', s):
                if depth:
                    depth -= 1
                else:
                    skip = False
            continue
        if not skip:
            lines.append(line)
    return '\n'.join(lines)


def declarations(text):
    """(kind, name) of every file-scope declaration to document."""
    out = []
    stmt, depth = '', 0
    for ch in strip(text):
        stmt += ch
        if ch == '{':
            depth += 1
        elif ch == '}':
            depth -= 1
            head = stmt.split('{', 1)[0]
            if depth == 0 and ')' in head and not re.search(r'\b(struct|union|enum)\b\s*\w*\s*$',
                                                              head):
                out.append(classify(stmt))
                stmt = ''
        elif ch == ';' and depth == 0:
            out.append(classify(stmt))
            stmt = ''
    return [d for d in out if d]


def classify(stmt):
    s = ' '.join(stmt.split())
    if not s or s == ';':
        return None
    if s.startswith('typedef'):
        m = re.search(r'\(\s*\*\s*(\w+)\s*\)', s) or re.search(r'(\w+)\s*(?:\[[^\]]*\])?\s*;$', s)
        return ('typedef', m.group(1)) if m else None
    m = re.match(r'^(?:\w+\s+)*?(struct|union|enum)\s+(\w+)\s*\{', s)
    if m:
        return (m.group(1), m.group(2))
    head = s.split('{', 1)[0]
    if '(' in head:
        m = re.search(r'(\w+)\s*$', head.split('(', 1)[0])
        return (None, m.group(1)) if m else None
    return None


def check(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    docs = documented(text)
    missing = []
    for kind, name in declarations(text):
        if (kind, name) not in docs:
            missing.append(f'{kind} {name}' if kind else f'{name}()')
    return missing


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    rc = 0
    for path in argv[1:]:
        for what in check(path):
            print(f'{path}: no kernel-doc for {what}')
            rc = 1
    return rc


if __name__ == '__main__':
    sys.exit(main(sys.argv))
