from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reviewer.ingest import read_paths
from tests.ingest.helpers import error_of, read_one, write_json

DIFF = (
    "diff --git a/methods/logconf_warm.py b/methods/logconf_warm.py\n"
    "new file mode 100644\n--- /dev/null\n+++ b/methods/logconf_warm.py\n"
    "@@ -0,0 +1 @@\n+def run(view): ...\n"
)


def test_valid_native_maps_every_field(tmp_path, native):
    native["diff"] = DIFF
    native["parent"] = "f-12"
    native["created_at"] = "2025-06-01T12:00:00+00:00"
    native["extra_field"] = {"kept": True}
    result = read_one(write_json(tmp_path / "p.json", native))
    assert result.error is None
    [p] = result.proposals
    assert (p.agent, p.title, p.harness, p.idea, p.base) == (
        "agent-1", native["title"], "builtin", "logconf_warm", "0000000")
    assert p.summary == native["summary"]
    assert p.source_format == "native"
    assert p.diff == DIFF.encode()
    assert p.claimed == native["claimed"]
    assert p.created_at == "2025-06-01T12:00:00+00:00"
    assert p.parent == "f-12"
    assert p.original == native
    assert p.source == str(tmp_path / "p.json")


def test_minimal_native(tmp_path):
    value = {"agent": "a", "title": "t", "summary": "s", "harness": "builtin"}
    [p] = read_one(write_json(tmp_path / "p.json", value)).proposals
    assert p.diff is None and p.claimed == {} and p.idea is None


@pytest.mark.parametrize("missing", ["agent", "title", "summary", "harness"])
def test_missing_required_field(tmp_path, native, missing):
    del native[missing]
    path = write_json(tmp_path / "p.json", native)
    assert error_of(path) == f"{path}: {missing}: missing required field"


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("agent", "", "must not be empty"),
        ("agent", 3, "expected a string, got 3"),
        ("agent", "bad\u001b[2Jname", "control or bidi"),
        ("title", ["x"], "expected a string, got a list of 1"),
        ("title", "x" * 501, "longer than 500"),
        ("summary", "x" * 200_001, "longer than 200000"),
        ("harness", "bad name", "does not match"),
        ("harness", "x" * 65, "does not match"),
        ("base", "xyz", "hex tree hash"),
        ("base", "abc12", "hex tree hash"),
        ("idea", "../evil", "method name"),
        ("idea", "__init__", "method name"),
        ("idea", "9lives", "method name"),
        ("created_at", "yesterday", "ISO-8601"),
        ("created_at", 1700000000, "expected a string"),
        ("parent", 12, "expected a string"),
        ("claimed", [1], "expected an object"),
        ("diff", 42, "unified diff text"),
        ("diff", "   ", "must not be empty"),
        ("diff_path", 1, "relative path"),
    ],
)
def test_wrong_types_and_values(tmp_path, native, field, value, needle):
    native[field] = value
    path = write_json(tmp_path / "p.json", native)
    message = error_of(path)
    assert message.startswith(f"{path}: {field}: ")
    assert needle in message


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("pgr", "high", 'claimed.pgr: expected a number, got "high"'),
        ("pgr", True, "claimed.pgr: expected a number, got true"),
        ("pgr_se", -0.1, "claimed.pgr_se: a standard error must be >= 0"),
        ("weak_acc", 1.5, "claimed.weak_acc: an accuracy must lie in [0, 1]"),
        ("strong_acc", -0.01, "claimed.strong_acc: an accuracy must lie in [0, 1]"),
        ("transfer_acc", "0.8", "claimed.transfer_acc: expected a number"),
        ("seeds", [1, 2, "3"], 'claimed.seeds[2]: expected an integer, got "3"'),
        ("seeds", [1, True], "claimed.seeds[1]: expected an integer, got true"),
        ("seeds", [-1], "claimed.seeds[0]: a seed must lie in"),
        ("seeds", list(range(1001)), "claimed.seeds: more than 1000 seeds"),
        ("seeds", 5, "claimed.seeds: expected a list of integers"),
        ("dataset", 5, "claimed.dataset: expected a string"),
    ],
)
def test_claim_validation(tmp_path, native, field, value, shown):
    native["claimed"][field] = value
    path = write_json(tmp_path / "p.json", native)
    assert error_of(path).startswith(f"{path}: {shown}")


def test_null_optional_fields_count_as_absent(tmp_path, native):
    native["claimed"]["pgr_se"] = None
    native["parent"] = None
    [p] = read_one(write_json(tmp_path / "p.json", native)).proposals
    assert "pgr_se" not in p.claimed and p.parent is None


def test_list_index_in_messages(tmp_path, native):
    bad = dict(native, claimed={"pgr": "high"})
    path = write_json(tmp_path / "p.json", [native, native, bad])
    assert error_of(path) == f'{path}: [2].claimed.pgr: expected a number, got "high"'


def test_list_of_proposals(tmp_path, native):
    second = dict(native, title="another")
    result = read_one(write_json(tmp_path / "p.json", [native, second]))
    assert [p.title for p in result.proposals] == [native["title"], "another"]


def test_jsonl_line_numbers(tmp_path, native):
    bad = dict(native, claimed={"pgr": 0.5, "seeds": [1, 2, "x"]})
    lines = [json.dumps(native), "", json.dumps(bad)]
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert error_of(path) == f'{path}:3: claimed.seeds[2]: expected an integer, got "x"'


def test_jsonl_non_object_line(tmp_path, native):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(native) + "\n[1, 2]\n")
    assert error_of(path) == f"{path}:2: expected a proposal object, got a list of 2"


def test_jsonl_all_or_nothing(tmp_path, native):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(native) + "\n" + json.dumps({"agent": "x"}) + "\n")
    result = read_one(path)
    assert result.proposals == []
    assert str(result.error) == f"{path}:2: title: missing required field"


def test_jsonl_detected_in_json_file(tmp_path, native):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(native) + "\n" + json.dumps(native) + "\n")
    assert len(read_one(path).proposals) == 2


# diff_path safety


def test_diff_path_reads_bytes(tmp_path, native):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.diff").write_bytes(DIFF.encode() + b"\xff")
    native["diff_path"] = "d/x.diff"
    [p] = read_one(write_json(tmp_path / "p.json", native)).proposals
    assert p.diff == DIFF.encode() + b"\xff"


def test_diff_and_diff_path_together(tmp_path, native):
    (tmp_path / "x.diff").write_text(DIFF)
    native["diff"] = DIFF
    native["diff_path"] = "x.diff"
    path = write_json(tmp_path / "p.json", native)
    assert error_of(path) == f"{path}: diff_path: give either diff or diff_path, not both"


@pytest.mark.parametrize(
    ("relpath", "needle"),
    [
        ("../x.diff", "must not contain '..'"),
        ("sub/../../x.diff", "must not contain '..'"),
        ("/etc/passwd", "must be a relative path"),
        ("", "must not be empty"),
        ("missing.diff", "no such file"),
        ("a\\..\\x.diff", "backslash"),
        ("a\x00b", "NUL"),
    ],
)
def test_diff_path_escapes(tmp_path, native, relpath, needle):
    folder = tmp_path / "inner"
    folder.mkdir()
    (tmp_path / "x.diff").write_text(DIFF)
    native["diff_path"] = relpath
    path = write_json(folder / "p.json", native)
    message = error_of(path)
    assert message.startswith(f"{path}: diff_path: ")
    assert needle in message


def test_diff_path_symlink_refused(tmp_path, native):
    secret = tmp_path / "secret.txt"
    secret.write_text("labels")
    folder = tmp_path / "inner"
    folder.mkdir()
    (folder / "x.diff").symlink_to(secret)
    native["diff_path"] = "x.diff"
    path = write_json(folder / "p.json", native)
    message = error_of(path)
    assert message.startswith(f"{path}: diff_path: is a symbolic link")


def test_diff_path_through_symlinked_folder_refused(tmp_path, native):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.diff").write_text(DIFF)
    folder = tmp_path / "inner"
    folder.mkdir()
    (folder / "link").symlink_to(outside)
    native["diff_path"] = "link/x.diff"
    path = write_json(folder / "p.json", native)
    message = error_of(path)
    assert message.startswith(f"{path}: diff_path: folder 'link'")


def test_diff_path_not_regular(tmp_path, native):
    os.mkfifo(tmp_path / "fifo.diff")
    (tmp_path / "dir.diff").mkdir()
    native["diff_path"] = "fifo.diff"
    path = write_json(tmp_path / "p.json", native)
    assert "not a regular file" in error_of(path)
    native["diff_path"] = "dir.diff"
    write_json(path, native)
    assert "not a regular file" in error_of(path)


def test_diff_path_size_cap(tmp_path, native):
    (tmp_path / "big.diff").write_bytes(b"+" * (1024 * 1024 + 1))
    native["diff_path"] = "big.diff"
    path = write_json(tmp_path / "p.json", native)
    assert "over the limit of 1048576 bytes" in error_of(path)


def test_inline_diff_size_cap(tmp_path, native):
    native["diff"] = "+" * (1024 * 1024 + 1)
    path = write_json(tmp_path / "p.json", native)
    assert error_of(path).startswith(f"{path}: diff: over the limit")


def test_unknown_fields_are_kept(tmp_path, native):
    native["notes"] = ["x", {"y": 1}]
    [p] = read_one(write_json(tmp_path / "p.json", native)).proposals
    assert p.original["notes"] == ["x", {"y": 1}]


def test_identity_is_stable(tmp_path, native):
    (tmp_path / "x.diff").write_text(DIFF)
    native["diff_path"] = "x.diff"
    path = write_json(tmp_path / "p.json", native)
    first = read_one(path).proposals[0].content_hash
    second = read_one(path).proposals[0].content_hash
    assert first == second
    (tmp_path / "x.diff").write_text(DIFF + "+# changed\n")
    assert read_one(path).proposals[0].content_hash != first


def test_file_with_bom(tmp_path, native):
    path = tmp_path / "p.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(native).encode())
    assert len(read_one(path).proposals) == 1


def test_non_utf8_file(tmp_path):
    path = tmp_path / "p.json"
    path.write_bytes(b'{"agent": "\xc3\x28"}')
    assert error_of(path) == f"{path}:1: not valid UTF-8 at byte offset 11"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('{"agent": "a", "claimed": {"pgr": NaN}}', "claimed.pgr: NaN is not allowed"),
        ('{"agent": "a", "agent": "b"}', "agent: duplicate key"),
        ('{"claimed": {"pgr": Infinity}}', "claimed.pgr: Infinity is not allowed"),
    ],
)
def test_strict_json_through_files(tmp_path, text, shown):
    path = tmp_path / "p.json"
    path.write_text(text)
    assert error_of(path).startswith(f"{path}: {shown}")


def test_strict_json_line_through_jsonl(tmp_path, native):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(native) + '\n{"claimed": {"pgr": NaN}}\n')
    assert error_of(path).startswith(f"{path}:2: claimed.pgr: NaN is not allowed")


def test_size_cap_through_files(tmp_path, native):
    path = write_json(tmp_path / "p.json", native)
    [result] = read_paths([path], max_bytes=100)
    assert "over the limit of 100 bytes" in str(result.error)


def test_top_level_scalar(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("42")
    assert "expected a proposal object" in error_of(path)


def test_empty_list_gives_nothing(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("[]")
    result = read_one(path)
    assert result.error is None and result.proposals == []


def test_diff_path_from_path_object(tmp_path: Path, native):
    (tmp_path / "x.diff").write_text(DIFF)
    native["diff_path"] = "./x.diff"
    [p] = read_one(write_json(tmp_path / "p.json", native)).proposals
    assert p.diff == DIFF.encode()
