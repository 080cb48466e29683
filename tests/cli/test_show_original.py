"""`reviewer show` of a sandbox finding: the fields only its original object holds."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import HOSTILE, ingest_ids, native, run  # noqa: F401  (fixture)

SNAPSHOT_SECRET = "only-in-the-files-snapshot"


def finding(**extra) -> dict:
    return {
        "id": 103, "post_id": None, "title": "Predicting the majority answer",
        "content": "Told the strong model to always pick the most common answer.",
        "finding_type": "result", "idea_name": "always_majority", "run_id": "run-77",
        "dataset": "sciq", "weak_model": "Qwen/Qwen1.5-0.5B", "strong_model": "Qwen/Qwen1.5-7B",
        "transfer_acc_se": 0.006, "num_seeds": 3, "seeds": [42, 43, 44],
        "files_snapshot": {"methods/m.py": SNAPSHOT_SECRET},
        "pgr": 0.97, "pgr_se": 0.01, "pgr_delta": 0.55, "weak_acc": 0.741, "strong_acc": 0.88,
        "transfer_acc": 0.876, "config": {"lr": 0.003, "epochs": 2}, "worked": True,
        "agent": "aar-7", "code_snippet": "return [majority_label] * len(test)",
        "extra_field": [1, 2],
        **extra,
    }  # fmt: skip


def _ingest(run, tmp_path: Path, obj: dict) -> str:  # noqa: F811
    path = tmp_path / "103_always_majority.json"
    path.write_text(json.dumps(obj))
    return ingest_ids(run, path)[0]


def test_show_json_carries_the_findings_object_verbatim(run, tmp_path):  # noqa: F811
    obj = finding()
    pid = _ingest(run, tmp_path, obj)
    assert json.loads(run("show", pid, "--json").output)["original"] == obj


def test_a_native_proposals_original_is_null(run, tmp_path):  # noqa: F811
    path = tmp_path / "n.json"
    path.write_text(json.dumps(native(1)))
    pid = ingest_ids(run, path)[0]
    data = json.loads(run("show", pid, "--json").output)
    assert data["original"] is None
    assert "From the finding" not in run("show", pid).output


def test_show_prints_the_findings_fields_and_its_code_snippet(run, tmp_path):  # noqa: F811
    pid = _ingest(run, tmp_path, finding())
    out = run("show", pid).output
    section = out[out.index("From the finding (as the agent sent it)"):]
    for line in ("  finding_type     result", "  weak_model       Qwen/Qwen1.5-0.5B",
                 "  strong_model     Qwen/Qwen1.5-7B", "  post_id          null",
                 "  run_id           run-77", "  pgr_delta        0.55",
                 "  worked           true", '  config           {"lr": 0.003, "epochs": 2}',
                 "  files_snapshot   left out here (`show --json` has it)",
                 "  other fields (in `show --json`): extra_field",
                 "  code_snippet (the agent's code, not run by the reviewer):",
                 "    return [majority_label] * len(test)"):
        assert line in section, line
    assert SNAPSHOT_SECRET not in out


def test_the_snippet_and_fields_are_cleaned_and_capped(run, tmp_path):  # noqa: F811
    snippet = "\n".join(f"x_{n} = {n}  # {HOSTILE}" for n in range(500))
    obj = finding(code_snippet=snippet, config={"notes": HOSTILE + "y" * 5_000})
    out = run("show", _ingest(run, tmp_path, obj)).output
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    # Markup in agent text is printed as it is, never applied.
    assert "[link=https://evil.example]click[/link]" in out
    assert "    x_0 = 0" in out and "    x_59 = 59" in out and "x_60 = 60" not in out
    assert "`show --json` has it all]" in out
    assert "y" * 5_000 not in out and "characters; `show --json` has them all)" in out
