"""The machine a benchmark ran on, in one line: its numbers mean little without it.

CTranslate2's int8 speed depends on the CPU's vector instructions (an AVX-512 CPU
ran the default at RTF 0.043, an AVX2-only EPYC at 0.106; issue 20), so the line
names the CPU model and those flags, read from /proc/cpuinfo.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
# the flags that decide the speed of int8 and float matrix products
_VECTOR_PREFIXES = ("avx2", "avx512", "avx_vnni", "amx")


def cpu_line(cpuinfo: str | None = None) -> str:
    """'AMD EPYC 7B13, 2 CPUs, avx2' — the first processor's model name and vector flags."""
    if cpuinfo is None:
        cpuinfo = CPUINFO.read_text(encoding="utf-8", errors="replace") if CPUINFO.exists() else ""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), value.strip())
    model = fields.get("model name") or platform.processor() or platform.machine()
    flags = sorted(f for f in fields.get("flags", "").split() if f.startswith(_VECTOR_PREFIXES))
    vector = " ".join(flags) if flags else ("no AVX2 or AVX-512" if "flags" in fields else "flags unknown")
    return f"{model}, {os.cpu_count()} CPUs, {vector}"
