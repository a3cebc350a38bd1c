#!/usr/bin/env python3
"""bench/fusion/genlists.py -- writes the chosen runs into opcodes.h.

    bench/fusion/genlists.py SELECTION [N]

Takes the first N runs (default: all) of a bench/fusion/select.py output,
adds the runs tests/unit/test_fusion.c relies on (REQUIRED below), and
rewrites the WASM_PAIRS, WASM_TRIPLES and WASM_QUADS lists of
src/wasm/opcodes.h, with each instruction's length from its row in
src/wasm/ops.def (the count of its operand format). Every instruction but
a run's last needs a row there; the script stops and names those that
have none.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, '..', '..', 'src', 'wasm')
REQUIRED = [
    'BR_IF_I32_LT_U_I LOOP_CHECK I32_SUB_I CALL',
    'I32_ADD I32_SUB_I BR_IF_I32_GT_U_I_LOOP',
    'I32_ADD I32_STORE',
    'MOVE8 MOVE8 I32_SUB_I BR_IF_LOOP',
    'I32_LOAD8_U BR_IF_LOAD8_SET_EQZ I32_ADD_I2 BR_IF_I32_EQ_LOOP',
    'I32_ROTL_I I32_ROTL_I_XOR I32_ROTL_I_XOR',
]


def main():
    sel = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else None
    runs = [l.split()[1:] for l in open(sel) if l.strip() and not l.startswith('#')][:n]
    for r in REQUIRED:
        if r.split() not in runs:
            runs.append(r.split())
    ops = open(os.path.join(SRC, 'ops.def')).read()
    rows = re.findall(r'#define OPDEF_(\w+)\(OP, BR\) (?:OP|BR)\(\w+, \(([^)]*)\)', ops)
    lens = {name: str(len(cells.split(','))) for name, cells in rows}
    missing = sorted({x for r in runs for x in r[:-1] if x not in lens})
    if missing:
        sys.exit('genlists.py: no row in ops.def for: ' + ' '.join(missing))

    def fmt(r):
        out = []
        for x in r[:-1]:
            out += [x, lens[x]]
        return ', '.join(out + [r[-1]])

    path = os.path.join(SRC, 'opcodes.h')
    text = open(path).read()
    for macro, letter, k in (('WASM_PAIRS', 'P', 2), ('WASM_TRIPLES', 'T', 3), ('WASM_QUADS', 'Q', 4)):
        # The first definition is the full list (opcodes.h keeps a short
        # one for HIVE_FEW_RUNS after it): its continued lines end at the
        # first line without a trailing backslash.
        head = '#define %s(%s) \\\n' % (macro, letter)
        start = text.index(head) + len(head)
        end = start
        while text[end:text.index('\n', end)].endswith('\\'):
            end = text.index('\n', end) + 1
        end = text.index('\n', end)
        body = ' \\\n'.join('    %s(%s)' % (letter, fmt(r)) for r in runs if len(r) == k)
        text = text[:start] + body + text[end:]
    open(path, 'w').write(text)
    print('genlists.py: %d pairs, %d triples, %d runs of four' %
          tuple(sum(len(r) == k for r in runs) for k in (2, 3, 4)))


if __name__ == '__main__':
    main()
