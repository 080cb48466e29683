"""The sandbox's seccomp filter: a classic BPF program that bubblewrap loads (`--seccomp FD`).

It refuses `fallocate`: one call reserves a gigabyte of disk in about a millisecond, so a
method could fill the disk between two looks of the watch (17 GiB in 31 ms, measured),
while written bytes come no faster than the disk takes them. glibc's `posix_fallocate`
then falls back to writing, which the watch keeps up with. Syscalls of another ABI (i386
through `int 0x80`, x32) are refused outright, so the number check cannot be sidestepped.
"""

from __future__ import annotations

import errno
import platform
import struct

# linux/audit.h and the per-architecture syscall tables.
_ARCHES = {
    "x86_64": (0xC000003E, 285),
    "aarch64": (0xC00000B7, 47),
}
_X32_BIT = 0x40000000

# linux/filter.h and linux/seccomp.h.
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06
_ALLOW = 0x7FFF0000
_ERRNO = 0x00050000
_NR, _ARCH = 0, 4  # offsets in struct seccomp_data


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def program(machine: str | None = None) -> bytes | None:
    """The filter for this machine's architecture, or None where it has no table here."""
    arch = _ARCHES.get(machine or platform.machine())
    if arch is None:
        return None
    audit_arch, fallocate = arch
    return b"".join([
        _insn(_LD_W_ABS, 0, 0, _ARCH),
        _insn(_JEQ_K, 1, 0, audit_arch),  # this ABI: go on; another: refused below
        _insn(_RET_K, 0, 0, _ERRNO | errno.ENOSYS),
        _insn(_LD_W_ABS, 0, 0, _NR),
        _insn(_JGE_K, 2, 0, _X32_BIT),  # x32 numbers on x86_64: refused
        _insn(_JEQ_K, 1, 0, fallocate),
        _insn(_RET_K, 0, 0, _ALLOW),
        _insn(_RET_K, 0, 0, _ERRNO | errno.EOPNOTSUPP),
    ])
