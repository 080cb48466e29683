"""Run an untrusted command under bubblewrap: no network, read-only code, one writable folder.

As root, bubblewrap builds the sandbox without a user namespace and `setpriv`
then drops to an unprivileged uid, because RLIMIT_NPROC binds only a real
non-root uid. Otherwise bubblewrap maps the caller to `SANDBOX_UID` in a new
user namespace.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

from reviewer import paths
from reviewer.rerun import cgroups, seccomp, uidslots
from reviewer.rerun.sandboxproc import _run
from reviewer.rerun.sandboxspec import Limits as Limits
from reviewer.rerun.sandboxspec import SandboxResult, SandboxSpec, SandboxUnavailable
from reviewer.rerun.sandboxspec import cpu_address_space as cpu_address_space

# The watch's internals, reached through this module by tests/rerun/test_sandbox.py.
from reviewer.rerun.sandboxwatch import _available_memory as _available_memory
from reviewer.rerun.sandboxwatch import _Watch as _Watch

SANDBOX_UID = 65534
SANDBOX_GID = 65534
_BASE_DIRS = ("/usr",)
_ETC_FILES = ("/etc/ld.so.cache", "/etc/nsswitch.conf", "/etc/localtime")
# What the harness's runner and methods import, and what torch itself imports on loading.
SANDBOX_MODULES = ("numpy", "torch", "typing_extensions")


def find_tools(*, modules: tuple[str, ...] | None = None) -> tuple[str, str | None]:
    """Paths of bwrap and (as root) setpriv, or SandboxUnavailable with what to install;
    also SandboxUnavailable when one of `modules` (None: `SANDBOX_MODULES`) lies where the
    sandbox cannot see it."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(
            "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap); "
            "reruns refuse to start without a sandbox"
        )
    require_modules(modules)
    if os.geteuid() != 0:
        return bwrap, None
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise SandboxUnavailable("setpriv (util-linux) is needed to drop root in the sandbox")
    return bwrap, setpriv


def bound_roots() -> list[Path]:
    """The host folders the sandbox sees this interpreter's files in: its prefixes and /usr."""
    return [src for src, _ in python_binds()] + [Path(d) for d in _BASE_DIRS]


# Asked of this interpreter run as the sandbox runs it: `find_spec` of a top-level name
# locates it without importing it; built-in and frozen modules live in the interpreter.
_FIND = (
    "import importlib.util, json, sys\n"
    "found = {}\n"
    "for name in sys.argv[1:]:\n"
    "    try:\n"
    "        spec = importlib.util.find_spec(name)\n"
    "    except (ImportError, ValueError):\n"
    "        spec = None\n"
    "    found[name] = None if spec is None else [] if spec.origin in ('built-in', 'frozen') \\\n"
    "        else list(spec.submodule_search_locations or []) or [spec.origin or '']\n"
    "print(json.dumps(found))\n"
)


def module_places(names: Sequence[str]) -> dict[str, list[str] | None]:
    """Where this interpreter, started as the sandbox starts it (`-s`, a clean environment:
    no PYTHONPATH, no user site), finds each module; None where it finds none.

    Asked of a child: this process's own path may hold PYTHONPATH folders the method never
    sees, or shadow a module the method would find in the venv.
    """
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONNOUSERSITE": "1"}
    try:
        out = subprocess.run([sys.executable, "-s", "-P", "-c", _FIND, *names], env=env,
                             capture_output=True, text=True, timeout=60, check=False)
        found = json.loads(out.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        raise SandboxUnavailable(f"{sys.executable} could not say where its modules are "
                                 f"({exc}); reruns refuse to start until it can") from exc
    return {name: found.get(name) for name in names}


def module_problem(name: str, places: list[str] | None, roots: list[Path]) -> str | None:
    """Why the sandboxed interpreter would not import top-level module `name` from `places`
    (where `module_places` found it): nowhere, or somewhere outside `roots` (a link or `.pth`
    leading out of the venv); None when it would."""
    if places is None:
        return (f"{sys.executable}, started as the sandbox starts it (no PYTHONPATH, no user "
                f"site), cannot find {name}")
    real_roots = [Path(os.path.realpath(r)) for r in roots]
    for place in places:
        real = Path(os.path.realpath(place)) if place.startswith("/") else None
        if real is None or not any(real.is_relative_to(r) for r in real_roots):
            shown = ", ".join(map(str, roots))
            return f"{name} is at {place}, outside what the sandbox mounts ({shown})"
    return None


def require_modules(modules: tuple[str, ...] | None = None) -> None:
    """SandboxUnavailable naming the first of `modules` the sandboxed method could not import.

    The sandbox runs this interpreter with `-s` in a clean environment and sees only
    `bound_roots()`, so a module found elsewhere would fail the method and be charged to the
    proposal's agent.
    """
    names = SANDBOX_MODULES if modules is None else modules
    if not names:
        return
    roots = bound_roots()
    places = module_places(names)
    for name in names:
        problem = module_problem(name, places[name], roots)
        if problem is not None:
            raise SandboxUnavailable(
                f"{problem}, so a sandboxed method could not import it; install it "
                f"into this environment ({sys.prefix}: {sys.executable} -m pip install {name}, "
                "not --user); reruns refuse to start until then"
            )


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
        # A spec running this interpreter needs its modules; another brings its own.
        own = spec.argv[:1] == [sys.executable]
        bwrap, setpriv = find_tools(modules=None if own else ())
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
