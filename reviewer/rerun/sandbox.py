"""Run an untrusted command under bubblewrap: no network, read-only code, one writable folder.

As root, bubblewrap builds the sandbox without a user namespace and `setpriv`
then drops to an unprivileged uid, because RLIMIT_NPROC binds only a real
non-root uid. Otherwise bubblewrap maps the caller to `SANDBOX_UID` in a new
user namespace.
"""

from __future__ import annotations

import glob
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from reviewer import paths
from reviewer.rerun import cgroups, seccomp, treememory, uidslots
from reviewer.rerun.hostiletree import disk_usage
from reviewer.textsafe import clean

SANDBOX_UID = 65534
SANDBOX_GID = 65534
_BASE_DIRS = ("/usr",)
_ETC_FILES = ("/etc/ld.so.cache", "/etc/nsswitch.conf", "/etc/localtime")


class SandboxUnavailable(Exception):
    """bubblewrap (or setpriv, when running as root) is not installed."""


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandboxed run."""

    wall_s: float = 1800.0
    cpu_s: int = 3600
    address_space: int | None = 64 * 1024**3
    file_size: int = 1024**3
    nproc: int = 512  # threads count too, and torch starts many
    output_cap: int = 64 * 1024
    # All the run may write (its folders and its captured output): RLIMIT_FSIZE bounds a
    # file, not how many there are, so a watch stops the run past these.
    disk_bytes: int = 2 * 1024**3
    max_entries: int = 10_000
    max_depth: int = 32
    keep_free_bytes: int = 1024**3  # on each disk it writes to, past its own disk_bytes
    # What all its processes hold resident together; None is three quarters of the memory.
    memory_bytes: int | None = None
    tmp_bytes: int = 512 * 1024**2  # its /tmp, which lives in memory
    # The machine's available memory it must leave: a memfd's or shared segment's pages are
    # in no process's resident set. None is a sixteenth of the memory, at most 2 GiB.
    keep_free_memory: int | None = None


def _most_memory() -> int:
    """Three quarters of this machine's memory."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * 3 // 4


def cpu_address_space() -> int:
    """A CPU run's address-space cap: 32 GiB, or three quarters of this machine's memory
    when that is less, so one method cannot take all of a small machine's memory."""
    return min(32 * 1024**3, _most_memory())


@dataclass(frozen=True)
class SandboxSpec:
    """What to run and what it may see; host paths map to sandbox paths."""

    argv: list[str]
    ro_binds: list[tuple[Path, str]] = field(default_factory=list)
    rw_binds: list[tuple[Path, str]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = "/"
    gpu: bool = False
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class SandboxResult:
    """How the sandboxed command ended; output is capped and terminal-safe."""

    returncode: int
    timed_out: bool
    wall_s: float
    stdout: str
    stderr: str
    argv: list[str]
    stopped: str | None = None  # why the reviewer stopped it early, other than the clock
    cgroup: str | None = None  # the control group whose limits the kernel enforced, if any


def find_tools() -> tuple[str, str | None]:
    """Paths of bwrap and (as root) setpriv, or SandboxUnavailable with what to install."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(
            "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap); "
            "reruns refuse to start without a sandbox"
        )
    if os.geteuid() != 0:
        return bwrap, None
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise SandboxUnavailable("setpriv (util-linux) is needed to drop root in the sandbox")
    return bwrap, setpriv


def python_binds() -> list[tuple[Path, str]]:
    """The running interpreter and its venv, read-only at the same paths, for `sys.executable`."""
    binds: list[tuple[Path, str]] = []
    for prefix in dict.fromkeys([sys.base_prefix, sys.prefix]):
        if not prefix.startswith(_BASE_DIRS):
            binds.append((Path(prefix), prefix))
    return binds


def gpu_nodes() -> list[str]:
    """Every NVIDIA device node; CUDA silently sees no GPU unless each is bound explicitly."""
    nodes = sorted(glob.glob("/dev/nvidia*")) + sorted(glob.glob("/dev/nvidia-caps/*"))
    return [n for n in nodes if not os.path.isdir(n)]


def gpu_library_dirs() -> list[str]:
    """The LD_LIBRARY_PATH folders holding NVIDIA driver libraries (libcuda, libnvidia-*).

    GPU images often keep libcuda only there, and `env -i` drops the variable. Only driver
    folders qualify, and never one that contains the reviewer's own data, cache or config
    (the salt, the baselines), so a broad entry such as $HOME exposes nothing.
    """
    private = [Path(p).resolve() for p in (paths.data_dir(), paths.cache_dir(), paths.config_dir())]
    dirs: list[str] = []
    for part in os.environ.get("LD_LIBRARY_PATH", "").split(":"):
        path = os.path.normpath(part) if part.startswith("/") else ""
        if not path or path in dirs or not os.path.isdir(path):
            continue
        real = Path(path).resolve()
        if any(p == real or real in p.parents for p in private):
            continue
        if glob.glob(os.path.join(glob.escape(path), "libcuda.so*")) or glob.glob(
            os.path.join(glob.escape(path), "libnvidia-*.so*")
        ):
            dirs.append(path)
    return dirs


def _parents(targets: list[str]) -> list[str]:
    """`--dir` arguments making every ancestor of the bind targets world-readable.

    bubblewrap otherwise copies the host parents' modes, e.g. /root's 0700.
    """
    seen: dict[str, None] = {}
    for target in targets:
        for parent in reversed(PurePosixPath(target).parents):
            if str(parent) not in ("/", *_BASE_DIRS) and str(parent) not in seen:
                seen[str(parent)] = None
    args: list[str] = []
    for directory in seen:
        args += ["--perms", "0755", "--dir", directory]
    return args


def build_argv(
    spec: SandboxSpec,
    bwrap: str,
    setpriv: str | None,
    seccomp_fd: int | None = None,
    uid: int = SANDBOX_UID,
) -> list[str]:
    """The full command line: `env -i bwrap ... [setpriv ...] -- argv`; `seccomp_fd` is an
    inherited descriptor holding the filter of `reviewer.rerun.seccomp`, and `uid` the one
    setpriv drops to (`uidslots`)."""
    argv = ["/usr/bin/env", "-i", bwrap]
    if setpriv is None:
        argv += [
            "--unshare-all",
            "--uid",
            str(SANDBOX_UID),
            "--gid",
            str(SANDBOX_GID),
            "--cap-drop",
            "ALL",
        ]
    else:
        # No user namespace as root: the uid drop below needs these three caps, then has none.
        argv += [
            "--unshare-ipc",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--cap-drop",
            "ALL",
            "--cap-add",
            "CAP_SETUID",
            "--cap-add",
            "CAP_SETGID",
            "--cap-add",
            "CAP_SETPCAP",
        ]
    argv += ["--die-with-parent", "--new-session"]
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    argv += [
        "--ro-bind",
        "/usr",
        "/usr",
        "--symlink",
        "usr/lib",
        "/lib",
        "--symlink",
        "usr/lib64",
        "/lib64",
        "--symlink",
        "usr/bin",
        "/bin",
        "--symlink",
        "usr/sbin",
        "/sbin",
    ]
    for path in _ETC_FILES:
        argv += ["--ro-bind-try", path, path]
    # Every tmpfs lives in memory, so /tmp is sized and / and /dev are read-only below:
    # without a user namespace's root they were writable, up to half the memory each.
    tmp = ["--perms", "1777", "--size", str(spec.limits.tmp_bytes), "--tmpfs", "/tmp"]
    argv += ["--proc", "/proc", "--dev", "/dev", *tmp]
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}
    lib_binds: list[tuple[Path, str]] = []
    if spec.gpu:
        for node in gpu_nodes():
            argv += ["--dev-bind", node, node]
        argv += ["--ro-bind", "/sys", "/sys"]
        libs = gpu_library_dirs()
        if libs:
            env["LD_LIBRARY_PATH"] = ":".join(libs)
            lib_binds = [(Path(d), d) for d in libs
                         if not any(d == b or d.startswith(b + "/") for b in _BASE_DIRS)]
    ro_binds = lib_binds + spec.ro_binds
    targets = [t for _, t in ro_binds + spec.rw_binds]
    argv += _parents(targets)
    for src, dst in ro_binds:
        argv += ["--ro-bind", str(src), dst]
    for src, dst in spec.rw_binds:
        argv += ["--bind", str(src), dst]
    # Last, once every mount point in them exists; the bound device nodes stay writable.
    argv += ["--remount-ro", "/dev", "--remount-ro", "/"]
    argv += ["--chdir", spec.cwd, "--clearenv"]
    env.update(spec.env)
    for key, value in sorted(env.items()):
        argv += ["--setenv", key, value]
    argv.append("--")
    if setpriv is not None:
        argv += [
            setpriv,
            f"--reuid={uid}",
            f"--regid={SANDBOX_GID}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--",
        ]
    return argv + spec.argv


def _user_processes(uid: int) -> int:
    count = 0
    for status in glob.glob("/proc/[0-9]*/status"):
        try:
            with open(status) as fh:
                for line in fh:
                    if line.startswith("Uid:"):
                        count += int(line.split()[1]) == uid
                        break
        except OSError:
            continue
    return count


def _limiter(limits: Limits, nproc: int, group: cgroups.RunGroup | None = None) -> None:
    """Set rlimits in the child before exec; soft < hard CPU gives SIGXCPU before SIGKILL.
    In `group`, every process the run starts is charged to its cgroup limits."""
    if group is not None:
        group.join()
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_size, limits.file_size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    if limits.address_space is not None:
        resource.setrlimit(resource.RLIMIT_AS, (limits.address_space, limits.address_space))


def _tail(path: Path, cap: int) -> str:
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - cap))
        data = fh.read(cap)
    text = data.decode("utf-8", "replace")
    return ("…" if size > cap else "") + clean(text)


WATCH_MAX_GAP_S = 0.5
HIDDEN_MEMORY_BYTES = 64 * 1024**2  # in memfds, enough to count as what took the memory


class _Watch:
    """Stops a run that writes or holds past its limits; looks at most every tenth of the time."""

    def __init__(self, limits: Limits, roots: list[Path], logs: list[BinaryIO]) -> None:
        self.limits, self.roots, self.logs = limits, roots, logs
        self.memory = limits.memory_bytes if limits.memory_bytes is not None else _most_memory()
        self.next_at = 0.0
        # A file the method unlinks but keeps open is in no walk, yet fills the disk; so the
        # free space may not fall under `keep_free_bytes`, once the run had its disk_bytes.
        where: list[Path | int] = [*roots, *(f.fileno() for f in logs)]
        self.floors = {w: max(0, min(limits.keep_free_bytes, _free(w) - limits.disk_bytes))
                       for w in where}
        keep = limits.keep_free_memory
        if keep is None:
            keep = min(2 * 1024**3, os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 16)
        # Lowered when the machine starts short, so a run there still gets 256 MiB.
        self.memory_floor = max(0, min(keep, _available_memory() - 256 * 1024**2))

    def check(self, now: float, pid: int) -> str | None:
        """Why the run started as `pid` must stop, or None; a walk costs one stat per entry
        and one read per process on the machine."""
        if now < self.next_at:
            return None
        pids = treememory.descendants(pid)  # one walk of /proc for both memory checks
        if treememory.tree_bytes(pids) > self.memory:
            return f"its processes held more than {self.memory / 1024**2:g} MiB of memory"
        available = _available_memory()
        if available < self.memory_floor and self._short_of_memory_by_us(pids, available):
            return (f"the machine's available memory fell under "
                    f"{self.memory_floor / 1024**2:g} MiB while it ran")
        why = self.disk()
        took = time.monotonic() - now
        # A tenth of the time at most, yet never so seldom that a method slowing the walk
        # (many files, many processes) buys itself a long gap between looks.
        self.next_at = now + min(WATCH_MAX_GAP_S, max(0.05, 10 * took))
        return why

    def _short_of_memory_by_us(self, pids: list[int], available: int) -> bool:
        """Whether the run of `pids` is to stop with the machine under its memory floor: when
        its memfds or shared mappings hold much of it (an open memfd's pages are in no
        process's resident set), when it keeps so many descriptors they cannot be read
        quickly, or, under half the floor, whoever took it (SysV shared memory has no owner
        to find), before the kernel's OOM killer picks a process. An honest run beside a
        hungry one is otherwise left be."""
        if available < self.memory_floor // 2:
            return True
        hidden = treememory.memfd_bytes(pids)
        if hidden is None:
            return True
        # A memfd mapped and then closed is no descriptor but its process's RssShmem.
        return hidden + sum(map(treememory.shared_bytes, pids)) >= HIDDEN_MEMORY_BYTES

    def disk(self) -> str | None:
        """Why what the run wrote breaks its limits, or None; also checked once it exited,
        since a burst after the last look (an exit handler's) was otherwise never seen."""
        lim = self.limits
        usage = disk_usage(self.roots, lim.max_entries, lim.max_depth)
        if usage.problem is not None:
            return f"it wrote {usage.problem}"
        used = usage.bytes + sum(os.fstat(f.fileno()).st_blocks * 512 for f in self.logs)
        if used > lim.disk_bytes:
            return f"it wrote more than {lim.disk_bytes / 1024**2:g} MiB"
        for where, floor in self.floors.items():
            if _free(where) < floor:
                return f"the disk it writes to fell under {floor / 1024**2:g} MiB free"
        return None


def _out_of_memory(group: cgroups.RunGroup | None, memory: int) -> str | None:
    """Why the run stops when the kernel killed one of its processes at its cgroup's
    memory limit: what is left of it would score a run that lost part of itself."""
    if group is None or not group.oom_killed():
        return None
    return f"its processes held more than {memory / 1024**2:g} MiB of memory"


def _available_memory() -> int:
    """MemAvailable: what the machine can still give without swapping."""
    with open("/proc/meminfo", "rb") as fh:
        for line in fh:
            if line.startswith(b"MemAvailable:"):
                return int(line.split()[1]) * 1024
    return _most_memory()  # kernels before 3.14 have no such line


def _free(where: Path | int) -> int:
    """Bytes an unprivileged writer can still use on the filesystem holding `where`."""
    st = os.statvfs(where)
    return st.f_bavail * st.f_frsize


def prepare_dirs(readable: list[Path], writable: list[Path]) -> None:
    """Make bound folders usable by the sandbox uid: read-only trees readable, outputs owned."""
    for root in readable:
        os.chmod(root, 0o755)
        for dirpath, dirnames, filenames in os.walk(root):
            for d in dirnames:
                os.chmod(Path(dirpath, d), 0o755)
            for f in filenames:
                os.chmod(Path(dirpath, f), 0o644)
    for path in writable:
        os.chmod(path, 0o700)
        if os.geteuid() == 0:
            os.chown(path, SANDBOX_UID, SANDBOX_GID)


def run(
    spec: SandboxSpec,
    *,
    cancel: threading.Event | None = None,
    unsafe_no_sandbox: bool = False,
    on_output: Callable[[str], None] | None = None,
) -> SandboxResult:
    """Run the spec under bubblewrap; on timeout or `cancel` kill the whole process group.

    `on_output` gets the capped, cleaned tail of the output about once a second.
    `unsafe_no_sandbox` runs the bare argv with the same limits and clean
    environment but no isolation, for trusted debugging only.
    """
    try:
        if unsafe_no_sandbox:
            env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", **spec.env}
            argv = ["/usr/bin/env", "-i", *[f"{k}={v}" for k, v in sorted(env.items())],
                    *spec.argv]
            return _run(spec, argv, None, cancel, True, on_output, ())
        bwrap, setpriv = find_tools()
        with uidslots.sandbox_uid() as uid:
            return _sandboxed(spec, bwrap, setpriv, uid, cancel, on_output)
    except (uidslots.NoFreeSlot, cgroups.GroupError) as exc:
        raise SandboxUnavailable(str(exc)) from exc


def _sandboxed(
    spec: SandboxSpec,
    bwrap: str,
    setpriv: str | None,
    uid: int,
    cancel: threading.Event | None,
    on_output: Callable[[str], None] | None,
) -> SandboxResult:
    """`run` under bubblewrap, as `uid` when root drops to it, with the seccomp filter."""
    filter_fd = _filter_fd()
    try:
        if setpriv is not None and uid != SANDBOX_UID:
            for host, _ in spec.rw_binds:
                os.chown(host, uid, SANDBOX_GID)
        argv = build_argv(spec, bwrap, setpriv, filter_fd, uid)
        return _run(spec, argv, uid if setpriv is not None else None, cancel, False,
                    on_output, () if filter_fd is None else (filter_fd,))
    finally:
        if filter_fd is not None:
            os.close(filter_fd)


def _filter_fd() -> int | None:
    """A pipe's read end holding the seccomp filter for bubblewrap, or None without one."""
    code = seccomp.program()
    if code is None:
        return None
    read, write = os.pipe()
    try:
        os.write(write, code)  # a few dozen bytes: far under a pipe's buffer
    finally:
        os.close(write)
    return read


def _run(
    spec: SandboxSpec,
    argv: list[str],
    dropped_to: int | None,
    cancel: threading.Event | None,
    unsafe_no_sandbox: bool,
    on_output: Callable[[str], None] | None,
    pass_fds: tuple[int, ...],
) -> SandboxResult:
    """Start `argv` under the limits and watch it; `dropped_to` is the uid setpriv drops
    root to, whose count of processes is the run's alone."""
    limits = spec.limits
    nproc = limits.nproc + (0 if dropped_to is not None else _user_processes(os.getuid()))
    memory = limits.memory_bytes if limits.memory_bytes is not None else _most_memory()
    with (cgroups.limited(memory, limits.nproc) as group,
          tempfile.TemporaryDirectory(prefix="reviewer-sbx-log-") as logs):
        out_path, err_path = Path(logs, "stdout"), Path(logs, "stderr")
        start = time.monotonic()
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            # Made before the run starts, so the free space it keeps is measured untouched.
            watch = _Watch(limits, [host for host, _ in spec.rw_binds], [out, err])
            try:
                proc = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    start_new_session=True,
                    preexec_fn=lambda: _limiter(limits, nproc, group),
                    cwd=spec.cwd if unsafe_no_sandbox else None,
                    pass_fds=pass_fds,
                )
            except subprocess.SubprocessError as exc:
                # An exception in the child before exec: nothing of the run ran.
                raise SandboxUnavailable(
                    "the run could not be started under its limits (setting its rlimits or "
                    f"joining its control group failed before exec): {exc}") from exc
            timed_out = False
            stopped: str | None = None
            try:
                last_report = start
                while proc.poll() is None:
                    now = time.monotonic()
                    if now - start > limits.wall_s:
                        timed_out = True
                        break
                    if cancel is not None and cancel.is_set():
                        break
                    stopped = watch.check(now, proc.pid) or _out_of_memory(group, memory)
                    if stopped is not None:
                        break
                    if on_output is not None and now - last_report >= 1.0:
                        # The live tail lets a reviewer watch a long rerun from the TUI.
                        # On lines of their own: stderr's last partial line joined stdout's first.
                        parts = (_tail(err_path, 2000), _tail(out_path, 2000))
                        on_output("\n".join(part for part in parts if part))
                        last_report = now
                    time.sleep(0.05)
            finally:
                # Once reaped, its pid may name another process: look only while it runs.
                inside = treememory.descendants(proc.pid)[1:] if proc.poll() is None else []
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
                treememory.kill_all(inside)
                if group is not None:
                    group.kill_all()
            if stopped is None and not timed_out:
                stopped = _out_of_memory(group, memory) or watch.disk()
        wall = time.monotonic() - start
        return SandboxResult(
            returncode=proc.returncode,
            timed_out=timed_out,
            wall_s=wall,
            stdout=_tail(out_path, limits.output_cap),
            stderr=_tail(err_path, limits.output_cap),
            argv=argv,
            stopped=stopped,
            cgroup=None if group is None else group.dirs[0].name,
        )
