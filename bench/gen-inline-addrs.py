#!/usr/bin/env python3
"""Choose N inline-heavy link-time addresses of a vmlinux for bench/symbolize.sh.

usage: gen-inline-addrs.py VMLINUX N OUT

Candidates are random byte offsets inside random text functions (`nm -n`, types T/t, size =
distance to the next text symbol, so padding is included as kallsyms does), drawn with a fixed
seed so that every run on the same vmlinux picks the same list. GNU `addr2line -i` is asked
about them in batches; an address is kept only when it answers with at least two frames (the
address lies in inlined code), until N are kept. The kept list stays in the drawn (random) order,
so the benchmark does not walk compilation units in address order.
"""
import random
import subprocess
import sys


def main():
    vmlinux, n_wanted, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    nm = subprocess.run(["nm", "-n", vmlinux], check=True, capture_output=True, text=True).stdout
    text = []
    for line in nm.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] in ("T", "t"):
            text.append(int(fields[0], 16))
    starts = sorted(set(text))
    funcs = [(a, b - a) for a, b in zip(starts, starts[1:]) if 0 < b - a < 1 << 20]
    rng = random.Random(20261125)
    kept, seen = [], set()
    while len(kept) < n_wanted:
        batch = []
        while len(batch) < 4000:
            start, size = rng.choice(funcs)
            addr = start + rng.randrange(size)
            if addr not in seen:
                seen.add(addr)
                batch.append(addr)
        res = subprocess.run(["addr2line", "-a", "-i", "-e", vmlinux],
                             input="".join("0x%x\n" % a for a in batch),
                             check=True, capture_output=True, text=True).stdout
        frames = {}
        current = None
        for line in res.splitlines():
            if line.startswith("0x"):
                current = int(line, 16)
                frames[current] = 0
            elif current is not None and not line.startswith("??"):
                frames[current] += 1
        kept.extend(a for a in batch if frames.get(a, 0) >= 2)
        print("gen-inline-addrs: %d candidates, %d inline-heavy" % (len(seen), len(kept)),
              file=sys.stderr)
    with open(out, "w") as f:
        f.writelines("0x%x\n" % a for a in kept[:n_wanted])


if __name__ == "__main__":
    main()
