#!/usr/bin/env python3
"""bench/fusion/select.py -- chooses the runs of instructions to fuse.

    bench/fusion/select.py PROFILE_DIR [N] [--train "lz77 json ..."]
                           [--max-len K] [--min-programs M]

Reads PROFILE_DIR/*.prof (bench/fusion/profile.sh): each program's compiled
instruction sequences and how often each instruction was dispatched. A run
is 2 to 4 adjacent instructions, all but the last able to fall through to
the next (no unconditional branch, call, return, loop back edge or window
operation before the end). Fusing a run saves, each time it is entered, the
dispatches of its later instructions (as far as execution gets: a branch
may leave a run early). validate.c fuse_runs chooses, per function, the
runs that save the most; this script picks the N runs (default 120) that,
with that choice, save the most dispatches over the programs, each program
weighted by 1 / its dispatches (so each counts as much as any other, as in
a geometric mean). Greedy, with lazy re-evaluation of the gains.

--train limits the programs the choice is made from (default: all); the
savings are then reported for all, which measures how well runs chosen on
some programs do on others. --max-len K (2 to 4, default 4) limits the
runs' length; --min-programs M (default 1) keeps only runs that save
dispatches in at least M of the training programs. Both keep the choice
from fitting one program's hot loop: the shipped lists use K = 3, M = 3
(bench/fusion/README.md has the cross-validation that chose them). Output: a comment line with the fraction of dispatches saved per
program, then one run per line: its gain and its ops.
"""
import collections
import heapq
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OPCODES = os.path.join(HERE, '..', '..', 'src', 'wasm', 'opcodes.h')

# Cannot fall through to the next instruction, or leave state the next
# instruction's handler does not expect (window operations, memory.grow).
NOT_INSIDE = set('''UNREACHABLE BR BR_UNWIND BR_IF_UNWIND BR_TABLE RETURN RETURN1
I32_ADD_RETURN1 I32_SUB_RETURN1 CALL CALL_IMPORT CALL_INDIRECT TABLE_GET TABLE_SET
TABLE_SIZE TABLE_GROW TABLE_FILL TABLE_COPY TABLE_INIT ELEM_DROP MEMORY_GROW
MEMORY_INIT DATA_DROP MEMORY_COPY MEMORY_FILL SELECT_V128 COPY_V128 GLOBAL_GET_V128
GLOBAL_SET_V128'''.split())


def op_names():
    src = open(OPCODES).read()
    body = src[src.index('#define WASM_OPS(X)'):src.index('/* Then one operation per SIMD')]
    return re.findall(r'X\((\w+)\)', body)


def main():
    args = [a for a in sys.argv[1:]]
    train = None
    if '--train' in args:
        i = args.index('--train')
        train = args[i + 1].split()
        del args[i:i + 2]
    def option(flag, default):
        if flag not in args:
            return default
        i = args.index(flag)
        v = int(args[i + 1])
        del args[i:i + 2]
        return v

    max_len = option('--max-len', 4)
    min_programs = option('--min-programs', 1)
    if not 2 <= max_len <= 4 or min_programs < 1:
        sys.exit('select.py: --max-len must be 2 to 4, --min-programs at least 1')
    pdir = args[0]
    nruns = int(args[1]) if len(args) > 1 else 120
    names = op_names()

    def name(op):
        return names[op] if op < len(names) else 'SIMD_%d' % op

    def inside_ok(n):
        return n in names and n not in NOT_INSIDE and not n.endswith('_LOOP')

    seqs = []  # (program, weight, [(op name, count)])
    progs = []
    for f in sorted(os.listdir(pdir)):
        if not f.endswith('.prof'):
            continue
        prog = f[:-5]
        progs.append(prog)
        static, dyn = collections.defaultdict(list), {}
        for line in open(os.path.join(pdir, f)):
            p = line.split()
            if p[0] == 's':
                static[p[1]].append((p[2], int(p[3])))
            elif p[0] == 'd':
                dyn[p[1]] = int(p[2])
        total = sum(dyn.values())
        for fn, insns in static.items():
            # Only stretches that ran matter: no run starts on an
            # instruction that never ran, and one ending on it saves
            # nothing for it. Each stretch keeps the idle instruction that
            # ends it (a run may end there).
            seg = []
            for op_name, c in ((name(op), dyn.get(cell, 0)) for cell, op in insns):
                if c:
                    seg.append((op_name, c))
                elif seg:
                    seg.append((op_name, c))
                    seqs.append((prog, 1.0 / total, seg))
                    seg = []
            if seg:
                seqs.append((prog, 1.0 / total, seg))
    train = set(train or progs)

    def runs_at(seq, i):
        out = []
        for k in range(2, max_len + 1):
            if i + k > len(seq):
                break
            t = tuple(n for n, _ in seq[i:i + k])
            if not inside_ok(t[-2]) or t[-1] not in names:
                break
            out.append(t)
        return out

    def saved(seq, i, k):
        m, s = seq[i][1], 0
        for j in range(1, k):
            m = min(m, seq[i + j][1])
            s += m
        return s

    def best(seq, chosen):
        n = len(seq)
        b = [0] * (n + 1)
        for i in range(n - 1, -1, -1):
            v = b[i + 1]
            if seq[i][1]:
                for t in runs_at(seq, i):
                    if t in chosen:
                        v = max(v, saved(seq, i, len(t)) + b[i + len(t)])
            b[i] = v
        return b[0]

    where = collections.defaultdict(set)
    for si, (prog, _, seq) in enumerate(seqs):
        if prog not in train:
            continue
        for i in range(len(seq)):
            if seq[i][1]:
                for t in runs_at(seq, i):
                    where[t].add(si)
    for t in list(where):
        if len({seqs[si][0] for si in where[t]}) < min_programs:
            del where[t]
    chosen = set()
    cur = [0] * len(seqs)

    def gain(t):
        return sum(seqs[si][1] * (best(seqs[si][2], chosen | {t}) - cur[si]) for si in where[t])

    heap = [(-gain(t), t) for t in where]
    heapq.heapify(heap)
    picked = []
    while heap and len(picked) < nruns:
        _, t = heapq.heappop(heap)
        g = gain(t)
        if heap and g < -heap[0][0] - 1e-12:
            heapq.heappush(heap, (-g, t))
            continue
        if g <= 1e-9:
            break
        chosen.add(t)
        picked.append((g, t))
        for si in where[t]:
            cur[si] = best(seqs[si][2], chosen)
    per = collections.defaultdict(float)
    for prog, w, seq in seqs:
        per[prog] += w * best(seq, chosen)
    print('# dispatches saved:', ' '.join('%s %.3f' % (p, per[p]) for p in progs),
          '(trained on: %s)' % ' '.join(p for p in progs if p in train))
    for g, t in picked:
        print('%.4f %s' % (g, ' '.join(t)))


if __name__ == '__main__':
    main()
