"""A store's first publish killed after its push landed, before its `publish` event."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.publish.helpers import configure, decidable, git
from tests.publish.test_git import files_on


def test_the_retry_keeps_the_name_so_an_undo_removes_the_record(tmp_path):
    # The retry picked a new store name: the ledger then showed a phantom second store
    # vouching, and undoing the approval left the finding in the shared findings.
    remote, folder, db, pid = decidable(tmp_path, 1)
    hook = remote / "hooks" / "post-receive"
    landed = tmp_path / "landed"
    # Runs once the pushed refs are in place, so the push has landed while it sleeps.
    hook.write_text(f"#!/bin/sh\ntouch '{landed}'\nsleep 60\n")
    hook.chmod(0o755)
    configure(folder)

    def reviewer(*args: str, **kwargs) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "reviewer", "--db", str(db), "--actor", "alice@example.org",
             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)

    first = reviewer("approve", pid, "--reason", "holds up", "--override", "checked by hand",
                     start_new_session=True)
    deadline = time.monotonic() + 120
    while not landed.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert landed.exists(), first.communicate()
    os.killpg(first.pid, signal.SIGKILL)  # a power cut between the push and its event
    first.communicate()
    hook.unlink()
    assert any(f.startswith(pid[:12]) for f in files_on(remote))

    for args in (("publish", pid), ("undo", pid, "--reason", "withdraw it")):
        _, err = reviewer(*args).communicate(timeout=300)
        assert b"Traceback" not in err, err
    assert [f for f in files_on(remote) if f.startswith(pid[:12])] == []
    log = git(remote, "log", "--format=%(trailers:key=Store,valueonly,separator=)", "main")
    assert len({name for name in log.split() if name}) == 1  # one store name, not two
