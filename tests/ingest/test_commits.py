"""`reviewer ingest-git`: agents' commits on an exported harness, as proposals."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.harness import treehash
from reviewer.ingest.commits import Harness, idea_from_paths, read_commits
from reviewer.ingest.gitlog import GitRepo
from reviewer.rerun.diffcheck import BUILTIN_ALLOW, DiffPolicy, apply_diff
from store import ReviewStore

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")

RAMP = '''"""Logconf with a ramp."""
from methods.logconf import run as _run


def run(view):
    return _run(view)
'''


def git(repo: Path, *args: str, author: str = "aar-3") -> str:
    env = {"PATH": os.environ["PATH"], "HOME": str(repo), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": author,
           "GIT_AUTHOR_EMAIL": f"{author}@agents", "GIT_COMMITTER_NAME": author,
           "GIT_COMMITTER_EMAIL": f"{author}@agents"}  # fmt: skip
    out = subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True,
                         text=True, check=True)  # fmt: skip
    return out.stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str, author: str = "aar-3") -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A", author=author)
    git(repo, "commit", "-q", "--allow-empty", "-m", message, author=author)
    return git(repo, "rev-parse", "HEAD")


def invoke(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    out = invoke(tmp_path / "unused.db", "harness", "export", str(tmp_path / "agents"), "--git")
    assert out.exit_code == 0, out.output
    return tmp_path / "agents"


def test_the_exported_repository_commits_the_harness_tree(repo):
    assert git(repo, "rev-parse", "HEAD^{tree}") == treehash.git_tree_hash()
    assert git(repo, "status", "--porcelain") == ""


def shown(db: Path, pid: str) -> dict:
    return json.loads(invoke(db, "show", "--json", pid).output)


def test_each_commit_is_a_proposal_whose_diff_runs_from_the_harness(repo, tmp_path):
    first = commit(repo, {"methods/logconf_ramp.py": RAMP}, (
        "Logconf with a ramp\n\nIt ramps the **floor**.\n\n"
        "Claimed-PGR: 0.61 ± 0.02\nSeeds: 1-5\nDataset: clusters\n"
        "Signed-off-by: aar-3 <aar-3@agents>"))
    second = commit(repo, {"methods/logconf_ramp.py": RAMP + "# longer\n"},
                    "Ramp, longer\n\nAgent: aar-9", author="aar-4")
    db = tmp_path / "s.db"
    out = invoke(db, "ingest-git", "--json", str(repo))
    assert out.exit_code == 0, out.output
    added = json.loads(out.output)["added"]
    assert len(added) == 2
    a, b = (shown(db, pid) for pid in added)
    assert a["title"] == "Logconf with a ramp" and a["agent"] == "aar-3"
    claimed = {k: v for k, v in a["claimed"].items() if v is not None}
    assert claimed == {"pgr": 0.61, "pgr_se": 0.02, "seeds": [1, 2, 3, 4, 5],
                       "dataset": "clusters"}  # fmt: skip
    assert a["harness"] == "builtin" and a["base"] == treehash.git_tree_hash()
    assert a["idea"] == "logconf_ramp" and a["source_format"] == "git_commit"
    # The trailer the reviewer does not read stays in the original object.
    store = ReviewStore.open(db)
    original = json.loads(store.get(added[0])["original"])
    diff_b = store.get(added[1])["diff"]
    store.close()
    assert original["git"]["commit"] == first
    assert original["git"]["trailers"] == [["Signed-off-by", "aar-3 <aar-3@agents>"]]
    assert original["summary"] == "It ramps the **floor**."
    # An `Agent:` trailer names the agent; the second builds on the first, by commit.
    assert b["agent"] == "aar-9" and not any(b["claimed"].values())
    assert b["lineage"]["parent"] == first
    assert [(r["id"], r["via"]) for r in b["lineage"]["parents"]] == [(added[0], "commit")]
    assert shown(db, added[0])["lineage"]["children_total"] == 1
    assert f"from     git commit {first}\n" in invoke(db, "show", added[0]).output
    # The second diff holds both commits' change and applies to the pinned tree.
    changes = apply_diff(diff_b, treehash.tree_root(), tmp_path / "applied",
                         DiffPolicy(BUILTIN_ALLOW))
    assert [c.path for c in changes] == ["methods/logconf_ramp.py"] and second
    assert (tmp_path / "applied" / "methods" / "logconf_ramp.py").read_text() == RAMP + "# longer\n"
    # Again: nothing new, and the audit chain holds.
    again = json.loads(invoke(db, "ingest-git", "--json", str(repo)).output)
    assert again["added"] == [] and sorted(again["present"]) == sorted(added)
    assert invoke(db, "audit", "verify").exit_code == 0


def test_a_range_and_merges(repo, tmp_path):
    commit(repo, {"methods/one.py": RAMP}, "One")
    git(repo, "checkout", "-q", "-b", "side", "HEAD~1")
    commit(repo, {"methods/two.py": RAMP}, "Two", author="aar-5")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-edit", "side")
    db = tmp_path / "s.db"
    out = invoke(db, "ingest-git", "--json", str(repo), "HEAD~1..HEAD")
    report = json.loads(out.output)
    # The merge names two commits (One and Two's branch side), and is itself skipped.
    assert len(report["added"]) == 1 and report["warnings"] == [
        "skipped 1 merge commit(s): propose the commits they merge, which are in the range too"]
    titles = {shown(db, pid)["title"] for pid in report["added"]}
    assert titles == {"One"} or titles == {"Two"}
    every = json.loads(invoke(db, "ingest-git", "--json", str(repo)).output)
    assert len(every["added"]) + len(every["present"]) == 2


def test_a_bad_trailer_rejects_only_its_commit(repo, tmp_path):
    bad = commit(repo, {"methods/one.py": RAMP}, "One\n\nClaimed-PGR: lots")
    commit(repo, {"methods/two.py": RAMP}, "Two\n\nSeeds: 3-1")
    good = commit(repo, {"methods/three.py": RAMP}, "Three\n\nClaimed-PGR: 0.5")
    db = tmp_path / "s.db"
    out = invoke(db, "ingest-git", str(repo))
    assert out.exit_code == 1
    assert "added 1," in out.output and "rejected commits 2" in out.output
    assert f"error: {repo}@{bad[:12]}: trailer Claimed-PGR: expected a number" in out.output
    assert "trailer Seeds: expected at most 1000 seeds in increasing ranges" in out.output
    listed = json.loads(invoke(db, "list", "--json").output)
    assert [r["title"] for r in listed] == ["Three"] and good


def test_claims_are_validated_like_a_native_proposal(repo, tmp_path):
    commit(repo, {"methods/one.py": RAMP}, "One\n\nClaimed-PGR: 0.5\nClaimed-Weak-Acc: 7")
    out = invoke(tmp_path / "s.db", "ingest-git", str(repo))
    assert out.exit_code == 1 and "claimed.weak_acc" in out.output


def test_the_repository_config_never_runs_a_program(repo, tmp_path):
    marker = tmp_path / "ran"
    evil = f"touch {marker}"
    commit(repo, {"methods/one.py": RAMP, ".gitattributes": "*.py diff=evil\n"}, "One")
    for key in ("diff.external", "core.pager", "core.fsmonitor", "diff.evil.textconv"):
        git(repo, "config", key, evil)
    hook = repo / ".git" / "hooks" / "post-checkout"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(f"#!/bin/sh\n{evil}\n")
    hook.chmod(0o755)
    assert not marker.exists()
    out = invoke(tmp_path / "s.db", "ingest-git", "--json", str(repo))
    assert len(json.loads(out.output)["added"]) == 1
    assert not marker.exists()
    # The same config does run a program for a plain `git diff`, so the test can fail.
    subprocess.run(["git", "-C", str(repo), "diff", "HEAD~1", "HEAD"], capture_output=True,
                   env={"PATH": os.environ["PATH"], "HOME": str(repo)}, check=False)
    assert marker.exists()


def _plain_git(repo: Path, *args: str) -> None:
    """git as a user would run it on the repository, its own config honoured."""
    subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False,
                   env={"PATH": os.environ["PATH"], "HOME": str(repo)})  # fmt: skip


def _program(tmp_path: Path) -> tuple[Path, Path]:
    """A script that leaves a marker when run, and that marker."""
    marker, script = tmp_path / "ran", tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    script.chmod(0o755)
    return script, marker


def test_a_signed_commit_never_runs_the_repositorys_signature_checker(repo, tmp_path):
    # log.showSignature made `git log` run the agent's gpg.program on a signed commit.
    script, marker = _program(tmp_path)
    commit(repo, {"methods/one.py": RAMP}, "One")
    raw = git(repo, "cat-file", "commit", "HEAD").split("\n\n", 1)
    signed = (raw[0] + "\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n AAAA\n"
              " -----END PGP SIGNATURE-----\n\nTwo\n")
    sha = subprocess.run(["git", "-C", str(repo), "hash-object", "-t", "commit", "-w", "--stdin"],
                         input=signed, capture_output=True, text=True, check=True).stdout.strip()
    git(repo, "update-ref", "HEAD", sha)
    for key in ("log.showSignature", "gpg.program", "gpg.ssh.program", "gpg.x509.program"):
        git(repo, "config", key, "true" if key == "log.showSignature" else str(script))
    out = invoke(tmp_path / "s.db", "ingest-git", "--json", str(repo))
    assert [e for e in json.loads(out.output)["errors"]] == []
    assert not marker.exists()
    _plain_git(repo, "log", "-1")  # the same config does run it for a plain `git log`
    assert marker.exists()


def test_a_partial_clone_never_fetches_a_missing_object(repo, tmp_path):
    # A promisor remote fetched the missing blob by running the agent's uploadpack program.
    script, marker = _program(tmp_path)
    commit(repo, {"methods/one.py": RAMP}, "One")
    blob = git(repo, "rev-parse", "HEAD:methods/one.py")
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    (repo / "methods" / "one.py").unlink()  # else git's diff reads the matching work-tree file
    for key, value in (("core.repositoryformatversion", "1"),
                       ("extensions.partialClone", "origin"), ("remote.origin.url", str(repo)),
                       ("remote.origin.promisor", "true"),
                       ("remote.origin.uploadpack", str(script)),
                       ("protocol.file.allow", "always")):
        git(repo, "config", key, value)
    out = invoke(tmp_path / "s.db", "ingest-git", "--json", str(repo))
    assert out.exit_code == 1 and "Traceback" not in out.output
    assert not marker.exists()
    _plain_git(repo, "cat-file", "-p", blob)  # a plain git does fetch it, running the program
    assert marker.exists()


def test_a_missing_blob_is_never_read_from_the_work_tree(repo, tmp_path):
    # git's diff read the work-tree file the index marks clean in place of the missing blob,
    # so what was stored was not read from the commit the proposal names.
    commit(repo, {"methods/one.py": RAMP}, "One")
    blob = git(repo, "rev-parse", "HEAD:methods/one.py")
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    out = invoke(tmp_path / "s.db", "ingest-git", "--json", str(repo))
    assert out.exit_code == 1
    assert json.loads(out.output)["added"] == []


def test_one_unreadable_branch_does_not_stop_the_others(repo, tmp_path):
    # A branch whose commit names a missing parent failed `git log --branches`, so one
    # agent's broken branch kept every agent's commits out of the store.
    commit(repo, {"methods/one.py": RAMP}, "One")
    tree = git(repo, "rev-parse", "HEAD^{tree}")
    broken = (f"tree {tree}\nparent {'1' * 40}\nauthor b <b@b> 1 +0000\n"
              "committer b <b@b> 1 +0000\n\nbroken\n")
    sha = subprocess.run(["git", "-C", str(repo), "hash-object", "-t", "commit", "-w",
                          "--stdin", "--literally"], input=broken, capture_output=True,
                         text=True, check=True).stdout.strip()
    git(repo, "update-ref", "refs/heads/agent-b", sha)
    out = invoke(tmp_path / "s.db", "ingest-git", "--json", str(repo))
    assert out.exit_code == 1
    shown = json.loads(out.output)
    assert len(shown["added"]) == 1
    [error] = shown["errors"]
    assert error["message"].startswith(
        "branch refs/heads/agent-b cannot be read, so it was left out: git log failed: ")
    assert "1" * 40 in error["message"]  # git's own words name the missing parent


def test_a_run_reads_a_bounded_amount_of_diff_and_leaves_the_rest(repo, tmp_path, monkeypatch):
    # Every commit's diff runs from the harness, so one big method and empty commits after
    # it cost a run memory without end (3.1 GB for 600 commits over a 1 MB method).
    monkeypatch.setattr("reviewer.ingest.commits.MAX_RUN_DIFF_BYTES", 300)  # one diff's worth
    for n in range(3):
        commit(repo, {"methods/one.py": RAMP + f"# {n}\n"}, f"Step {n}")
    db = tmp_path / "s.db"
    runs = [json.loads(invoke(db, "ingest-git", "--json", str(repo)).output) for _ in range(4)]
    assert [len(r["added"]) for r in runs] == [1, 1, 1, 0]
    assert [r["warnings"] for r in runs[:2]] == [
        ["left 2 commit(s) for the next run: this one read its limit of 300 bytes of diffs"],
        ["left 1 commit(s) for the next run: this one read its limit of 300 bytes of diffs"]]
    assert runs[2]["warnings"] == [] and len(runs[3]["present"]) == 3


def test_a_message_cannot_pose_as_another_commit(repo, tmp_path):
    fake = "\x1e" + "\x1f".join(["f" * 40, "0" * 40, "", "mallory", "m@x", "2020-01-01", "Fake"])
    commit(repo, {"methods/one.py": RAMP}, f"One\n\n{fake}\ntail")
    out = json.loads(invoke(tmp_path / "s.db", "ingest-git", "--json", str(repo)).output)
    assert len(out["added"]) == 1 and out["errors"] == []


def test_options_in_the_range_and_bad_repositories_are_refused(repo, tmp_path):
    db = tmp_path / "s.db"
    out = invoke(db, "ingest-git", str(repo), "--", "--output=/tmp/x")
    assert out.exit_code == 1 and "not a revision or range: '--output=/tmp/x'" in out.output
    (tmp_path / "plain").mkdir()
    out = invoke(db, "ingest-git", str(tmp_path / "plain"))
    assert out.exit_code == 1 and "not a git repository" in out.output
    # A folder inside the agents' repository is not taken for it.
    out = invoke(db, "ingest-git", str(repo / "methods"))
    assert out.exit_code == 1 and "not a git repository" in out.output
    out = invoke(db, "ingest-git", str(repo), "no-such-branch")
    assert out.exit_code == 1 and "git rev-list failed" in out.output


def test_a_missing_git_is_named_as_such_not_as_a_bad_repository(repo, monkeypatch, tmp_path):
    from reviewer.ingest.errors import IngestError

    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))
    with pytest.raises(IngestError) as missing:
        GitRepo(repo)
    assert missing.value.message == "git is not installed"


def test_a_repository_without_the_harness_is_explained(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    commit(other, {"methods/one.py": RAMP}, "One")
    out = invoke(tmp_path / "s.db", "ingest-git", str(other))
    assert out.exit_code == 1
    assert "no branch descends from a harness (the built-in tree" in out.output
    out = invoke(tmp_path / "s.db", "ingest-git", str(other), "HEAD")
    assert out.exit_code == 1 and "descends from no harness" in out.output


def test_an_external_harness_is_found_by_its_pinned_commit(tmp_path):
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    git(sandbox, "init", "-q")
    pinned = commit(sandbox, {"w2s_research/ideas/base/run.py": "print(0)\n"}, "Upstream")
    commit(sandbox, {"w2s_research/ideas/conf_weight/run.py": "print(1)\n"},
           "Weight by confidence\n\nClaimed-PGR: 0.4")
    harness = Harness("w2s-sandbox", pinned, ("w2s_research/ideas/",))
    assert len(read_commits(GitRepo(sandbox), [], [harness]).results) == 1
    read = read_commits(GitRepo(sandbox), ["HEAD"], [harness])
    assert read.harness_commits == 1
    [result] = read.results
    [proposal] = result.proposals
    assert (proposal.harness, proposal.base, proposal.idea) == ("w2s-sandbox", pinned,
                                                                "conf_weight")  # fmt: skip
    assert proposal.parent is None and proposal.claimed == {"pgr": 0.4}


def test_idea_from_paths():
    allow = ("methods/",)
    assert idea_from_paths(["methods/a.py"], allow) == "a"
    assert idea_from_paths(["methods/a.py", "methods/b.py"], allow) is None
    assert idea_from_paths(["scorer.py"], allow) is None
    assert idea_from_paths(["methods/bad-name.py"], allow) is None
    ideas = ("w2s_research/ideas/",)
    assert idea_from_paths(["w2s_research/ideas/x/run.py", "w2s_research/ideas/x/u.py"],
                           ideas) == "x"  # fmt: skip


def test_an_empty_message_and_a_hostile_author_are_named(repo, tmp_path):
    empty = commit(repo, {"methods/one.py": RAMP}, "placeholder")
    git(repo, "commit", "-q", "--amend", "--allow-empty-message", "-m", "")
    empty = git(repo, "rev-parse", "HEAD")
    commit(repo, {"methods/two.py": RAMP}, "Two", author="evil\x1b[2Jname")
    out = invoke(tmp_path / "s.db", "ingest-git", "--json", str(repo))
    errors = {e["path"][-12:]: (e["field"], e["message"]) for e in json.loads(out.output)["errors"]}
    assert errors[empty[:12]] == ("message", "the commit message has no subject line to use "
                                             "as a title")  # fmt: skip
    assert any(field == "agent" for field, _ in errors.values()) and len(errors) == 2


def test_every_round_reads_only_new_commits_and_reports_an_error_once(repo, tmp_path):
    from reviewer.commands.ingest_git import ingest_commits
    from reviewer.commands.repeat import repeat
    from reviewer.context import Context

    commit(repo, {"methods/one.py": RAMP}, "One")
    commit(repo, {"methods/two.py": RAMP}, "Two\n\nClaimed-PGR: lots")
    ctx = Context(db=str(tmp_path / "s.db"), actor_flag="scanner")
    seen: set[str] = set()
    rounds: list[tuple[int, int, int, int]] = []
    naps = iter([lambda: commit(repo, {"methods/three.py": RAMP}, "Three"), lambda: None])
    try:
        last = repeat(lambda: ingest_commits(ctx, repo, [], seen), every=5, rounds=3,
                      sleep=lambda _: next(naps)(),
                      emit=lambda n, r, skipped: rounds.append(
                          (n, len(r.added), len(r.errors), skipped)))  # fmt: skip
        assert rounds == [(1, 1, 1, 0), (2, 1, 0, 2), (3, 0, 0, 3)]
        assert last.errors == [] and ctx.store.count() == 2
    finally:
        ctx.close()


def test_ingest_git_every_prints_a_json_line_per_scan(repo, tmp_path):
    commit(repo, {"methods/one.py": RAMP}, "One")
    out = invoke(tmp_path / "s.db", "ingest-git", str(repo), "--every", "1", "--rounds", "1",
                 "--json")
    assert out.exit_code == 0, out.output
    [line] = [json.loads(x) for x in out.output.splitlines()]
    assert line["scan"] == 1 and len(line["added"]) == 1 and line["unchanged"] == 0
    out = invoke(tmp_path / "s.db", "ingest-git", str(repo), "--rounds", "2")
    assert out.exit_code == 2 and "--rounds needs --every" in out.output


def test_a_watch_counts_commits_stored_before_it_began_as_unchanged_after_one_scan(
        repo, tmp_path):
    # Each scan reported every commit stored before the watch began as "present" again,
    # with all their ids, and looked each up in the store again.
    commit(repo, {"methods/one.py": RAMP}, "One")
    commit(repo, {"methods/two.py": RAMP}, "Two")
    db = tmp_path / "s.db"
    assert invoke(db, "ingest-git", str(repo)).exit_code == 0
    out = invoke(db, "ingest-git", str(repo), "--every", "1", "--rounds", "2", "--json")
    assert out.exit_code == 0, out.output
    first, second = (json.loads(x) for x in out.output.splitlines())
    assert len(first["present"]) == 2 and first["unchanged"] == 0
    assert second["present"] == [] and second["unchanged"] == 2


def test_a_bare_repository_gives_the_same_proposals(repo, tmp_path):
    commit(repo, {"methods/one.py": RAMP}, "One")
    bare = tmp_path / "shared.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True,
                   env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)})  # fmt: skip
    db = tmp_path / "s.db"
    first = json.loads(invoke(db, "ingest-git", "--json", str(repo)).output)["added"]
    again = json.loads(invoke(db, "ingest-git", "--json", str(bare)).output)
    assert len(first) == 1 and again["present"] == first and again["added"] == []


def test_a_commit_already_stored_is_not_read_again(repo, tmp_path):
    sha = commit(repo, {"methods/one.py": RAMP}, "One\n\nClaimed-PGR: lots")  # would fail
    harness = Harness("builtin", treehash.git_tree_hash(), ("methods/",),
                      tree=treehash.git_tree_hash())
    asked: list[list[str]] = []

    def stored(shas: list[str]) -> dict[str, str]:
        asked.append(shas)
        return {sha: "stored-id"}

    read = read_commits(GitRepo(repo), [], [harness], stored=stored)
    assert read.results == [] and read.stored == ["stored-id"] and asked == [[sha]]


def test_a_huge_diff_or_commit_message_is_refused_unread(repo, tmp_path, monkeypatch):
    from reviewer.ingest import commits as commits_module
    from reviewer.ingest import gitlog

    fine = commit(repo, {"methods/three.py": RAMP}, "Fine")
    huge = commit(repo, {"methods/one.py": RAMP + "# " + "x" * 5000 + "\n"}, "Huge file")
    wordy = commit(repo, {"methods/two.py": RAMP}, "Wordy\n\n" + "word " * 2000)
    monkeypatch.setattr(commits_module, "MAX_DIFF_BYTES", 4000)
    monkeypatch.setattr(gitlog, "MAX_COMMIT_BYTES", 5000)
    monkeypatch.setattr(commits_module, "MAX_COMMIT_BYTES", 5000)
    out = json.loads(invoke(tmp_path / "s.db", "ingest-git", "--json", str(repo)).output)
    errors = {e["path"][-12:]: (e["field"], e["message"]) for e in out["errors"]}
    assert errors[huge[:12]] == ("diff", "over the limit of 4000 bytes")
    assert errors[wordy[:12]][1].startswith("the commit object is 10,")
    assert errors[wordy[:12]][1].endswith("over the limit of 5,000")
    assert len(out["added"]) == 1 and len(out["errors"]) == 2 and fine


def test_the_idea_is_the_method_the_commit_itself_changed(repo, tmp_path):
    commit(repo, {"methods/one.py": RAMP}, "One")
    commit(repo, {"methods/two.py": RAMP}, "Two")  # its diff from the harness holds both
    commit(repo, {"methods/two.py": RAMP, "methods/three.py": RAMP}, "Three\n\nIdea: three")
    db = tmp_path / "s.db"
    added = json.loads(invoke(db, "ingest-git", "--json", str(repo)).output)["added"]
    assert [shown(db, pid)["idea"] for pid in added] == ["one", "two", "three"]


def test_batched_patches_are_byte_for_byte_what_one_diff_tree_prints(repo, monkeypatch):
    from reviewer.ingest import gitlog

    base = git(repo, "rev-parse", "HEAD")
    shas = []
    for i in range(9):
        files = {f"methods/m{i % 3}.py": RAMP + f"X = {i}\n"}
        if i == 2:  # a line that is another commit's id, as an added line
            files["methods/ids.py"] = f"{shas[0]}\n{shas[1]}"  # and no newline at the end
        if i == 4:
            files["methods/big.py"] = "# " + "y" * 3000 + "\n"
        if i == 5:
            (repo / "methods" / "big.py").unlink()
        shas.append(commit(repo, files, f"commit {i}"))
    shas.append(commit(repo, {}, "empty"))  # no change of its own
    reverted = commit(repo, {}, "back to the harness")
    git(repo, "read-tree", base)
    git(repo, "checkout-index", "-a", "-f")
    git(repo, "commit", "-q", "--allow-empty", "-m", "same tree as the harness")
    same = git(repo, "rev-parse", "HEAD")
    pairs = [(base, sha) for sha in [*shas, reverted, same]] + [(shas[0], shas[3])]
    runs: list[tuple[int, int]] = []
    real = gitlog.GitRepo._diff_batch

    def counting(self, batch, max_bytes, out, left):
        settled = real(self, batch, max_bytes, out, left)
        runs.append((len(batch), settled))
        return settled

    monkeypatch.setattr(gitlog, "DIFF_BATCH", 4)
    monkeypatch.setattr(gitlog.GitRepo, "_diff_batch", counting)
    got = GitRepo(repo).diffs(pairs, 2500)
    for old, new in pairs:
        one = subprocess.run(
            ["git", "-C", str(repo), "diff-tree", "-p", "--no-renames", "--no-color",
             "--no-ext-diff", "--no-textconv", "--full-index", old, new, "--"],
            capture_output=True, check=True).stdout
        if len(one) > 2500:
            assert str(got[(old, new)]).endswith("diff: over the limit of 2500 bytes")
        else:
            assert got[(old, new)] == one, new
    over = [p for p in pairs if not isinstance(got[p], bytes)]
    assert over == [(base, shas[4])]  # only the commit that added the big file
    assert got[(base, same)] == b"" and shas[0].encode() in got[(base, shas[2])]
    # Runs of 4; the patch over the limit ends its run, and the next starts after it.
    assert len(pairs) == 13 and runs == [(4, 4), (4, 1), (4, 4), (4, 4)]


def test_a_commit_git_cannot_diff_fails_alone(repo):
    base = git(repo, "rev-parse", "HEAD")
    one = commit(repo, {"methods/one.py": RAMP}, "One")
    two = commit(repo, {"methods/two.py": RAMP}, "Two")
    missing = "0123456789" * 4
    got = GitRepo(repo).diffs([(base, one), (base, missing), (base, two)], 100_000)
    assert str(got[(base, missing)]).endswith("diff: git diff-tree gave no patch for it")
    assert b"methods/one.py" in got[(base, one)] and b"methods/two.py" in got[(base, two)]
