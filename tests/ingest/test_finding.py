from __future__ import annotations

import copy
import json

import pytest

from reviewer.ingest.document import classify
from tests.ingest.helpers import FINDING, error_of, read_one, write_json

PATCH = (
    "diff --git a/w2s_research/ideas/conf_weight/run.py b/w2s_research/ideas/conf_weight/run.py\n"
    "new file mode 100644\n--- /dev/null\n+++ b/w2s_research/ideas/conf_weight/run.py\n"
    "@@ -0,0 +1 @@\n+print('hi')\n"
)


def test_finding_maps_without_losing_a_field(tmp_path, finding):
    path = write_json(tmp_path / "42_conf_weight.json", finding)
    [p] = read_one(path).proposals
    assert p.original == FINDING
    assert p.source_format == "sandbox_finding"
    assert p.harness == "w2s-sandbox"
    assert (p.title, p.summary, p.idea) == (finding["title"], finding["content"], "conf_weight")
    assert p.external_id == "42"
    assert p.base == "a1b2c3d4e5f6"
    assert p.parent == "0f0f0f0f0f0f"
    assert p.created_at == "2025-06-01T12:00:00Z"
    assert p.claimed == {"pgr": 0.41, "pgr_se": 0.03, "weak_acc": 0.7, "strong_acc": 0.9,
                         "transfer_acc": 0.78, "seeds": [1, 2, 3], "dataset": "sciq"}
    assert p.agent == "sandbox:run-2b9c81aa77e1"
    assert p.diff is None


def test_sibling_patch_attached_and_identity_unchanged(tmp_path, finding):
    path = write_json(tmp_path / "42_conf_weight.json", finding)
    without = read_one(path).proposals[0]
    (tmp_path / "42_conf_weight.patch").write_text(PATCH)
    with_patch = read_one(path).proposals[0]
    assert with_patch.diff == PATCH.encode()
    assert with_patch.content_hash == without.content_hash


def test_sibling_diff_suffix(tmp_path, finding):
    path = write_json(tmp_path / "42_conf_weight.json", finding)
    (tmp_path / "42_conf_weight.diff").write_text(PATCH)
    assert read_one(path).proposals[0].diff == PATCH.encode()


def test_sibling_by_file_stem(tmp_path, finding):
    path = write_json(tmp_path / "exported.json", finding)
    (tmp_path / "exported.patch").write_text(PATCH)
    assert read_one(path).proposals[0].diff == PATCH.encode()


def test_both_patch_and_diff_is_ambiguous(tmp_path, finding):
    path = write_json(tmp_path / "42_conf_weight.json", finding)
    (tmp_path / "42_conf_weight.diff").write_text(PATCH)
    (tmp_path / "42_conf_weight.patch").write_text(PATCH)
    assert "both '42_conf_weight.patch' and '42_conf_weight.diff'" in error_of(path)


def test_symlinked_sibling_patch_refused(tmp_path, finding):
    secret = tmp_path / "labels.npy"
    secret.write_text("secret")
    folder = tmp_path / "f"
    path = write_json(folder / "42_conf_weight.json", finding)
    (folder / "42_conf_weight.patch").symlink_to(secret)
    message = error_of(path)
    assert message.startswith(f"{path}: sibling diff '42_conf_weight.patch': is a symbolic link")


def test_oversized_sibling_patch_refused(tmp_path, finding):
    path = write_json(tmp_path / "42_conf_weight.json", finding)
    (tmp_path / "42_conf_weight.patch").write_bytes(b"+" * (1024 * 1024 + 1))
    assert "over the limit" in error_of(path)


def test_findings_wrapper_with_patches(tmp_path, finding):
    second = dict(finding, id=43, idea_name="other", title="Second")
    path = write_json(tmp_path / "all.json", {"findings": [finding, second], "count": 2})
    (tmp_path / "43_other.patch").write_text(PATCH)
    proposals = read_one(path).proposals
    assert [p.external_id for p in proposals] == ["42", "43"]
    assert proposals[0].diff is None and proposals[1].diff == PATCH.encode()
    assert proposals[1].original == second


def test_findings_wrapper_errors_name_index(tmp_path, finding):
    bad = dict(finding, pgr="high")
    path = write_json(tmp_path / "all.json", {"findings": [finding, bad]})
    assert error_of(path) == f'{path}: findings[1].pgr: expected a number, got "high"'


def test_findings_wrapper_not_a_list(tmp_path):
    path = write_json(tmp_path / "all.json", {"findings": {"a": 1}})
    assert error_of(path) == f"{path}: findings: expected a list, got an object"


def test_null_values_are_accepted(tmp_path, finding):
    for key in ("pgr", "pgr_se", "pgr_delta", "transfer_acc", "seeds", "config", "worked",
                "commit_id", "parent_commit_id", "files_snapshot", "code_snippet", "post_id",
                "created_at", "dataset", "num_seeds"):
        finding[key] = None
    [p] = read_one(write_json(tmp_path / "42_x.json", finding)).proposals
    assert p.claimed == {"weak_acc": 0.7, "strong_acc": 0.9}
    assert p.base is None and p.parent is None and p.created_at is None


def test_minimal_finding(tmp_path):
    value = {"id": "abc-1", "title": "t", "finding_type": "insight"}
    [p] = read_one(write_json(tmp_path / "x.json", value)).proposals
    assert (p.agent, p.summary, p.external_id, p.idea) == ("sandbox:unknown", "", "abc-1", None)


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("id", None, "missing required field"),
        ("id", True, "expected a non-negative integer or a string id"),
        ("id", "../../etc", "an id must match"),
        ("title", "", "must not be empty"),
        ("content", 5, "expected a string"),
        ("idea_name", "../x", "does not match"),
        ("pgr", "high", 'expected a number, got "high"'),
        ("weak_acc", 71.5, "an accuracy must lie in [0, 1]"),
        ("transfer_acc_se", -1, "a standard error must be >= 0"),
        ("pgr_delta", "big", "expected a number"),
        ("num_seeds", -2, "must be at least 0"),
        ("num_seeds", 2.5, "expected an integer"),
        ("config", "lr=1", "expected an object"),
        ("worked", "yes", "expected true or false"),
        ("commit_id", 5, "expected a string"),
        ("created_at", 5, "expected a string"),
        ("agent", ["x"], "expected a non-empty plain string or an integer"),
    ],
)
def test_finding_type_checks(tmp_path, finding, field, value, needle):
    if value is None:
        del finding[field]
    else:
        finding[field] = value
    path = write_json(tmp_path / "42_conf_weight.json", finding)
    message = error_of(path)
    assert message.startswith(f"{path}: {field}: "), message
    assert needle in message


def test_seed_index_in_finding(tmp_path, finding):
    finding["seeds"] = [1, 2, 3.5]
    path = write_json(tmp_path / "42_conf_weight.json", finding)
    assert error_of(path) == f"{path}: seeds[2]: expected an integer, got 3.5"


@pytest.mark.parametrize(
    ("extra", "agent"),
    [
        ({"agent": "agent-7"}, "agent-7"),
        ({"agent_id": 3}, "3"),
        ({"author": "alice"}, "alice"),
        ({"config": {"agent_name": "bob"}}, "bob"),
        ({"run_id": None}, "sandbox:unknown"),
    ],
)
def test_agent_derivation(tmp_path, finding, extra, agent):
    finding.update(extra)
    [p] = read_one(write_json(tmp_path / "42_conf_weight.json", finding)).proposals
    assert p.agent == agent


def test_an_agent_name_with_escapes_in_config_is_refused_not_skipped(tmp_path, finding):
    # Falling back to the run id would hide the attempt from the reviewer.
    finding["config"] = {"agent": "bad\u001b]52;c;eA==\u0007"}
    path = write_json(tmp_path / "42_conf_weight.json", finding)
    assert error_of(path).startswith(f"{path}: config.agent: ")


def test_unparsable_created_at_is_kept_only_in_original(tmp_path, finding):
    finding["created_at"] = "last tuesday"
    [p] = read_one(write_json(tmp_path / "42_conf_weight.json", finding)).proposals
    assert p.created_at is None and p.original["created_at"] == "last tuesday"


def test_non_hex_commit_is_not_a_base(tmp_path, finding):
    finding["commit_id"] = "main"
    [p] = read_one(write_json(tmp_path / "42_conf_weight.json", finding)).proposals
    assert p.base is None


def test_same_file_twice_same_hash(tmp_path, finding):
    path = write_json(tmp_path / "42_conf_weight.json", finding)
    assert read_one(path).proposals[0].content_hash == read_one(path).proposals[0].content_hash


@pytest.mark.parametrize(
    ("obj", "kind"),
    [
        ({"agent": "a", "summary": "s", "finding_type": "x"}, "native"),
        ({"finding_type": "result"}, "sandbox_finding"),
        ({"idea_name": "x", "content": "c"}, "sandbox_finding"),
        ({"idea_name": "x", "content": "c", "agent": "a", "summary": "s"}, "native"),
        ({"id": 1, "title": "t"}, "sandbox_finding"),
        ({"id": 1, "title": "t", "harness": "builtin"}, "native"),
        ({"title": "t"}, "native"),
    ],
)
def test_detection_rule(obj, kind):
    assert classify(obj) == kind


def test_mixed_list_of_native_and_finding(tmp_path, native, finding):
    path = write_json(tmp_path / "mixed.json", [native, finding])
    kinds = [p.source_format for p in read_one(path).proposals]
    assert kinds == ["native", "sandbox_finding"]


def test_original_is_not_mutated(tmp_path, finding):
    before = copy.deepcopy(finding)
    path = write_json(tmp_path / "42_conf_weight.json", finding)
    [p] = read_one(path).proposals
    assert json.loads(path.read_text()) == before == p.original
