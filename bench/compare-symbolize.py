#!/usr/bin/env python3
"""Compare `legolog symbolize` text output with GNU `addr2line -f -i` output for the same list.

usage: compare-symbolize.py ADDRS LEGOLOG_OUT ADDR2LINE_OUT [LLVM_SYMBOLIZER_OUT]

legolog prints `func at file:line` then ` (inlined by) func at file:line` per address;
addr2line (run with -a) prints the address, then function / file:line pairs. Paths are
normalized on both sides (Debian's build directories stripped, `//` as `/`: addr2line joins a
directory ending in `/` with another `/`), discriminators ignored. Prints `agree N of M` and the
first few disagreements. With llvm-symbolizer's output, the disagreements with addr2line are
also checked against it (file:line chain only: llvm-symbolizer prints linkage names such as
`tlb_end_vma.part.0` where both others print `tlb_end_vma`).
"""
import re
import sys

PREFIXES = [re.compile(p) for p in (r"^debian/build/build_amd64_none_amd64/",
                                    r"^/build/reproducible-path/linux-[^/]+/",
                                    r"^/usr/src/linux-headers-[^/]+/", r"^(\./)+")]


def norm(file_line):
    file_line = re.sub(r" \(discriminator \d+\)$", "", file_line)
    path, _, line = file_line.rpartition(":")
    path = re.sub("//+", "/", path)
    for p in PREFIXES:
        path = p.sub("", path)
    return "%s:%s" % (path, "?" if line in ("0", "") else line)


def legolog_answers(path):
    res = []
    for line in open(path):
        line = line.rstrip("\n")
        inlined = line.startswith(" (inlined by) ")
        line = line[len(" (inlined by) "):] if inlined else line
        func, _, loc = line.partition(" at ")
        entry = "%s@%s" % (func, norm(loc))
        if inlined:
            res[-1].append(entry)
        else:
            res.append([entry])
    return res


def addr2line_answers(path):
    res, lines = [], open(path).read().splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("0x"):
            res.append([])
            i += 1
            continue
        res[-1].append("%s@%s" % (lines[i], norm(lines[i + 1])))
        i += 2
    return res


def llvm_answers(path):
    res = [[]]
    lines = open(path).read().splitlines()
    i = 0
    while i < len(lines):
        if not lines[i]:
            res.append([])
            i += 1
            continue
        loc = lines[i + 1].rsplit(":", 1)[0]  # drop the column
        res[-1].append("%s@%s" % (lines[i], norm(loc)))
        i += 2
    return [r for r in res if r]


def lines_only(chain):
    return [entry.split("@", 1)[1] for entry in chain]


def main():
    addrs = open(sys.argv[1]).read().split()
    ours, theirs = legolog_answers(sys.argv[2]), addr2line_answers(sys.argv[3])
    if len(ours) != len(addrs) or len(theirs) != len(addrs):
        sys.exit("answer counts differ: %d addresses, legolog %d, addr2line %d"
                 % (len(addrs), len(ours), len(theirs)))
    bad = [(a, o, t) for a, o, t in zip(addrs, ours, theirs) if o != t]
    print("agree %d of %d (function, file:line and inline chain, as addr2line -f -i)"
          % (len(addrs) - len(bad), len(addrs)))
    llvm = dict(zip(addrs, llvm_answers(sys.argv[4]))) if len(sys.argv) > 4 else None
    if llvm is not None:
        n_llvm = sum(lines_only(o) == lines_only(llvm.get(a, [])) for a, o, _ in bad)
        print("of the %d disagreements, llvm-symbolizer agrees with legolog on %d" % (len(bad), n_llvm))
    for a, o, t in bad[:8]:
        print("  %s\n    addr2line:       %s\n    legolog:         %s" % (a, " | ".join(t), " | ".join(o)))
        if llvm is not None:
            print("    llvm-symbolizer: %s" % " | ".join(llvm.get(a, [])))


if __name__ == "__main__":
    main()
