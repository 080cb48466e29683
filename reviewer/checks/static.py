"""Static integrity checks on a proposal's diff: where it writes and what its code does.

Nothing here runs or applies the diff; it is read with unidiff and the added Python is
analysed with `ast`. The rerun's own diff validation (`reviewer.rerun.diffcheck`) still
decides what may be applied: these checks explain to a human what the diff tries.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath

import unidiff

from reviewer.checks.bases import BaseReader, at_most
from reviewer.checks.fragments import (
    Fragment,
    Line,
    Parsed,
    parse_added,
    quiet_parse,
    significant,
)
from reviewer.checks.memo import Memo, digest
from reviewer.checks.model import SEVERITIES, Check
from reviewer.checks.patches import parse_patch
from reviewer.checks.postimage import PostImage, apply_hunks
from reviewer.checks.pyscan import scan_code
from reviewer.checks.scope import Scope
from reviewer.checks.teacher import never_reads_teacher
from reviewer.rerun.diffcheck import DiffPolicy, misleading, section_problem, shape_problem
from reviewer.textsafe import short

_SPECIAL_MODES = {"120000": "symlink", "160000": "submodule"}
# Findings of one code a proposal lists; the rest are counted in one more check of that code,
# so with the ~16 codes there are a proposal never nears the store's 500-check cap.
MAX_PER_CODE = 20
NOT_LISTED = "not_listed"  # `detail` key of the check that counts a code's findings left out
_LEFT_OUT = {"protected_path": "files outside the allow-list", "unsafe_file": "unsafe files"}


def _clean_path(name: str | None) -> str | None:
    if not name or name == "/dev/null":
        return None
    return name[2:] if name.startswith(("a/", "b/")) else name


def _escapes(path: str) -> bool:
    """Absolute paths, '..' and git metadata escape any allow-list whatever its prefixes."""
    parts = PurePosixPath(path).parts
    return (path.startswith(("/", "\\")) or "\\" in path
            or any(p in ("..", ".") for p in path.split("/"))
            or any(p.lower().startswith(".git") for p in parts))


def _path_checks(f: unidiff.PatchedFile, policy: DiffPolicy) -> list[Check]:
    source, target = _clean_path(f.source_file), _clean_path(f.target_file)
    if f.is_removed_file:
        action = "deletes"
    elif f.is_rename or (source and target and source != target):
        action = f"renames {short(source, 80)} to"
    elif f.is_added_file:
        action = "creates"
    else:
        action = "modifies"
    checks: list[Check] = []
    for path in dict.fromkeys(p for p in (source, target) if p):
        if (problem := misleading(path)) is not None:
            # A rerun refuses it; flagged here, a decoy cannot sit unmarked beside the real file.
            checks.append(Check("unsafe_file", "high", problem,
                                {"path": path, "line": None, "action": action.split()[0]}))
        if policy.allows(path) and not _escapes(path):
            continue
        shown = short(path, 120)
        message = (f"{shown}: path escapes the harness tree" if _escapes(path) else
                   f"{shown}: {action} a file outside the allow-list ({', '.join(policy.allow)})")
        checks.append(Check("protected_path", "high", message,
                            {"path": path, "line": None, "action": action.split()[0]}))
    return checks


def _mode_checks(f: unidiff.PatchedFile, path: str) -> list[Check]:
    header = str(f.patch_info or "")
    shown = short(path, 120)
    for mode, kind in _SPECIAL_MODES.items():
        if mode in header or (kind == "symlink" and f.is_symlink):
            target = next((ln.value.strip() for h in f for ln in h if ln.is_added), "")
            message = f"{shown}: adds a {kind} (mode {mode})"
            message += f" pointing at {short(target, 80)!r}" if target else ""
            return [Check("unsafe_file", "high", message,
                          {"path": path, "line": None, "mode": mode, "target": short(target, 200)})]
    if f.is_binary_file or "GIT binary patch" in header:
        return [Check("unsafe_file", "high", f"{shown}: binary patch (cannot be reviewed)",
                      {"path": path, "line": None})]
    return []


def _post_image(f: unidiff.PatchedFile) -> tuple[list[list[Line]], set[int]]:
    hunks: list[list[Line]] = []
    added: set[int] = set()
    for hunk in f:
        lines: list[Line] = []
        for ln in hunk:
            if (ln.is_added or ln.is_context) and ln.target_line_no is not None:
                lines.append((ln.target_line_no, ln.value.rstrip("\r\n")))
                if ln.is_added:
                    added.add(ln.target_line_no)
        hunks.append(lines)
    return hunks, added


def _unparseable(shown: str, path: str, line: int | None, why: str, count: int) -> Check:
    return Check("unparseable_code", "medium", f"{shown}:{line}: {why}",
                 {"path": path, "line": line, "unparsed_lines": count})


def _parse_checks(parsed: Parsed, added_text: set[int], shown: str, path: str) -> list[Check]:
    """Code the scan could not see: a syntax error can hide what follows it from `ast`."""
    covered = {n for frag in parsed.fragments for n in frag.lines}
    if parsed.error is not None:
        why = (f"does not parse as Python ({short(parsed.error, 80)}); code a syntax error"
               " hides may escape these checks")
        return [_unparseable(shown, path, parsed.error_line, why, len(parsed.unparsed))]
    if parsed.skipped:
        why = f"{parsed.skipped} added lines were not scanned: too much of the code does not parse"
        return [_unparseable(shown, path, min(added_text - covered, default=None), why,
                             parsed.skipped)]
    if left := added_text - covered:
        # One line that parses must not excuse the rest: what does not parse in a hunk's
        # window may be code in the file, read otherwise than the window reads it.
        why = (f"none of the {len(added_text)} added lines parse as Python" if left == added_text
               else f"{len(left)} of the {len(added_text)} added lines do not parse as Python")
        return [_unparseable(shown, path, min(left), why, len(left))]
    return []


_PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError)


@dataclass(frozen=True)
class _WholeFile:
    """A modified file before and after the change, from the harness's own copy."""

    before: str
    after: PostImage

    @cached_property
    def after_tree(self) -> ast.Module | None:
        """The file after the change, parsed once for every check; None if it does not parse."""
        try:
            return quiet_parse(self.after.text)
        except _PARSE_ERRORS:
            return None


def _whole_file(
    f: unidiff.PatchedFile, path: str, policy: DiffPolicy, base: BaseReader | None
) -> _WholeFile | str | None:
    """Only for an allow-listed file the diff modifies: the file before and after, or why
    it cannot be had; None where it is not asked for."""
    source = _clean_path(f.source_file) or path  # a renamed file's base is at its old path
    if f.is_added_file or base is None or not all(
        policy.allows(p) and not _escapes(p) for p in (path, source)
    ):
        return None
    before = base(source)
    if before is None:
        return "the harness's copy of it could not be read (absent, too large or not UTF-8)"
    after = apply_hunks(before, f)
    if after is None:
        return "its hunks do not apply to the harness's copy as git applies them"
    return _WholeFile(before, after)


def _not_whole(path: str, why: str) -> Check:
    """High: the hunks alone are a window that may read otherwise than the file git writes,
    so a read the window hides would run unseen."""
    return Check("unanalysed_code", "high",
                 f"{short(path, 120)}: not analysed as a whole file: {why}; only its hunks"
                 " were scanned, and what they hide escapes these checks",
                 {"path": path, "line": None})


def _parse_whole(whole: _WholeFile | None) -> Parsed | None:
    """The file after the change as one fragment, so names its unchanged lines import or
    alias resolve in the added ones; None when there is no such file or it does not parse."""
    if whole is None or whole.after_tree is None:
        return None
    count = whole.after.text.count("\n") + 1
    return Parsed(fragments=[Fragment(whole.after_tree, tuple(range(1, count + 1)))])


def _code_checks(
    f: unidiff.PatchedFile, path: str, policy: DiffPolicy, whole: _WholeFile | None
) -> list[Check]:
    hunks, added = _post_image(f)
    if not added:
        return []
    shown = short(path, 120)
    parsed = _parse_whole(whole)
    if parsed is not None and whole is not None:
        added = set(whole.after.added)
        checks: list[Check] = []
    else:
        # Only the hunks: a window into the file that may start mid-statement.
        parsed = parse_added(hunks, new_file=f.is_added_file)
        added_text = {n for hunk in hunks for n, text in hunk
                      if n in added and significant(text)}
        checks = _parse_checks(parsed, added_text, shown, path)
    trees = [frag.tree for frag in parsed.fragments]
    try:
        scope = Scope(trees)
        checks += scan_code(path, parsed.fragments, scope, added)
        lazy = never_reads_teacher(trees, scope) if f.is_added_file else None
    except RecursionError:
        return [*checks, _unparseable(shown, path, None, "code too deeply nested to analyse", 0)]
    if scope.work_left < 0:
        # A file can spend the folding budget on purpose, so names it builds later go unseen.
        why = ("builds too many strings to fold within the analysis budget; names built"
               " after that were not resolved, so reads they name may escape these checks")
        checks.append(_unparseable(shown, path, None, why, 0))
    if lazy is not None and policy.allows(path) and parsed.error is None:
        line = parsed.fragments[0].file_line(lazy.lineno)
        checks.append(Check("teacher_unused", "medium",
                            f"{shown}:{line}: run() never reads the teacher's labels"
                            " (view.weak_probs)", {"path": path, "line": line}))
    return checks


def _teacher_dropped(path: str, whole: _WholeFile | None) -> list[Check]:
    """teacher_unused for a modified file whose `run`, after the change, never reads the
    teacher while before it did (or was not there): judged on the whole file, so even a
    diff that only deletes lines is caught."""
    if whole is None or whole.after_tree is None:
        return []
    try:
        trees = [quiet_parse(whole.before), whole.after_tree]
        before_lazy, after_lazy = (never_reads_teacher([t], Scope([t])) for t in trees)
    except _PARSE_ERRORS:
        return []
    # A method that ignored the teacher already is not this change's doing.
    if after_lazy is None or before_lazy is not None:
        return []
    line = after_lazy.lineno
    return [Check("teacher_unused", "medium",
                  f"{short(path, 120)}:{line}: after this change run() never reads the"
                  " teacher's labels (view.weak_probs)", {"path": path, "line": line})]


def scan_diff(
    diff: str | None, allow: tuple[str, ...], base: BaseReader | None = None
) -> list[Check]:
    """Every static finding about `diff` against a harness whose diffs may write `allow`.

    `base` gives the harness's text of a file the diff modifies, so its added lines are
    analysed within the whole file after the change (its imports and aliases included) and
    `teacher_unused` can be judged; without it only the hunks are. It is asked for at most
    MAX_BASE_FILES files of one diff.
    """
    if diff is None or not diff.strip():
        return []
    policy = DiffPolicy(tuple(allow))
    try:
        patch = parse_patch(diff)
    # unidiff is a third-party parser fed hostile text; any failure means "not a diff".
    except Exception as exc:
        return [Check("unparseable_diff", "medium",
                      f"the diff cannot be parsed ({short(str(exc), 100)}); nothing in it was"
                      " scanned", {"path": None, "line": None})]
    checks: list[Check] = []
    text = diff if isinstance(diff, str) else bytes(diff).decode("utf-8", "replace")
    if (problem := shape_problem(text) or section_problem(patch)) is not None:
        # What git applies is not what the scan below and the review read: say so loudly.
        checks.append(Check("diff_refused", "high", f"a rerun refuses this diff: {problem}",
                            {"path": None, "line": None}))
    base = None if base is None else at_most(base)
    for f in patch:
        path = _clean_path(f.target_file) or _clean_path(f.source_file) or f.path or "?"
        checks += _path_checks(f, policy)
        checks += _mode_checks(f, path)
        if path.endswith(".py") and not f.is_removed_file and not f.is_binary_file:
            checks += _file_checks(f, path, policy, base)
    return bounded(checks)


def _file_checks(f: unidiff.PatchedFile, path: str, policy: DiffPolicy,
                 base: BaseReader | None) -> list[Check]:
    """`_python_checks`, where a failure (a scanner bug hostile code trips) costs only this
    file's scan, flagged, and never the other files' findings.

    High, unlike code that does not parse: this code runs, and nothing here saw what it does,
    as when the whole scan failed and the approval gate held it for want of checks.
    """
    try:
        return _python_checks(f, path, policy, base)
    except Exception as exc:
        return [Check("unanalysed_code", "high",
                      f"{short(path, 120)}: could not be analysed ({type(exc).__name__}); what "
                      "it does escapes these checks", {"path": path, "line": None})]


def _left_out(check: Check) -> int | None:
    """How many findings `check` counts, if it is the check `bounded` made for them."""
    count = check.detail.get(NOT_LISTED)
    return count if isinstance(count, int) and not isinstance(count, bool) else None


def _summary(code: str, left: list[Check], listed: int) -> Check:
    count = sum(_left_out(c) or 1 for c in left)
    severity = min((c.severity for c in left), key=SEVERITIES.index)
    what = _LEFT_OUT.get(code, f"{code} findings")
    return Check(code, severity, f"... and {count:,} more {what} beyond the {listed} listed",
                 {"path": None, "line": None, NOT_LISTED: count})


def _repeats(checks: Sequence[Check]) -> list[int]:
    """For each check, how many of the same code, severity and file come before it: the
    first of each file is kept before any file's second, so twenty decoys in one file cannot
    push a finding in another out of the list."""
    seen: dict[tuple[str, str, object], int] = {}
    out = []
    for check in checks:
        key = (check.code, check.severity, repr(check.detail.get("path")))
        out.append(seen.get(key, 0))
        seen[key] = out[-1] + 1
    return out


def bounded(checks: Sequence[Check], per_code: int | None = None) -> list[Check]:
    """`checks` with at most `per_code` (default MAX_PER_CODE) of each code, the most severe
    kept (each file's first before any file's second), in their order; the rest of a code
    become one check of that code at their highest severity whose `detail["not_listed"]`
    counts them. Bounding a bounded list changes nothing.
    """
    limit = MAX_PER_CODE if per_code is None else per_code
    repeats = _repeats(checks)
    groups: dict[str, list[int]] = {}
    for i, check in enumerate(checks):
        groups.setdefault(check.code, []).append(i)
    kept: set[int] = set()
    summaries: list[Check] = []
    for code, indices in groups.items():
        listed = sorted((i for i in indices if _left_out(checks[i]) is None),
                        key=lambda i: (SEVERITIES.index(checks[i].severity), repeats[i]))
        kept.update(listed[:limit])
        left = [checks[i] for i in indices if i not in kept]
        if left:
            summaries.append(_summary(code, left, min(limit, len(listed))))
    return [c for i, c in enumerate(checks) if i in kept] + summaries


_PYTHON_CHECKS: Memo[bytes, tuple[Check, ...]] = Memo(4096)


def _python_checks(
    f: unidiff.PatchedFile, path: str, policy: DiffPolicy, base: BaseReader | None
) -> list[Check]:
    """The code checks of one Python file, which depend only on its part of the diff, the
    allow-list and the harness's copy of it, so a file repeated across proposals is read once."""
    found = _whole_file(f, path, policy, base)
    whole = found if isinstance(found, _WholeFile) else None
    key = digest(path, repr(policy.allow), str(f), None if whole is None else whole.before,
                 found if isinstance(found, str) else None)

    def make() -> tuple[Check, ...]:
        why = found if isinstance(found, str) else None
        if whole is not None and whole.after_tree is None:
            why = "it does not parse as Python once its hunks are applied"
        parsed = whole if why is None else None
        missing = [] if why is None else [_not_whole(path, why)]
        return (*missing, *_code_checks(f, path, policy, parsed),
                *_teacher_dropped(path, parsed))

    return list(_PYTHON_CHECKS.get(key, make))
