"""Whether the built-in harness could run a proposal's idea, judged at ingest.

A rerun on the built-in harness runs `methods/<idea>.py` of the pinned tree with the diff
applied, and refuses an idea that is not a lower-case module name (`launch.IDEA`) or whose
file that tree lacks; flagged here, the reviewer sees it before spending a rerun on it.
External harnesses are left alone: their config names no path the idea must have.
"""

from __future__ import annotations

import unidiff

from reviewer.checks.model import Check
from reviewer.checks.patches import parse_patch
from reviewer.harness.launch import IDEA, method_file
from reviewer.harness.treehash import tree_root
from reviewer.textsafe import short

CODE = "idea_not_runnable"
SEVERITY = "medium"
BUILTIN = "builtin"
_PREFIXES = ("a/", "b/")


def idea_checks(harness: str, idea: str | None, diff: str | None) -> list[Check]:
    """`idea_not_runnable` when the built-in harness would refuse to run `idea` with `diff`."""
    # Without code a rerun fails before it looks at the idea, so there is nothing to warn of.
    if harness != BUILTIN or diff is None:
        return []
    problem = _problem(idea, diff)
    if problem is None:
        return []
    method = method_file(idea) if idea and IDEA.fullmatch(idea) else None
    return [Check(CODE, SEVERITY, problem, {"idea": idea, "method": method})]


def _problem(idea: str | None, diff: str) -> str | None:
    """Why the rerun would refuse `idea` with `diff`, or None when it would run it."""
    if not idea:
        return "the built-in harness runs methods/<idea>.py, and this proposal names no idea"
    if not IDEA.fullmatch(idea):
        return ("idea names for the built-in harness are lower case letters, digits and _,"
                f" so a rerun refuses {short(idea, 80)!r}")
    return _missing(method_file(idea), diff)


def _missing(path: str, diff: str) -> str | None:
    """Why the pinned tree with `diff` applied lacks `path`, or None when it has it or the
    diff cannot be read (`unparseable_diff` says so already)."""
    shipped = (tree_root() / path).is_file()
    # A diff that never writes the path's name can neither add nor remove that file.
    if path not in diff:
        written: set[str] = set()
        removed: set[str] = set()
    else:
        try:
            written, removed = _written_and_removed(parse_patch(diff))
        # unidiff is a third-party parser fed hostile text; any failure means "not a diff".
        except Exception:
            return None
    if path in written or (shipped and path not in removed):
        return None
    if shipped:
        return f"the built-in harness runs {path}, which this diff deletes or renames away"
    return (f"the built-in harness runs {path}, which this diff does not add or change and"
            " the harness does not ship")


def _written_and_removed(patch: unidiff.PatchSet) -> tuple[set[str], set[str]]:
    """Paths the patch leaves a file at, and paths it takes a file away from."""
    written: set[str] = set()
    removed: set[str] = set()
    for f in patch:
        source, target = _clean(f.source_file), _clean(f.target_file)
        if target is not None and not f.is_removed_file:
            written.add(target)
        if source is not None and (f.is_removed_file or source != target):
            removed.add(source)
    return written, removed


def _clean(name: str | None) -> str | None:
    if not name or name == "/dev/null":
        return None
    return name[2:] if name.startswith(_PREFIXES) else name
