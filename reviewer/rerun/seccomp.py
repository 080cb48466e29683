"""The sandbox's seccomp filter: a classic BPF program that bubblewrap loads (`--seccomp FD`).

It refuses `fallocate`: one call reserves a gigabyte of disk in about a millisecond, so a
method could fill the disk between two looks of the watch (17 GiB in 31 ms, measured),
while written bytes come no faster than the disk takes them. glibc's `posix_fallocate`
then falls back to writing, which the watch keeps up with. io_uring is refused too, since
its IORING_OP_FALLOCATE did the same without the syscall (4 GiB in 8 ms), and so is the
kernel keyring: as root there is no user namespace, and a key one run added for its uid
was there for the next run to read. Syscalls of another ABI (i386 through `int 0x80`,
x32) are refused outright, so the number checks cannot be sidestepped.
"""

from __future__ import annotations

import errno
import platform
import struct

# linux/audit.h, and from each architecture's syscall table: fallocate, then the refused
# rest (io_uring_setup, io_uring_enter, io_uring_register, add_key, request_key, keyctl).
_ARCHES = {
    "x86_64": (0xC000003E, 285, (425, 426, 427, 248, 249, 250)),
    "aarch64": (0xC00000B7, 47, (425, 426, 427, 217, 218, 219)),
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
    audit_arch, fallocate, refused = arch
    # Jump offsets count from the next instruction; the last three are the outcomes, and
    # each check jumps past those that follow it to the last, ENOSYS.
    checks = [_insn(_JEQ_K, len(refused) - i + 2, 0, nr) for i, nr in enumerate(refused)]
    return b"".join([
        _insn(_LD_W_ABS, 0, 0, _ARCH),
        _insn(_JEQ_K, 1, 0, audit_arch),  # this ABI: go on; another: refused below
        _insn(_RET_K, 0, 0, _ERRNO | errno.ENOSYS),
        _insn(_LD_W_ABS, 0, 0, _NR),
        _insn(_JGE_K, len(refused) + 3, 0, _X32_BIT),  # x32 numbers on x86_64: refused
        *checks,  # each refused number: ENOSYS, as on a kernel without it
        _insn(_JEQ_K, 1, 0, fallocate),
        _insn(_RET_K, 0, 0, _ALLOW),
        _insn(_RET_K, 0, 0, _ERRNO | errno.EOPNOTSUPP),
        _insn(_RET_K, 0, 0, _ERRNO | errno.ENOSYS),
    ])
