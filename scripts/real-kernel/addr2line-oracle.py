#!/usr/bin/env python3
"""Reference symbolization of kernel console logs with GNU addr2line (the test oracle).

For every frame of a log that names a symbol (`sym+0xoff/0xsize [mod]`, with or without a
`[<address>]` in front), print what `addr2line -f -i` says about it. This is the independent
oracle the Rust integration test is compared with; legolog itself never shells out.

usage: addr2line-oracle.py [--env FILE] [--vmlinux F] [--modules DIR] [--format text|tsv] LOG...

How an address is computed (see README.md, "The oracle"):
  * vmlinux frame: link-time address = `nm` value of the symbol + off. When the name occurs
    more than once (static functions), the candidate whose kallsyms-style size (distance to
    the next text symbol) equals the printed size is taken.
  * module frame (`[lkdtm]`): the symbol is looked up in the .ko (`objdump -t`), which also
    tells its section; the query is section-relative: `addr2line -e X.ko -j SECTION value+off`.
    .text, .text.unlikely, .init.text, .exit.text all start at 0 in a .ko: never mix them.
  * A Call Trace entry is a return address: the query is address - 1 (the CALL instruction),
    as the kernel's %pB does for the symbol. An instruction pointer (`RIP: 0010:`, `WARNING: …
    at … sym+off`, `idling at sym+off`) is queried as is. A trace entry with off == size is the
    first byte of the next function (a function pointer left on the stack): queried as is.
  * Frames printed with an address (`[<ffffffff8105…>] sym+off/size`, older kernels): the slide
    is address - (nm value + off); the first such frame gives it, the others are checked.
    For 6.1 logs (no addresses in traces) the slide comes from `Kernel Offset: 0x…` or from the
    `legolog-init: kallsyms _text=…` line of the capture initramfs, and is only reported.
TSV columns: log, line, kind, frame, object, section, query (hex), link-time or runtime
address, then the addr2line answer as `function@file:line` joined by ` | ` (innermost first,
the last one is the function that physically holds the address).
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
from collections import defaultdict

SYM = r"[A-Za-z0-9_.$]+"
FRAME_RE = re.compile(
    r"(?:\[<(?P<addr>[0-9a-f]{8,16})>\]\s+)?(?P<q>\? )?(?P<sym>" + SYM +
    r")\+0x(?P<off>[0-9a-f]+)/0x(?P<size>[0-9a-f]+)(?: \[(?P<mod>[A-Za-z0-9_-]+)(?: [0-9a-f]+)?\])?")
TS_RE = re.compile(r"^.*?\[\s*\d+\.\d+\]\s?")
TEXT_TYPES = set("TtWw")


def load_env(path):
    env = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    k, v = line.split("=", 1)
                    env[k] = v
    return env


class Vmlinux:
    def __init__(self, path):
        self.path = path
        self.by_name = defaultdict(list)  # name -> [(addr, kallsyms_size)]
        cache = path + ".nm-n" if os.access(os.path.dirname(path), os.W_OK) else None
        if cache and os.path.exists(cache) and os.path.getmtime(cache) >= os.path.getmtime(path):
            out = open(cache).read()
        else:
            out = subprocess.run(["nm", "-n", path], check=True, capture_output=True, text=True).stdout
            if cache:
                with open(cache, "w") as f:
                    f.write(out)
        text = []
        for line in out.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in TEXT_TYPES:
                text.append((int(p[0], 16), p[2]))
        addrs = sorted({a for a, _ in text})
        nxt = {a: b for a, b in zip(addrs, addrs[1:])}
        for a, n in text:
            self.by_name[n].append((a, nxt.get(a, a) - a))
        self._text = dict((n, a) for a, n in text)

    def lookup(self, name, size):
        c = self.by_name.get(name)
        if not c:
            return None, None, "symbol not in vmlinux"
        exact = [x for x in c if x[1] == size]
        if exact:
            return exact[0][0], exact[0][1], None if len(exact) == 1 else "name+size ambiguous"
        return c[0][0], c[0][1], "size mismatch: log 0x%x, vmlinux 0x%x" % (size, c[0][1])


class Module:
    def __init__(self, path):
        self.path = path
        self.by_name = defaultdict(list)  # name -> [(section, value, st_size)]
        out = subprocess.run(["objdump", "-t", path], check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            m = re.match(r"^([0-9a-f]{16}) (.{7}) (\S+)\s+([0-9a-f]{16}) (\S+)$", line)
            if m and ("F" in m.group(2) or m.group(3).startswith(".text")):
                self.by_name[m.group(5)].append((m.group(3), int(m.group(1), 16), int(m.group(4), 16)))

    def lookup(self, name):
        c = self.by_name.get(name)
        if not c:
            return None, None, "symbol not in " + os.path.basename(self.path)
        return c[0][0], c[0][1], None if len(c) == 1 else "name ambiguous in module"


def find_module(dirs, name):
    for d in dirs:
        for root, _, files in os.walk(d):
            for cand in (name + ".ko", name.replace("_", "-") + ".ko", name.replace("-", "_") + ".ko"):
                if cand in files:
                    return os.path.join(root, cand)
    return None


def classify(rest, m, in_trace):
    """kind of a frame: 'ip' (queried as is), 'return' (queried at -1), 'fn-pointer'."""
    before = rest[:m.start()]
    if re.search(r"RIP: [0-9a-f]{4}:", before) or " at " in before or "idling at" in before:
        return "ip"
    if int(m.group("off"), 16) == int(m.group("size"), 16):
        return "fn-pointer"
    if in_trace or m.group("addr") or m.group("q") or rest[:m.start()].strip() == "":
        return "return"
    return "ip"


def addr2line_batch(obj, section, queries):
    """queries: list of ints → {int: [(func, fileline)]}"""
    res = {}
    queries = sorted(set(queries))
    for i in range(0, len(queries), 500):
        chunk = queries[i:i + 500]
        cmd = ["addr2line", "-a", "-f", "-i", "-e", obj]
        if section:
            cmd += ["-j", section]
        cmd += ["0x%x" % q for q in chunk]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()
        cur, lines = None, []
        for line in out + ["0x"]:
            if re.match(r"^0x[0-9a-f]*$", line):
                if cur is not None:
                    res[cur] = list(zip(lines[0::2], lines[1::2]))
                cur = int(line, 16) if len(line) > 2 else None
                lines = []
            else:
                lines.append(line)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--env", default=os.path.expanduser(
        os.environ.get("LEGOLOG_CACHE", "~/.cache/legolog") + "/real-kernel.env"))
    ap.add_argument("--vmlinux")
    ap.add_argument("--modules", action="append", default=[])
    ap.add_argument("--format", choices=["text", "tsv"], default="text")
    ap.add_argument("logs", nargs="+")
    a = ap.parse_args()
    env = load_env(a.env)
    vmlinux_path = a.vmlinux or env.get("LEGOLOG_REAL_VMLINUX")
    mod_dirs = a.modules or ([env["LEGOLOG_REAL_MODULES"]] if "LEGOLOG_REAL_MODULES" in env else [])
    if not vmlinux_path:
        sys.exit("no vmlinux: pass --vmlinux or run scripts/real-kernel/capture.sh --prepare-only")
    vm = Vmlinux(vmlinux_path)
    mods = {}

    frames = []  # dicts
    for log in a.logs:
        slide, slide_src, bases = None, None, {}
        in_trace = False
        with open(log, "rb") as f:
            raw = f.read().decode("utf-8", "replace")
        for lineno, line in enumerate(raw.split("\n"), 1):
            line = line.rstrip("\r")
            rest = TS_RE.sub("", line, count=1)
            mo = re.search(r"Kernel Offset: 0x([0-9a-f]+) from 0xffffffff81000000", rest)
            if mo:
                slide, slide_src = int(mo.group(1), 16), "Kernel Offset line %d" % lineno
            mo = re.search(r"legolog-init: kallsyms _text=([0-9a-f]+)", rest)
            if mo and slide is None:
                slide, slide_src = int(mo.group(1), 16) - vm._text.get("_text", 0xffffffff81000000), \
                    "legolog-init _text line %d" % lineno
            mo = re.search(r"legolog-init: (\S+) section (\S+)=0x([0-9a-f]+)", rest)
            if mo:
                bases[(mo.group(1), mo.group(2))] = int(mo.group(3), 16)
            if re.match(r"\s*(Call Trace:|<TASK>|<IRQ>|<NMI>|</IRQ>|</NMI>)", rest):
                in_trace = True
            elif re.match(r"\s*(</TASK>|---\[ end)", rest):
                in_trace = False
            for m in FRAME_RE.finditer(rest):
                kind = classify(rest, m, in_trace)
                fr = dict(log=os.path.basename(log), line=lineno, kind=kind, text=m.group(0).strip(),
                          sym=m.group("sym"), off=int(m.group("off"), 16), size=int(m.group("size"), 16),
                          mod=m.group("mod"), printed=int(m.group("addr"), 16) if m.group("addr") else None,
                          note=None)
                if fr["mod"]:
                    mname = fr["mod"]
                    if mname not in mods:
                        p = find_module(mod_dirs, mname)
                        mods[mname] = Module(p) if p else None
                    mod = mods[mname]
                    if mod is None:
                        fr.update(obj=None, note="module %s.ko not found in %s" % (mname, mod_dirs))
                    else:
                        sec, val, err = mod.lookup(fr["sym"])
                        fr.update(obj=mod.path, section=sec, note=err)
                        if val is not None:
                            fr["addr"] = val + fr["off"]
                            base = bases.get((mname, sec))
                            fr["runtime"] = base + fr["addr"] if base is not None else fr["printed"]
                else:
                    val, ksize, err = vm.lookup(fr["sym"], fr["size"])
                    fr.update(obj=vm.path, section=None, note=err, kallsyms_size=ksize)
                    if val is not None:
                        fr["addr"] = val + fr["off"]
                        if fr["printed"] is not None:
                            s = fr["printed"] - fr["addr"]
                            if slide is None:
                                slide, slide_src = s, "frame line %d" % lineno
                            elif s != slide:
                                fr["note"] = "slide 0x%x disagrees with 0x%x" % (s, slide)
                if "addr" in fr:
                    fr["query"] = fr["addr"] - 1 if kind == "return" else fr["addr"]
                frames.append(fr)
        for fr in frames:
            if fr["log"] == os.path.basename(log) and fr.get("obj") == vm.path and "addr" in fr:
                fr["slide"] = slide
                if slide is not None:
                    fr["runtime"] = fr["addr"] + slide
        if a.format == "text":
            print("# %s: KASLR slide %s (%s)" % (log, "0x%x" % slide if slide is not None else "unknown",
                                                 slide_src or "no Kernel Offset / legolog-init line / address"))

    groups = defaultdict(list)
    for fr in frames:
        if "query" in fr:
            groups[(fr["obj"], fr["section"])].append(fr["query"])
    answers = {k: addr2line_batch(k[0], k[1], v) for k, v in groups.items()}

    unresolved = mism = 0
    for fr in frames:
        ans = answers.get((fr.get("obj"), fr.get("section")), {}).get(fr.get("query"))
        if not ans or all(fn == "??" for fn, _ in ans):
            unresolved += 1
        if fr["note"]:
            mism += 1
        if a.format == "tsv":
            print("\t".join([fr["log"], str(fr["line"]), fr["kind"], fr["text"], fr.get("obj") or "-",
                             fr.get("section") or "-", "0x%x" % fr["query"] if "query" in fr else "-",
                             "0x%x" % fr["runtime"] if fr.get("runtime") is not None else "-",
                             " | ".join("%s@%s" % x for x in ans) if ans else "-"] +
                            (["NOTE: " + fr["note"]] if fr["note"] else [])))
            continue
        print("%s:%d %s  %s" % (fr["log"], fr["line"], fr["kind"], fr["text"]))
        if "query" not in fr:
            print("  unresolved: %s" % fr["note"])
            continue
        desc = "  object=%s section=%s address=0x%x query=0x%x" % (
            os.path.basename(fr["obj"]), fr["section"] or "(link-time vma)", fr["addr"], fr["query"])
        if fr.get("runtime") is not None:
            desc += " runtime=0x%x" % fr["runtime"]
        if fr.get("kallsyms_size") is not None:
            desc += " kallsyms_size=0x%x" % fr["kallsyms_size"]
        print(desc)
        if fr["note"]:
            print("  NOTE: " + fr["note"])
        cmd = ["addr2line", "-f", "-i", "-e", fr["obj"]] + (["-j", fr["section"]] if fr["section"] else []) + [
            "0x%x" % fr["query"]]
        print("  $ " + " ".join(shlex.quote(c) for c in cmd))
        for fn, fl in ans or []:
            print("  " + fn)
            print("  " + fl)
    print("# %d frames, %d unresolved (??), %d with a note" % (len(frames), unresolved, mism),
          file=sys.stderr if a.format == "tsv" else sys.stdout)


if __name__ == "__main__":
    main()
