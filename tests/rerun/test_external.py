"""External harness reruns (DESIGN §4.3): a real git checkout, real diffs, the real sandbox."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from reviewer import paths
from reviewer.config import ConfigError, ExternalHarness, load_config
from reviewer.rerun.external import command_argv, run_external
from reviewer.rerun.external_io import PredictionError, read_predictions
from reviewer.rerun.request import RerunRequest
from tests.factories import new_file_diff

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")

N = 20
XS = [(i + 0.5) / N for i in range(N)]
FLIPPED = {2, 7, 15}  # rows where the threshold rule is wrong: it scores 17/20
LABELS = [int((x > 0.5) != (i in FLIPPED)) for i, x in enumerate(XS)]
SEEDS = [1, 2, 3]
# Odd seeds also get row 0 wrong: accuracies 0.80, 0.85, 0.80 give PGR 0.4, 0.6, 0.4.
HONEST_PGR = [0.4, 0.6, 0.4]
COMMAND = [
    "python", "w2s_research/ideas/{idea}/run.py", "--idea", "{idea}", "--seed", "{seed}",
    "--out", "{out}",
]  # fmt: skip

HEADER = """\
import argparse, json, os, sys
parser = argparse.ArgumentParser()
parser.add_argument("--idea")
parser.add_argument("--seed", type=int)
parser.add_argument("--out")
args = parser.parse_args()
with open("data/test.json") as fh:
    rows = json.load(fh)["rows"]
preds = [int(row["x"] > 0.5) for row in rows]
"""
WRITE = """
with open(os.path.join(args.out, "predictions.json"), "w") as fh:
    json.dump({"predictions": preds}, fh)
"""
HONEST = HEADER + "if args.seed % 2:\n    preds[0] = 1 - preds[0]\n" + WRITE


def git(repo: Path, *args: str) -> str:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(repo),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    out = subprocess.run(
        ["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def write_config(repo: Path, commit: str, labels: Path) -> None:
    """The TOML config a reviewer would write for this harness, under REVIEWER_HOME."""
    config = paths.config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(textwrap.dedent(f"""
        [harness.w2s-sandbox]
        path = "{repo}"
        commit = "{commit}"
        allow = ["w2s_research/ideas/"]
        command = {json.dumps(list(COMMAND))}
        predictions = "{{out}}/predictions.json"
        labels = "{labels}"
        weak_acc = 0.70
        strong_acc = 0.95
    """))


def make_repo(repo: Path, extra: dict[str, str] | None = None) -> str:
    """A tiny W2S-like checkout with unlabeled test rows and a base idea; returns the commit."""
    files = {
        "data/test.json": json.dumps({"rows": [{"id": i, "x": x} for i, x in enumerate(XS)]}),
        "w2s_research/ideas/base/run.py": HEADER + WRITE,
        "w2s_research/score.py": "SCORER = True\n",
        **(extra or {}),
    }
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "harness")
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> ExternalHarness:
    root = tmp_path_factory.mktemp("external")
    repo = root / "w2s"
    repo.mkdir()
    commit = make_repo(repo)
    labels = root / "labeled_data" / "test_labels.json"
    labels.parent.mkdir()
    labels.write_text(json.dumps(LABELS))
    return ExternalHarness(
        name="w2s-sandbox",
        path=repo,
        commit=commit,
        allow=("w2s_research/ideas/",),
        command=tuple(COMMAND),
        predictions="{out}/predictions.json",
        labels=labels,
        weak_acc=0.70,
        strong_acc=0.95,
        timeout_s=60,
    )


def request(
    harness: ExternalHarness,
    body: str | None,
    *,
    idea: str = "mine",
    path: str | None = None,
    claim: float | None = 0.47,
    seeds: list[int] = SEEDS,
    base: str | None = None,
    unsafe: bool = False,
) -> RerunRequest:
    path = path or f"w2s_research/ideas/{idea}/run.py"
    diff = None if body is None else new_file_diff(path, body)
    data = None if diff is None else diff.encode()
    return RerunRequest(
        proposal_id="p1",
        idea=idea,
        base=base or harness.commit[:10],
        diff=data,
        diff_sha256=None if data is None else hashlib.sha256(data).hexdigest(),
        claim_pgr=claim,
        claim_se=0.05,
        claim_seeds=len(seeds),
        seeds=seeds,
        task="toy",
        size=N,
        device="cpu",
        unsafe_no_sandbox=unsafe,
    )


def pgrs(result: dict) -> list[float]:
    return [round(row["pgr"], 6) for row in result["per_seed"]]


# ---- honest and inflated claims ----


@needs_bwrap
def test_honest_claim_reproduces_with_fixed_baseline_pgr(harness):
    stages: list[str] = []
    result = run_external(request(harness, HONEST, claim=0.47), harness, progress=stages.append)
    assert result["verdict"] == "reproduced", result
    assert [row["transfer_acc"] for row in result["per_seed"]] == pytest.approx([0.8, 0.85, 0.8])
    assert pgrs(result) == HONEST_PGR
    assert result["pgr_mean"] == pytest.approx(np.mean(HONEST_PGR))
    assert result["fixed_baseline_pgr"] == pytest.approx(np.mean(HONEST_PGR))
    assert result["baseline_pgr_mean"] is None and result["gain_p_value"] is None
    assert any("no paired baseline" in note for note in result["notes"])
    assert result["env"]["harness"] == harness.commit
    assert result["env"]["sandbox"] == "bubblewrap"
    assert result["reason"] is None and result["checks"] == []
    assert "seed 3/3" in " ".join(stages)


@needs_bwrap
def test_inflated_claim_is_not_reproduced(harness):
    result = run_external(request(harness, HONEST, claim=0.9), harness)
    assert result["verdict"] == "not_reproduced"
    assert pgrs(result) == HONEST_PGR


def test_unsafe_no_sandbox_runs_the_same_command_on_host_paths(harness):
    result = run_external(request(harness, HONEST, unsafe=True), harness)
    assert result["verdict"] == "reproduced", result
    assert pgrs(result) == HONEST_PGR
    assert result["env"]["sandbox"].startswith("none")


@needs_bwrap
def test_predictions_from_the_last_results_block_on_stdout(harness):
    body = HEADER + textwrap.dedent(
        """
        print("### RESULTS_JSON ###")
        print(json.dumps({"predictions": [0] * len(preds)}))
        print("### END_RESULTS ###")
        print("noise", file=sys.stderr)
        print("### RESULTS_JSON ###")
        print(json.dumps({"predictions": preds, "num_samples": len(preds)}, indent=2))
        print("### END_RESULTS ###")
        print("### RESULTS_JSON ###\\n{\\"predictions\\": [")
        print("[AAR Mode] Calling remote evaluation API... (fails: no network)")
        """
    )
    stdout_harness = dataclasses.replace(harness, predictions="stdout")
    result = run_external(request(stdout_harness, body, claim=0.6), stdout_harness)
    assert result["verdict"] == "reproduced", result
    assert pgrs(result) == [0.6, 0.6, 0.6]


@needs_bwrap
def test_the_configured_data_folder_is_mounted_as_data(tmp_path, harness):
    data = tmp_path / "unlabeled"
    data.mkdir()
    rows = [{"id": i, "x": 1 - x} for i, x in enumerate(XS)]  # mirrored: the rule scores 3/20
    (data / "test.json").write_text(json.dumps({"rows": rows}))
    cfg = dataclasses.replace(harness, data=data)
    result = run_external(request(cfg, HEADER + WRITE, seeds=[1]), cfg)
    assert [row["transfer_acc"] for row in result["per_seed"]] == pytest.approx([0.15])


@needs_bwrap
def test_a_seed_past_its_timeout_fails(harness):
    cfg = dataclasses.replace(harness, timeout_s=0.5)
    body = "import time\ntime.sleep(30)\n"
    result = run_external(request(cfg, body, seeds=[1]), cfg)
    assert result["verdict"] == "failed" and "timed out" in result["reason"]


@needs_bwrap
def test_a_seed_that_writes_past_out_gib_is_stopped(harness):
    cfg = dataclasses.replace(harness, out_gib=8 / 1024)
    body = ("import os, sys, time\n"
            "out = sys.argv[sys.argv.index('--out') + 1]\n"
            "for i in range(16):\n"
            "    fd = os.open(f'{out}/ckpt{i}', os.O_WRONLY | os.O_CREAT)\n"
            "    os.posix_fallocate(fd, 0, 1 << 20)\n"
            "    os.close(fd)\n"
            "time.sleep(30)\n")
    result = run_external(request(cfg, body, seeds=[1]), cfg)
    assert result["verdict"] == "failed"
    assert result["reason"] == "seed 1: stopped: it wrote more than 8 MiB"


def test_a_cancelled_rerun_runs_nothing(harness):
    cancel = threading.Event()
    cancel.set()
    result = run_external(request(harness, HONEST), harness, cancel=cancel)
    assert result["verdict"] == "failed" and result["reason"] == "cancelled"


# ---- the labels never enter the sandbox ----


@needs_bwrap
def test_a_label_hunting_idea_finds_nothing(harness):
    hunt = textwrap.dedent(
        f"""
        target = {str(harness.labels)!r}
        found = []
        skip = ("/proc", "/sys", "/dev", "/usr", sys.prefix, sys.base_prefix)
        for root, dirs, files in os.walk("/"):
            if root.startswith(skip):
                dirs[:] = []
                continue
            found += [os.path.join(root, f) for f in files if "label" in f.lower()]
        for path in (target, os.path.dirname(target), {str(harness.path)!r}):
            if os.path.exists(path):
                found.append(path)
        print("hunt:", found or "found nothing")
        if os.path.exists(target):
            with open(target) as fh:
                preds = json.load(fh)
        """
    )
    body = HEADER + hunt + WRITE
    result = run_external(request(harness, body, claim=0.6), harness)
    assert "hunt: found nothing" in result["log_tail"], result["log_tail"]
    assert pgrs(result) == [0.6, 0.6, 0.6]  # the threshold rule, not the stolen labels


@needs_bwrap
def test_a_symlink_to_the_labels_as_predictions_fails(harness):
    link = "os.path.join(args.out, 'predictions.json')"
    body = HEADER + f"os.symlink({str(harness.labels)!r}, {link})\n"
    result = run_external(request(harness, body, seeds=[1]), harness)
    assert result["verdict"] == "failed"
    assert "invalid predictions" in result["reason"] and "cannot open" in result["reason"]


# ---- refusals ----


def test_a_diff_outside_the_allow_list_is_refused(harness):
    result = run_external(request(harness, "SCORER = 'mine'\n", path="w2s_research/x.py"), harness)
    assert result["verdict"] == "refused"
    assert "allow-list" in result["reason"]


def test_a_wrong_base_is_refused_naming_both(harness):
    result = run_external(request(harness, HONEST, base="deadbeef00"), harness)
    assert result["verdict"] == "refused"
    assert "deadbeef00" in result["reason"] and harness.commit in result["reason"]


@pytest.mark.parametrize("base", ["abc", "zzzzzzz", "-" * 10])
def test_a_short_or_non_hex_base_is_refused(harness, base):
    assert run_external(request(harness, HONEST, base=base), harness)["verdict"] == "refused"


def test_no_code_attached_fails(harness):
    result = run_external(request(harness, None), harness)
    assert result["verdict"] == "failed" and "no code" in result["reason"]


@pytest.mark.parametrize("idea", ["-rf", "mine\n"])  # `$` also matched before a final newline
def test_an_idea_name_that_could_be_an_option_is_refused(harness, idea):
    result = run_external(request(harness, HONEST, idea=idea, path="w2s_research/ideas/m/run.py"),
                          harness)
    assert result["verdict"] == "refused"


# ---- failing ideas and malformed predictions ----


@needs_bwrap
def test_a_failing_idea_fails_with_its_log(harness):
    body = "import sys\nprint('diverged at step 3', file=sys.stderr)\nsys.exit(1)\n"
    result = run_external(request(harness, body, seeds=[1]), harness)
    assert result["verdict"] == "failed"
    assert "exited with status 1" in result["reason"]
    assert "diverged at step 3" in result["log_tail"]
    assert result["per_seed"] == [] and result["pgr_mean"] is None


@needs_bwrap
@pytest.mark.parametrize(
    ("tail", "why"),
    [
        ("preds = preds[:-1]", "19 predictions for 20"),
        ("preds[4] = 2", "is not 0 or 1"),
        ("preds[4] = True", "is not 0 or 1"),
        ("preds[4] = 1.0", "is not 0 or 1"),
        ("preds = {'rows': preds}", "predictions"),
    ],
)
def test_malformed_predictions_fail(harness, tail, why):
    result = run_external(request(harness, HEADER + tail + "\n" + WRITE, seeds=[1]), harness)
    assert result["verdict"] == "failed", result
    assert why in result["reason"]


@needs_bwrap
@pytest.mark.parametrize(
    "raw",
    [
        '{"predictions": [0, NaN]}',
        '{"predictions": [0, Infinity]}',
        '{"predictions": [0, 1], "predictions": [1, 0]}',
    ],
)
def test_json_tricks_fail(harness, raw):
    body = HEADER + f"open(os.path.join(args.out, 'predictions.json'), 'w').write({raw!r})\n"
    result = run_external(request(harness, body, seeds=[1]), harness)
    assert result["verdict"] == "failed"
    assert "bad JSON" in result["reason"]


def test_an_intermediate_symlink_or_fifo_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "p.json").write_text(json.dumps(LABELS))
    (out / "sub").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(PredictionError, match="cannot open"):
        read_predictions("{out}/sub/p.json", out, "", N)
    os.mkfifo(out / "fifo.json")
    with pytest.raises(PredictionError, match="not a regular file"):
        read_predictions("{out}/fifo.json", out, "", N)


def test_npy_predictions_without_pickle(tmp_path):
    np.save(tmp_path / "p.npy", np.array(LABELS, dtype=np.int64))
    assert read_predictions("{out}/p.npy", tmp_path, "", N).tolist() == LABELS
    np.save(tmp_path / "q.npy", np.array([{"x": 1}] * N, dtype=object), allow_pickle=True)
    with pytest.raises(PredictionError, match="npy"):
        read_predictions("{out}/q.npy", tmp_path, "", N)
    # A header declaring far more rows than the test split is refused before numpy allocates.
    head = np.lib.format.header_data_from_array_1_0(np.zeros(3, dtype=np.int64))
    head["shape"] = (10**11,)
    with (tmp_path / "r.npy").open("wb") as fh:
        np.lib.format.write_array_header_1_0(fh, head)
        fh.write(bytes(64))
    with pytest.raises(PredictionError, match=f"at most {N} are expected"):
        read_predictions("{out}/r.npy", tmp_path, "", N)


# ---- the pinned tree ----


def test_labels_committed_in_the_harness_fail(tmp_path, harness):
    repo = tmp_path / "repo"
    repo.mkdir()
    commit = make_repo(repo, {"labeled_data/test_labels.json": json.dumps(LABELS)})
    cfg = dataclasses.replace(
        harness, path=repo, commit=commit, labels=repo / "labeled_data" / "test_labels.json"
    )
    result = run_external(request(cfg, HONEST), cfg)
    assert result["verdict"] == "failed" and "tracked" in result["reason"]


@pytest.mark.parametrize(("extra", "why"), [
    # labels configured outside the checkout, a copy tracked under another name and format
    ({"labeled_data/test.json": json.dumps({"labels": LABELS})}, "tracks labeled_data/"),
    # the labels' grandparent folder, as for the README's labeled_data/sciq/test_labels.json
    ({"{above}/cached.json": json.dumps({"labels": LABELS})}, "tracks {above}/"),
    # the labels file's exact bytes, anywhere in the tree
    ({"w2s_research/ideas/base/prior.json": json.dumps(LABELS)}, "is a copy of the labels"),
])
def test_a_copy_of_the_labels_in_the_pinned_tree_fails(tmp_path, harness, extra, why):
    above = harness.labels.parent.parent.name
    extra = {k.format(above=above): v for k, v in extra.items()}
    why = why.format(above=above)
    repo = tmp_path / "repo"
    repo.mkdir()
    commit = make_repo(repo, extra)
    cfg = dataclasses.replace(harness, path=repo, commit=commit)
    assert not harness.labels.is_relative_to(repo)
    result = run_external(request(cfg, HONEST), cfg)
    assert result["verdict"] == "failed" and why in result["reason"], result["reason"]


def test_answers_that_beat_the_ceiling_are_flagged(harness):
    # Hard-coded labels: 20/20 against a configured ceiling of 0.95.
    cheat = HEADER + f"preds = {LABELS}\n" + WRITE
    result = run_external(request(harness, cheat, claim=None, unsafe=True), harness)
    assert [c["code"] for c in result["checks"]] == ["above_ceiling"]
    assert result["checks"][0]["severity"] == "high"
    honest = run_external(request(harness, HONEST, unsafe=True), harness)
    assert honest["checks"] == []


def test_command_placeholders_and_python(harness):
    argv = command_argv(harness, "mine", 7, "/sandbox/out", "/opt/py")
    assert argv[0] == "/opt/py"
    assert argv[1:] == [
        "w2s_research/ideas/mine/run.py", "--idea", "mine", "--seed", "7", "--out", "/sandbox/out",
    ]  # fmt: skip


# ---- config ----

TOML = """\
[harness.w2s-sandbox]
path = "{path}"
commit = "{commit}"
allow = ["w2s_research/ideas/"]
command = {command}
predictions = "{{out}}/predictions.json"
labels = "{labels}"
weak_acc = 0.70
strong_acc = 0.95
timeout_s = 60
"""


def config_text(harness: ExternalHarness, **changes: str) -> str:
    text = TOML.format(
        path=harness.path,
        commit=harness.commit[:12],
        command=json.dumps(COMMAND),
        labels=harness.labels,
    )
    for key, line in changes.items():
        lines = [ln for ln in text.splitlines() if not ln.startswith(f"{key} =")]
        text = "\n".join(lines + ([line] if line else [])) + "\n"
    return text


def test_a_missing_config_file_is_an_empty_config(tmp_path):
    assert load_config(tmp_path / "nope.toml").harnesses == {}
    assert load_config().harnesses == {}


def test_the_default_config_file_loads_and_resolves_the_commit(harness):
    paths.config_file().parent.mkdir(parents=True)
    paths.config_file().write_text(config_text(harness))
    cfg = load_config().harnesses["w2s-sandbox"]
    assert cfg.commit == harness.commit  # the 12-digit prefix resolves to the full hash
    assert cfg.command == tuple(COMMAND) and cfg.labels == harness.labels
    assert dataclasses.replace(cfg, name=harness.name) == dataclasses.replace(
        harness, name=cfg.name
    )


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"command": 'command = ["python", "run.py", "--seed", "{seed}"]'}, "command"),
        ({"command": 'command = ["python", "{labels}", "{out}"]'}, "command"),
        ({"command": "command = []"}, "command"),
        ({"allow": 'allow = ["../"]'}, "allow"),
        ({"allow": 'allow = ["w2s_research/ideas"]'}, "allow"),
        ({"allow": 'allow = ["/abs/"]'}, "allow"),
        ({"commit": 'commit = "not-hex!"'}, "commit"),
        ({"commit": 'commit = "abcdef0123"'}, "commit"),
        ({"path": 'path = "/nonexistent/repo"'}, "path"),
        ({"path": 'path = "/usr"'}, "path"),
        ({"labels": 'labels = "labels.json"'}, "labels"),
        ({"weak_acc": "weak_acc = 0.99"}, "strong_acc"),
        ({"weak_acc": "weak_acc = 1.5"}, "weak_acc"),
        ({"weak_acc": "weak_acc = true"}, "weak_acc"),
        ({"weak_acc": ""}, "weak_acc"),
        ({"predictions": 'predictions = "/etc/passwd"'}, "predictions"),
        ({"predictions": 'predictions = "{out}/../x.json"'}, "predictions"),
        ({"timeout_s": "timeout_s = -1"}, "timeout_s"),
        ({"out_gib": "out_gib = 0"}, "out_gib"),
        ({"out_gib": 'out_gib = "8"'}, "out_gib"),
        ({"timeout_s": 'colour = "red"'}, "colour"),
    ],
)
def test_config_errors_name_the_file_and_key(tmp_path, harness, change, key):
    file = tmp_path / "config.toml"
    file.write_text(config_text(harness, **change))
    with pytest.raises(ConfigError) as err:
        load_config(file)
    assert str(file) in str(err.value)
    assert f"harness.w2s-sandbox.{key}:" in str(err.value)


def test_a_ref_named_like_the_pin_does_not_move_it(tmp_path, harness):
    repo = tmp_path / "repo"
    repo.mkdir()
    pinned = make_repo(repo)
    (repo / "w2s_research" / "score.py").write_text("SCORER = 'changed'\n")
    git(repo, "commit", "-qam", "other")
    other = git(repo, "rev-parse", "HEAD")
    git(repo, "tag", pinned[:7], other)  # `rev-parse 1a2b3c4` takes the tag over the commit
    git(repo, "branch", pinned[:12], other)
    for prefix in (pinned[:7], pinned[:12], pinned):
        file = tmp_path / "config.toml"
        file.write_text(config_text(dataclasses.replace(harness, path=repo), commit=""
                                    ) + f'commit = "{prefix}"\n')
        assert load_config(file).harnesses["w2s-sandbox"].commit == pinned, prefix


def test_resolving_the_pin_runs_no_program_the_checkout_names(tmp_path, harness):
    repo = tmp_path / "repo"
    repo.mkdir()
    make_repo(repo)
    marker = tmp_path / "ran"
    # A partial clone fetches a missing object through its remote's upload-pack program.
    git(repo, "config", "extensions.partialClone", "origin")
    git(repo, "config", "remote.origin.url", str(tmp_path / "nowhere"))
    git(repo, "config", "remote.origin.promisor", "true")
    git(repo, "config", "remote.origin.uploadpack", f"sh -c 'touch {marker}; exit 1' #")
    git(repo, "config", "core.fsmonitor", f"sh -c 'touch {marker}' #")
    file = tmp_path / "config.toml"
    file.write_text(config_text(dataclasses.replace(harness, path=repo), commit=""
                                ) + 'commit = "0123456789abcdef0123456789abcdef01234567"\n')
    with pytest.raises(ConfigError, match="not a commit"):
        load_config(file)
    assert not marker.exists()


def test_a_data_folder_holding_the_labels_is_refused(tmp_path, harness):
    file = tmp_path / "config.toml"
    file.write_text(config_text(harness) + f'data = "{harness.labels.parent.parent}"\n')
    with pytest.raises(ConfigError, match=r"harness\.w2s-sandbox\.data: .*labels"):
        load_config(file)


def test_bad_toml_names_the_file(tmp_path):
    file = tmp_path / "config.toml"
    file.write_text("[harness.x\n")
    with pytest.raises(ConfigError, match=r"config\.toml: not valid TOML"):
        load_config(file)


def test_python_default_is_the_running_interpreter(harness):
    assert harness.python is None
    assert command_argv(harness, "i", 1, "/o", sys.executable)[0] == sys.executable


@needs_bwrap
def test_cli_rerun_of_a_proposal_on_the_configured_harness(harness, tmp_path):
    """ingest → rerun --wait through the CLI, with the harness configured in TOML."""
    from click.testing import CliRunner

    from reviewer.cli import cli

    write_config(harness.path, harness.commit, harness.labels)
    proposal = {
        "agent": "aar-1", "title": "threshold idea", "summary": "s", "harness": "w2s-sandbox",
        "idea": "mine", "base": harness.commit[:12],
        "diff": new_file_diff("w2s_research/ideas/mine/run.py", HONEST),
        "claimed": {"pgr": 0.5, "pgr_se": 0.06, "seeds": SEEDS},
    }
    file = tmp_path / "p.json"
    file.write_text(json.dumps(proposal))
    db = str(tmp_path / "ext.db")
    runner = CliRunner()
    pid = json.loads(runner.invoke(cli, ["--db", db, "ingest", "--json", str(file)]).output)[
        "added"][0]
    out = runner.invoke(cli, ["--db", db, "rerun", pid, "--seed-list", "1,2,3", "--wait",
                              "--json"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    result = json.loads(out.output[out.output.index("{"):])
    assert [row["pgr"] for row in result["per_seed"]] == pytest.approx(HONEST_PGR)
    assert result["verdict"] == "reproduced" and result["env"]["sandbox"] == "bubblewrap"
    text = runner.invoke(cli, ["--db", db, "rerun", pid, "--seed-list", "1,2,3", "--wait"],
                         catch_exceptions=False)
    assert text.exit_code == 0, text.output
    assert "reproduced  PGR 0.467 ± 0.067" in text.output and "naive -" in text.output
