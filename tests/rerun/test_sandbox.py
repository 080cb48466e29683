"""Escape attempts from inside the sandbox are blocked (DESIGN §5, notes S1)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import textwrap
from pathlib import Path

import pytest

from reviewer.rerun import sandbox, treememory
from reviewer.rerun.hostiletree import remove_tree
from reviewer.rerun.sandbox import Limits, SandboxSpec

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")


@pytest.fixture
def dirs(tmp_path):
    harness = tmp_path / "harness"
    harness.mkdir()
    (harness / "code.py").write_text("X = 1\n")
    out = tmp_path / "out"
    out.mkdir()
    secret = tmp_path / "labels"
    secret.mkdir()
    (secret / "test_labels.json").write_text(json.dumps([0, 1, 1, 0]))
    sandbox.prepare_dirs([harness], [out])
    return harness, out, secret


def probe(dirs, code: str, *, limits: Limits | None = None, env: dict | None = None):
    harness, out, _ = dirs
    script = out.parent / "probe.py"
    script.write_text(textwrap.dedent(code))
    script.chmod(0o644)
    spec = SandboxSpec(
        argv=[sys.executable, "-I", "/sandbox/probe.py"],
        ro_binds=[
            *sandbox.python_binds(),
            (harness, "/sandbox/harness"),
            (script, "/sandbox/probe.py"),
        ],
        rw_binds=[(out, "/sandbox/out")],
        env=env or {},
        cwd="/sandbox/harness",
        limits=limits or Limits(wall_s=60),
    )
    return sandbox.run(spec)


def test_a_plain_run_works_as_an_unprivileged_user(dirs):
    result = probe(
        dirs,
        """
        import os
        print(os.getuid(), os.getgid())
        open("/sandbox/out/ok.txt", "w").write("done")
    """,
    )
    assert result.returncode == 0, result.stderr
    uid, gid = result.stdout.split()
    assert gid == "65534" and 65534 - 64 < int(uid) <= 65534  # a uidslots slot
    assert (dirs[1] / "ok.txt").read_text() == "done"


def test_labels_by_path_are_invisible(dirs):
    secret = dirs[2]
    result = probe(
        dirs,
        f"""
        import os
        print(os.path.exists({str(secret)!r}), os.path.exists({str(secret / "test_labels.json")!r}))
        hits = []
        for top in ("/", ):
            for dirpath, dirnames, filenames in os.walk(top):
                if dirpath in ("/proc", "/sys", "/dev"):
                    dirnames[:] = []
                    continue
                hits += [n for n in filenames if "test_labels" in n]
        print(hits, os.path.exists("/home"), os.path.exists({str(Path.cwd() / "store")!r}))
    """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "[]", "False", "False"]


def test_proc_shows_no_host_process_and_no_secret_env(dirs, monkeypatch):
    monkeypatch.setenv("SECRET_TOKEN", "sk-ant-not-for-agents")
    result = probe(
        dirs,
        """
        import glob, os
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
        found = []
        for path in glob.glob("/proc/*/environ") + glob.glob("/proc/*/root/*"):
            try:
                data = open(path, "rb").read() if path.endswith("environ") else path.encode()
            except OSError:
                continue
            if b"sk-ant" in data or b"labels" in data:
                found.append(path)
        print(len(pids) < 10, found, "SECRET_TOKEN" in os.environ)
    """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True [] False"


def test_the_harness_is_read_only(dirs):
    result = probe(
        dirs,
        """
        import errno
        try:
            open("/sandbox/harness/code.py", "w").write("X = 2")
            print("wrote")
        except OSError as e:
            print(errno.errorcode[e.errno])
    """,
    )
    assert result.stdout.strip() == "EROFS"
    assert (dirs[0] / "code.py").read_text() == "X = 1\n"


def test_no_network_even_to_the_hosts_loopback(dirs):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        result = probe(
            dirs,
            f"""
            import socket
            for host in ("127.0.0.1", "1.1.1.1"):
                try:
                    socket.create_connection((host, {port}), timeout=2)
                    print("connected")
                except OSError as e:
                    print(type(e).__name__)
        """,
        )
    finally:
        server.close()
    assert "connected" not in result.stdout
    assert len(result.stdout.split()) == 2


def test_fork_bomb_is_stopped_by_the_process_limit(dirs):
    result = probe(
        dirs,
        """
        import os, time
        n = 0
        for _ in range(400):
            try:
                if os.fork() == 0:
                    time.sleep(3)
                    os._exit(0)
                n += 1
            except OSError:
                break
        print(n)
    """,
        limits=Limits(wall_s=60, nproc=32),
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) < 40


def test_disk_fill_is_stopped_by_the_file_size_limit(dirs):
    result = probe(
        dirs,
        """
        import signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        try:
            with open("/sandbox/out/fill", "wb") as fh:
                for _ in range(64):
                    fh.write(b"x" * (1 << 20))
            print("filled")
        except OSError as e:
            print(e.errno)
    """,
        limits=Limits(wall_s=60, file_size=8 * 1024 * 1024),
    )
    assert "filled" not in result.stdout
    assert os.path.getsize(dirs[1] / "fill") <= 8 * 1024 * 1024


def test_many_files_under_the_size_limit_are_stopped_by_the_disk_watch(dirs):
    # RLIMIT_FSIZE bounds one file: 40 files of 1 MiB each passed it.
    result = probe(
        dirs,
        """
        import os, time
        for i in range(40):
            fd = os.open(f"/sandbox/out/f{i}", os.O_WRONLY | os.O_CREAT)
            os.posix_fallocate(fd, 0, 1 << 20)
            os.close(fd)
        print("filled", flush=True)
        time.sleep(60)
    """,
        limits=Limits(wall_s=60, file_size=2 * 1024 * 1024, disk_bytes=16 * 1024 * 1024),
    )
    assert result.stopped == "it wrote more than 16 MiB" and not result.timed_out
    assert result.wall_s < 30 and result.returncode != 0


def test_an_unlinked_file_kept_open_is_stopped_by_the_free_space(dirs):
    # No walk sees a file the method deleted but still writes; the disk fills all the same.
    st = os.statvfs(dirs[1])
    free = st.f_bavail * st.f_frsize
    result = probe(
        dirs,
        """
        import os, time
        fd = os.open("/sandbox/out/hidden", os.O_WRONLY | os.O_CREAT)
        os.unlink("/sandbox/out/hidden")
        for _ in range(64):
            os.write(fd, b"x" * (1 << 20))
        os.fsync(fd)
        time.sleep(60)
    """,
        limits=Limits(wall_s=60, disk_bytes=4 << 20, keep_free_bytes=free - (8 << 20)),
    )
    assert result.stopped is not None and result.stopped.startswith(
        "the disk it writes to fell under"), result


@pytest.mark.parametrize(
    ("code", "stopped"),
    [
        ("for i in range(300): open(f'/sandbox/out/f{i}', 'w').close()",
         "it wrote more than 200 files and folders"),
        ("""
        fd = os.open("/sandbox/out", os.O_RDONLY)
        for _ in range(2000):
            os.mkdir("d", dir_fd=fd)
            fd = os.open("d", os.O_RDONLY, dir_fd=fd)
        """, "it wrote folders nested deeper than 32 levels"),
    ],
)
def test_a_flood_of_files_or_deep_folders_is_stopped(dirs, code: str, stopped: str):
    body = textwrap.indent(textwrap.dedent(code), "        ")
    result = probe(dirs, f"""
        import os, time
{body}
        time.sleep(60)
    """, limits=Limits(wall_s=60, max_entries=200))
    remove_tree(dirs[1])  # pytest's own clean-up of old temp folders recurses, and would fail
    assert result.stopped == stopped and not result.timed_out


def test_tmp_is_writable_but_bounded_and_nothing_else_outside_the_output_is(dirs):
    # Every tmpfs in the sandbox is memory; unbounded, they let a method fill the host's RAM.
    result = probe(
        dirs,
        """
        import errno, os
        with open("/tmp/scratch", "wb") as fh:
            fh.write(b"x" * (1 << 20))
        try:
            with open("/tmp/more", "wb") as fh:
                fh.write(b"x" * (8 << 20))
        except OSError as exc:
            print("tmp", errno.errorcode[exc.errno])
        for folder in ("/", "/dev", "/dev/shm", "/sandbox"):
            try:
                open(os.path.join(folder, "x"), "wb").close()
                print(folder, "written")
            except OSError:
                print(folder, "refused")
    """,
        limits=Limits(wall_s=60, tmp_bytes=4 << 20),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:5] == [
        "tmp ENOSPC", "/ refused", "/dev refused", "/dev/shm refused", "/sandbox refused"]


def test_memory_held_by_many_processes_together_is_stopped(dirs):
    # RLIMIT_AS bounds each process, so forked children could each take that much.
    result = probe(
        dirs,
        """
        import os, time
        for _ in range(4):
            if os.fork() == 0:
                block = bytearray(40 << 20)  # zero-filled, so every page is touched
                time.sleep(60)
                os._exit(0)
        time.sleep(60)
    """,
        limits=Limits(wall_s=60, memory_bytes=100 << 20),
    )
    assert result.stopped == "its processes held more than 100 MiB of memory", result
    assert not result.timed_out


def test_a_10_gb_allocation_fails(dirs):
    result = probe(
        dirs,
        """
        try:
            b = bytearray(10 * 1024**3)
            print("allocated")
        except MemoryError:
            print("MemoryError")
    """,
        limits=Limits(wall_s=60, address_space=2 * 1024**3),
    )
    assert result.stdout.strip() == "MemoryError"


def test_tiocsti_cannot_reach_a_terminal(dirs):
    result = probe(
        dirs,
        """
        import fcntl, os, termios
        ok = []
        for fd in (0, 1, 2):
            try:
                fcntl.ioctl(fd, termios.TIOCSTI, b"x")
                ok.append(fd)
            except OSError:
                pass
        try:
            os.open("/dev/tty", os.O_RDWR)
            ok.append("tty")
        except OSError:
            pass
        print(ok)
    """,
    )
    assert result.stdout.strip() == "[]"


def test_wall_clock_timeout_kills_the_whole_group(dirs):
    result = probe(
        dirs,
        """
        import os, time
        if os.fork() == 0:
            time.sleep(600)
        time.sleep(600)
    """,
        limits=Limits(wall_s=2),
    )
    assert result.timed_out and result.wall_s < 30


def test_output_is_capped_and_sanitized(dirs):
    result = probe(
        dirs,
        """
        import sys
        sys.stdout.write("\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J" + "y" * 200000)
    """,
        limits=Limits(wall_s=60, output_cap=1000),
    )
    assert len(result.stdout) <= 1001 and "\x1b" not in result.stdout


def test_missing_bubblewrap_refuses_clearly(monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
        sandbox.find_tools()


def test_gpu_binds_every_nvidia_node(monkeypatch):
    monkeypatch.setattr(sandbox, "gpu_nodes", lambda: ["/dev/nvidia0", "/dev/nvidiactl"])
    argv = sandbox.build_argv(SandboxSpec(argv=["true"], gpu=True), "bwrap", None)
    joined = " ".join(argv)
    assert "--dev-bind /dev/nvidia0 /dev/nvidia0" in joined
    assert joined.index("--dev /dev") < joined.index("--dev-bind /dev/nvidia0")
    assert "--ro-bind /sys /sys" in joined


def test_gpu_run_sees_the_hosts_driver_library_folder(monkeypatch, tmp_path):
    # GPU images often find libcuda only through LD_LIBRARY_PATH, which env -i drops.
    from reviewer import paths

    driver = tmp_path / "nvidia" / "lib64"
    driver.mkdir(parents=True)
    (driver / "libcuda.so.1").write_bytes(b"")
    plain = tmp_path / "mylibs"
    plain.mkdir()
    (plain / "libfoo.so").write_bytes(b"")
    home = paths.data_dir().parent  # an entry that holds the reviewer's salt
    home.mkdir(parents=True, exist_ok=True)
    (home / "libcuda.so.1").write_bytes(b"")
    monkeypatch.setenv("LD_LIBRARY_PATH",
                       f"{driver}:relative:{plain}:{home}:{tmp_path}/missing:{driver}")
    monkeypatch.setattr(sandbox, "gpu_nodes", lambda: [])
    assert sandbox.gpu_library_dirs() == [str(driver)]
    joined = " ".join(sandbox.build_argv(SandboxSpec(argv=["true"], gpu=True), "bwrap", None))
    assert f"--ro-bind {driver} {driver}" in joined
    assert f"--setenv LD_LIBRARY_PATH {driver} " in joined
    assert str(plain) not in joined and f"--ro-bind {home} " not in joined
    cpu = " ".join(sandbox.build_argv(SandboxSpec(argv=["true"]), "bwrap", None))
    assert "LD_LIBRARY_PATH" not in cpu and str(driver) not in cpu


def test_live_output_tail_is_reported_while_running(dirs):
    out = dirs[1]
    script = out.parent / "probe.py"
    script.write_text("import sys, time\nprint('seed 1 done', flush=True)\n"
                      "sys.stderr.write('partial'); sys.stderr.flush()\ntime.sleep(2.5)\n")
    script.chmod(0o644)
    seen: list[str] = []
    spec = SandboxSpec(
        argv=[sys.executable, "-I", "/sandbox/probe.py"],
        ro_binds=[*sandbox.python_binds(), (script, "/sandbox/probe.py")],
        rw_binds=[(out, "/sandbox/out")], limits=Limits(wall_s=60),
    )
    result = sandbox.run(spec, on_output=seen.append)
    assert result.returncode == 0
    assert any("seed 1 done" in tail for tail in seen)
    # stderr's unfinished line stays on its own line, not joined to stdout's first
    assert any(tail.splitlines() == ["partial", "seed 1 done"] for tail in seen), seen


def test_a_cpu_run_may_not_map_more_than_most_of_the_memory():
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    cap = sandbox.cpu_address_space()
    assert cap <= 32 * 1024**3 and cap <= memory * 3 // 4
    assert cap >= min(32 * 1024**3, memory // 2)


def test_fallocate_is_refused_so_a_disk_cannot_be_reserved_between_two_looks(dirs):
    # One fallocate reserved 1 GiB in about a millisecond: 17 GiB went before the watch looked.
    result = probe(
        dirs,
        """
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open("/sandbox/out/big", os.O_WRONLY | os.O_CREAT)
        print(libc.fallocate(fd, 0, ctypes.c_long(0), ctypes.c_long(1 << 20)),
              ctypes.get_errno() == 95)
        os.posix_fallocate(fd, 0, 1 << 20)  # glibc falls back to writing, which the watch sees
        print(os.fstat(fd).st_blocks * 512 >= 1 << 20)
    """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["-1", "True", "True"]


def test_the_seccomp_filter_is_built_for_the_known_architectures():
    from reviewer.rerun import seccomp

    assert len(seccomp.program("x86_64") or b"") == 15 * 8
    assert seccomp.program("aarch64") != seccomp.program("x86_64")
    assert seccomp.program("riscv64") is None


def test_a_burst_written_as_the_method_exits_is_caught_after_it_exited(dirs):
    # An exit handler wrote past the limit after the watch's last look; the run then scored
    # as if nothing had happened, with the disk still full.
    result = probe(
        dirs,
        """
        import atexit, os
        def burst():
            for i in range(24):
                with open(f"/sandbox/out/f{i}", "wb") as fh:
                    fh.write(b"x" * (1 << 20))
        atexit.register(burst)
    """,
        limits=Limits(wall_s=60, disk_bytes=16 << 20),
    )
    assert result.stopped == "it wrote more than 16 MiB", result


def test_memory_no_process_holds_is_stopped_by_the_machines_available_memory(dirs):
    # A memfd's pages are in no process's resident set: 3 GiB of them went unseen.
    available = sandbox._available_memory()
    result = probe(
        dirs,
        """
        import os, time
        # Two memfds under the 1 GiB file-size limit each, filled until the watch stops it:
        # freed memory elsewhere can lift what is available while this fills.
        fds = [os.memfd_create("hidden"), os.memfd_create("hidden")]
        for i in range(1536):
            os.write(fds[i % 2], b"x" * (1 << 20))
        print("held", flush=True)
        time.sleep(60)
    """,
        limits=Limits(wall_s=60, keep_free_memory=available - (128 << 20)),
    )
    assert result.stopped is not None and result.stopped.startswith(
        "the machine's available memory fell under"), result
    assert not result.timed_out


@pytest.mark.skipif(os.geteuid() != 0, reason="slots apply where root drops to a uid")
def test_a_run_holding_its_process_budget_leaves_a_run_beside_it_its_own(dirs, tmp_path):
    # All sandboxes ran as uid 65534, and RLIMIT_NPROC counts a uid machine-wide: a method
    # holding 512 sleeping children made an honest rerun beside it fail.
    import threading
    import time

    holder_out = tmp_path / "holder-out"
    holder_out.mkdir()
    sandbox.prepare_dirs([], [holder_out])
    holder = tmp_path / "holder.py"
    holder.write_text(textwrap.dedent("""
        import os, time
        for _ in range(30):
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
        open("/sandbox/out/held", "w").close()
        time.sleep(60)
    """))
    holder.chmod(0o644)
    spec = SandboxSpec(
        argv=[sys.executable, "-I", "/sandbox/holder.py"],
        ro_binds=[*sandbox.python_binds(), (holder, "/sandbox/holder.py")],
        rw_binds=[(holder_out, "/sandbox/out")],
        limits=Limits(wall_s=60, nproc=40),
    )
    stop = threading.Event()
    held: list[sandbox.SandboxResult] = []
    thread = threading.Thread(target=lambda: held.append(sandbox.run(spec, cancel=stop)))
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not (holder_out / "held").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (holder_out / "held").exists()
        result = probe(dirs, """
            import os, time
            for _ in range(20):  # 20 at once, with the holder's 31 over a shared 40
                if os.fork() == 0:
                    time.sleep(1)
                    os._exit(0)
            for _ in range(20):
                os.wait()
            print("ok")
        """, limits=Limits(wall_s=60, nproc=40))
    finally:
        stop.set()
        thread.join()
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="x86_64 syscall numbers")
def test_io_uring_and_the_kernel_keyring_are_refused(dirs):
    # io_uring's fallocate reserved 4 GiB in 8 ms past the filter; a key one run added for
    # its uid was there for the next run to read.
    result = probe(
        dirs,
        """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        params = ctypes.create_string_buffer(120)
        for name, number, args in (("io_uring_setup", 425, (4, params)),
                                   ("add_key", 248, (b"user", b"k", b"v", 1, -3))):
            print(name, libc.syscall(number, *args), ctypes.get_errno())
    """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["io_uring_setup", "-1", "38", "add_key", "-1", "38"]


def test_a_run_beside_one_that_takes_the_memory_is_left_to_finish(dirs, tmp_path):
    # Machine-wide, the floor stopped an honest rerun beside one filling a memfd.
    import threading
    import time

    available = sandbox._available_memory()
    limits = Limits(wall_s=60, keep_free_memory=available - (128 << 20))
    hungry_out = tmp_path / "hungry-out"
    hungry_out.mkdir()
    sandbox.prepare_dirs([], [hungry_out])
    hungry = tmp_path / "hungry.py"
    hungry.write_text(textwrap.dedent("""
        import os, time
        fds = [os.memfd_create("hidden"), os.memfd_create("hidden")]
        for i in range(1536):  # until the watch stops it, as above
            os.write(fds[i % 2], b"x" * (1 << 20))
        time.sleep(60)
    """))
    hungry.chmod(0o644)
    spec = SandboxSpec(
        argv=[sys.executable, "-I", "/sandbox/hungry.py"],
        ro_binds=[*sandbox.python_binds(), (hungry, "/sandbox/hungry.py")],
        rw_binds=[(hungry_out, "/sandbox/out")], limits=limits)
    results: list[sandbox.SandboxResult] = []
    honest = threading.Thread(target=lambda: results.append(probe(dirs, """
        import time
        time.sleep(4)
        print("done")
    """, limits=limits)))
    honest.start()
    time.sleep(0.5)  # both watches measure the machine before the memfd fills
    took = sandbox.run(spec)
    honest.join()
    assert took.stopped is not None and took.stopped.startswith(
        "the machine's available memory fell under"), took
    assert results[0].stopped is None and results[0].stdout.strip() == "done", results[0]



_MAPPED = """
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                      ctypes.c_int, ctypes.c_long]
size = int(sys.argv[1]) << 20
fd = os.memfd_create("hidden")
os.ftruncate(fd, max(size, 4096))
address = libc.mmap(None, max(size, 4096), 3, 1, fd, 0)  # PROT_READ|WRITE, MAP_SHARED
os.close(fd)  # Python's mmap would keep a copy of the descriptor; libc's does not
ctypes.memset(address, 1, size)
print("held", flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize(("mib", "blamed"), [(256, True), (0, False)])
def test_a_memfd_mapped_and_closed_still_counts_as_this_runs(tmp_path, mib, blamed):
    # Under the machine's floor, a run is stopped for the memory its memfds hold; one mapped
    # and closed is no descriptor, only its process's RssShmem.
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", _MAPPED, str(mib)], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with open(tmp_path / "log", "wb") as log:
            watch = sandbox._Watch(Limits(keep_free_memory=1 << 30), [tmp_path], [log])
        below = watch.memory_floor - 1  # under the floor, above half of it
        pids = treememory.descendants(proc.pid)
        assert watch._short_of_memory_by_us(pids, below) is blamed
        assert watch._short_of_memory_by_us(pids, watch.memory_floor // 2 - 1)
    finally:
        proc.kill()
        proc.wait()
