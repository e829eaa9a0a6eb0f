#!/usr/bin/env python3
"""Share of `perf record` samples of `openssl speed` that fall in OpenSSL's AVX-512 IFMA code.

libcrypto is stripped, so its assembly routines have no symbols: the code is split into
regions ending at each `ret`, and a region holding a vpmadd52* instruction counts as IFMA code.

  perf record -e cpu-clock -F 5000 -o ifma.data openssl speed -seconds 3 rsa2048
  OPENSSL_ia32cap=":~0x200000" perf record -e cpu-clock -F 5000 -o noifma.data openssl speed -seconds 3 rsa2048
  python3 ifma_share.py ifma.data noifma.data
"""
import subprocess, re, sys, bisect
lib = "/lib/x86_64-linux-gnu/libcrypto.so.3"
dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", lib], capture_output=True, text=True).stdout
# Split the code into regions ending at each `ret`; a region with a vpmadd52 instruction is
# AVX-512 IFMA code (the library is stripped, so asm routines have no symbols).
bounds, ifma_regions, region_start, has = [], set(), 0, False
for line in dis.splitlines():
    m = re.match(r"^\s+([0-9a-f]+):\s+(\S+)", line)
    if not m: continue
    addr, op = int(m.group(1), 16), m.group(2)
    if "vpmadd52" in op: has = True
    if op.startswith("ret"):
        bounds.append(addr)
        if has: ifma_regions.add(len(bounds) - 1)
        has = False
for f in sys.argv[1:]:
    rep = subprocess.run(["perf", "report", "-i", f, "--no-children", "--stdio", "--sort", "dso,sym"], capture_output=True, text=True).stdout
    ifma = tot = 0.0
    for line in rep.splitlines():
        m = re.match(r"^\s+([0-9.]+)%\s+(\S+)\s+\[\.\]\s+0x([0-9a-f]+)", line)
        if not m: continue
        pct, dso, addr = float(m.group(1)), m.group(2), int(m.group(3), 16)
        tot += pct
        if "libcrypto" in dso and bisect.bisect_left(bounds, addr) in ifma_regions: ifma += pct
    print(f"{f}: {ifma:.1f}% of samples in AVX-512 IFMA (vpmadd52*) code, of {tot:.1f}% in libcrypto addresses")
