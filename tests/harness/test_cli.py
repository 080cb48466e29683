"""`reviewer harness` commands through click's CliRunner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from reviewer.harness import api
from reviewer.harness.cli import harness, parse_seeds


def test_cli_module_does_not_import_torch() -> None:
    code = "import sys, reviewer.harness.cli; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_info_json() -> None:
    result = CliRunner().invoke(harness, ["info", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["tree_hash"] == api.tree_hash()
    assert len(data["tasks"]) >= 3 and 1 in data["sizes"] and 64 in data["sizes"]
    assert {"naive", "logconf", "confident_only"} <= set(data["methods"])


def test_info_text_and_export(tmp_path: Path) -> None:
    runner = CliRunner()
    assert "tree hash" in runner.invoke(harness, ["info"]).output
    result = runner.invoke(harness, ["export", str(tmp_path / "t")])
    assert result.exit_code == 0 and (tmp_path / "t" / "methods" / "naive.py").is_file()
    again = runner.invoke(harness, ["export", str(tmp_path / "t")])
    assert again.exit_code != 0 and "not empty" in again.output


def test_run_json_with_patched_tree(tmp_path: Path) -> None:
    tree = api.export_tree(tmp_path / "tree")
    (tree / "methods" / "flip.py").write_text(
        "def run(view):\n    return 1 - view.weak_test_probs.argmax(dim=-1)\n")
    result = CliRunner().invoke(harness, [
        "run", "--method", "flip", "--method-dir", str(tree), "--seeds", "1,2",
        "--device", "auto", "--json", "--claim", "0.9"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["seeds"] == [1, 2] and data["verdict"] == "not_reproduced"
    assert all(row["pgr"] < -1 for row in data["per_seed"])
    assert data["gain_p_value"] is not None and data["env"]["harness"] == api.tree_hash()


def test_run_table_and_failures(tmp_path: Path) -> None:
    tree = api.export_tree(tmp_path / "tree")
    (tree / "methods" / "broken.py").write_text("def run(view):\n    raise RuntimeError('x')\n")
    runner = CliRunner()
    failed = runner.invoke(harness, ["run", "--method", "broken", "--method-dir", str(tree),
                                     "--seeds", "1,2"])
    assert failed.exit_code == 1 and "verdict: failed" in failed.output
    unknown = runner.invoke(harness, ["run", "--method", "nope", "--seeds", "1"])
    assert unknown.exit_code != 0 and "no method" in unknown.output
    bad_task = runner.invoke(harness, ["run", "--method", "naive", "--task", "x"])
    assert bad_task.exit_code != 0 and "unknown task" in bad_task.output


def test_run_prints_a_method_s_output_cleaned_and_survives_bad_utf8(tmp_path: Path) -> None:
    tree = api.export_tree(tmp_path / "tree")
    (tree / "methods" / "loud.py").write_text(
        "import sys\n"
        "def run(view):\n"
        "    sys.stderr.buffer.write(b'\\xff\\xfe ')\n"
        "    sys.stderr.write('\\x1b]0;TITLE\\x07verdict: reproduced')\n"
        "    raise RuntimeError('x')\n")
    result = CliRunner().invoke(harness, ["run", "--method", "loud", "--method-dir", str(tree),
                                          "--seeds", "1"])
    assert result.exit_code == 1 and "verdict: failed" in result.output, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "codec can't decode" not in result.output


def testparse_seeds() -> None:
    assert parse_seeds("1,2,3") == [1, 2, 3]
    assert parse_seeds("1-4,9") == [1, 2, 3, 4, 9]
