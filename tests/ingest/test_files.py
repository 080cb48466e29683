from __future__ import annotations

import os

from reviewer.ingest import read_paths
from tests.ingest.helpers import FINDING, NATIVE, write_json


def test_folder_walk_is_sorted_recursive_and_skips_hidden(tmp_path):
    write_json(tmp_path / "b.json", NATIVE)
    write_json(tmp_path / "a.jsonl", NATIVE)
    write_json(tmp_path / "sub" / "c.json", NATIVE)
    write_json(tmp_path / "sub" / "deeper" / "d.json", NATIVE)
    write_json(tmp_path / ".hidden" / "e.json", NATIVE)
    write_json(tmp_path / ".f.json", NATIVE)
    (tmp_path / "notes.txt").write_text("not a proposal")
    (tmp_path / "x.diff").write_text("+1\n")
    results = read_paths([tmp_path])
    names = [r.path.relative_to(tmp_path).as_posix() for r in results]
    assert names == ["a.jsonl", "b.json", "sub/c.json", "sub/deeper/d.json"]
    assert all(r.ok and len(r.proposals) == 1 for r in results)


def test_symlinks_in_folders_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    write_json(outside / "secret.json", NATIVE)
    folder = tmp_path / "in"
    write_json(folder / "ok.json", NATIVE)
    (folder / "link.json").symlink_to(outside / "secret.json")
    (folder / "linkdir").symlink_to(outside)
    results = {r.path.name: r for r in read_paths([folder])}
    assert set(results) == {"ok.json", "link.json", "linkdir"}
    assert results["ok.json"].ok
    for name in ("link.json", "linkdir"):
        assert results[name].proposals == []
        message = f"{folder / name}: is a symbolic link, which is not followed"
        assert str(results[name].error) == message


def test_missing_path_is_named(tmp_path):
    missing = tmp_path / "nope.json"
    [result] = read_paths([missing])
    assert str(result.error) == f"{missing}: no such file or folder"


def test_diff_on_its_own_is_refused(tmp_path):
    diff = tmp_path / "x.patch"
    diff.write_text("+1\n")
    [result] = read_paths([diff])
    assert "sibling" in str(result.error)


def test_one_bad_file_does_not_spoil_others(tmp_path):
    write_json(tmp_path / "a.json", NATIVE)
    (tmp_path / "b.json").write_text("{broken")
    write_json(tmp_path / "c.json", FINDING)
    results = read_paths([tmp_path])
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].proposals == []
    assert str(results[1].error).startswith(f"{tmp_path / 'b.json'}:1: invalid JSON")


def test_fifo_named_json_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.json")
    [result] = read_paths([tmp_path])
    assert "not a regular file" in str(result.error)


def test_same_file_given_twice_is_read_once(tmp_path):
    path = write_json(tmp_path / "a.json", NATIVE)
    assert len(read_paths([path, tmp_path, path])) == 1


def test_explicit_file_may_be_a_symlink(tmp_path):
    real = write_json(tmp_path / "real.json", NATIVE)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    [result] = read_paths([link])
    assert result.ok and len(result.proposals) == 1


def test_finding_folder_with_patch(tmp_path):
    write_json(tmp_path / "42_conf_weight.json", FINDING)
    (tmp_path / "42_conf_weight.patch").write_text("diff --git a/x b/x\n")
    [result] = read_paths([tmp_path])
    assert result.proposals[0].diff == b"diff --git a/x b/x\n"


def test_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        return
    path = write_json(tmp_path / "a.json", NATIVE)
    path.chmod(0)
    [result] = read_paths([path])
    assert str(result.error) == f"{path}: permission denied"


def test_undecodable_file_name_gives_valid_text(tmp_path):
    raw = os.fsencode(tmp_path) + b"/bad\xff.json"
    with open(raw, "w") as handle:
        handle.write('{"agent": "a", "title": "t", "summary": "s", "harness": "builtin"}')
    [result] = read_paths([tmp_path])
    [proposal] = result.proposals
    assert proposal.source.endswith("bad\\xff.json")
    proposal.source.encode("utf-8")


def test_symlink_loop_named_explicitly(tmp_path):
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    [result] = read_paths([loop])
    assert str(result.error).startswith(f"{loop}: cannot read: ")
