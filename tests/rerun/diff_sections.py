"""Small diffs git reads otherwise than the diff parser, shared by the rerun and checks tests.

Each is built on METHOD, a method file the base tree holds at methods/m.py, and each hides
a label read (`np.load`) that only git's reading runs.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

PATH = "methods/m.py"
READ = "    L = np.load(view.x_test)"
RETURN = "    return view.predict_proba(params, view.x_test).argmax(dim=-1)"
FIT = "    params = view.fit(view.new_student(), view.x_transfer, view.weak_probs, view.xent)"
METHOD = f"import numpy as np\nimport torch\n\n\ndef run(view):\n{FIT}\n{RETURN}\n"
HEAD = f"diff --git a/{PATH} b/{PATH}\n--- a/{PATH}\n+++ b/{PATH}\n"


def out_of_order() -> str:
    """Two hunks of one file, the later one first: git places each where it matches."""
    return (HEAD + "@@ -6,2 +7,2 @@\n" + f" {FIT}\n-{RETURN}\n+    return L\n"
            + "@@ -2,2 +2,3 @@\n import torch\n+L = np.load('v')\n \n")


def joined_by_marker() -> str:
    """A no-newline marker mid-hunk: git joins the string's opening line with the next."""
    return (HEAD + "@@ -2,2 +2,4 @@\n import torch\n+P = \"\n\\ No newline at end of file\n"
            "+\"; L = np.load('v')\n \n")


def traditional_section() -> str:
    """A non-git section for methods/methods/m.py, which git's -p1 applies to methods/m.py;
    git sections creating methods/methods/m.py and editing methods/m.py keep the sets of
    paths git and the parser see equal."""
    decoy = f"methods/{PATH}"
    return (f"diff --git a/{decoy} b/{decoy}\nnew file mode 100644\n--- /dev/null\n"
            f"+++ b/{decoy}\n@@ -0,0 +1 @@\n+NOTES = 1\n"
            + HEAD + "@@ -2,3 +2,3 @@\n import torch\n-\n+# tidy\n \n"
            f"--- {decoy}\n+++ {decoy}\n@@ -6,2 +6,3 @@\n {FIT}\n+{READ}\n {RETURN}\n")


def created_then_modified() -> str:
    """One path in two sections: the second changes the file the first creates."""
    new = "methods/fresh.py"
    return (f"diff --git a/{new} b/{new}\nnew file mode 100644\n--- /dev/null\n"
            f"+++ b/{new}\n@@ -0,0 +1,3 @@\n+import numpy as np\n+def run(view):\n+    pass\n"
            f"diff --git a/{new} b/{new}\n--- a/{new}\n+++ b/{new}\n"
            f"@@ -2,2 +2,3 @@\n def run(view):\n+{READ}\n     pass\n")


def bare_cr() -> str:
    """A carriage return inside an added line: Python breaks the line there."""
    return (HEAD + "@@ -6,2 +6,3 @@\n" + f" {FIT}\n+    # keep the order\r{READ}\n {RETURN}\n")


HOSTILE = {
    "out_of_order": (out_of_order, "hunks out of order"),
    "joined_by_marker": (joined_by_marker, "marker inside a hunk"),
    "traditional_section": (traditional_section, "methods/m.py is changed by two sections"),
    "created_then_modified": (created_then_modified, "fresh.py is changed by two sections"),
    "bare_cr": (bare_cr, "bare carriage return"),
}


def base_tree(root: Path) -> Path:
    """A harness tree with METHOD at PATH and a file outside the allow-list."""
    (root / "methods").mkdir(parents=True)
    (root / PATH).write_text(METHOD)
    (root / "score.py").write_text("SECRET = 1\n")
    return root


def git_applies(root: Path, diff: str) -> bool:
    """Whether plain `git apply` takes `diff` on a copy of the tree at `root`."""
    out = subprocess.run(["git", "apply", "--check", "-"], input=diff.encode(), cwd=root,
                         capture_output=True, check=False)
    return out.returncode == 0


def git_diff(tmp_path: Path, files: dict[str, bytes], edits: dict[str, bytes]) -> bytes:
    """What `git diff` writes for `edits` made to a tree of `files`."""
    repo = tmp_path / "repo"
    for name, data in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(data)

    def git(*args: str) -> bytes:
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
                              cwd=repo, check=True, capture_output=True).stdout

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "base")
    for name, data in edits.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(data)
    git("add", "-A")
    return git("diff", "--cached")
