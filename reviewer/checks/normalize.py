"""A canonical form of the code a diff adds, so renamed copies of one method look the same.

Docstrings and comments go, and every name the code binds itself (functions, arguments,
variables, constants) becomes v0, v1, ... in order of first appearance. Imported names,
attributes and keyword arguments stay: they are the API the method uses, and they carry
what the method does.
"""

from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize

from reviewer.checks.fragments import quiet_parse
from reviewer.checks.memo import Memo
from reviewer.checks.patches import parse_patch

_COMMENT = re.compile(r"#.*$")


def added_text(diff: str) -> list[tuple[str, str]]:
    """(path, added lines) for each file the diff adds to, in diff order."""
    try:
        patch = parse_patch(diff)
    # unidiff is a third-party parser fed hostile text; fall back to the '+' lines.
    except Exception:
        lines = [ln[1:] for ln in diff.splitlines() if ln.startswith("+")
                 and not ln.startswith("+++ ")]
        return [("", "\n".join(lines))] if lines else []
    files = []
    for f in patch:
        lines = [ln.value.rstrip("\r\n") for h in f for ln in h if ln.is_added]
        if lines:
            files.append((f.path or "", "\n".join(lines)))
    return files


def _text_form(text: str) -> str:
    """Without comments and with whitespace collapsed, line by line."""
    out: list[str] = []
    try:
        kept = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
                if t.type != tokenize.COMMENT]
        text = tokenize.untokenize(kept)
    except (tokenize.TokenError, IndentationError, SyntaxError, ValueError):
        text = "\n".join(_COMMENT.sub("", ln) for ln in text.splitlines())
    for line in text.splitlines():
        squeezed = " ".join(line.split())
        if squeezed:
            out.append(squeezed)
    return "\n".join(out)


class _Renamer(ast.NodeTransformer):
    """Renames the names a module binds itself, in first-appearance order."""

    def __init__(self, own: set[str]) -> None:
        self.own = own
        self.names: dict[str, str] = {}

    def new(self, name: str) -> str:
        if name not in self.own:
            return name
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.new(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self.new(node.arg)
        node.annotation = self.visit(node.annotation) if node.annotation else None
        return node

    def _def(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> ast.AST:
        node.name = self.new(node.name)
        body = getattr(node, "body", [])
        first = body[0] if body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
                first.value.value, str):
            node.body = body[1:] or [ast.Pass()]
        return self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _def

    def visit_Expr(self, node: ast.Expr) -> ast.AST | None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str | bytes):
            return None  # a bare string statement (docstring) does nothing
        return self.generic_visit(node)

    def visit_Global(self, node: ast.Global | ast.Nonlocal) -> ast.AST:
        node.names = [self.new(n) for n in node.names]
        return node

    visit_Nonlocal = visit_Global


def _bound(tree: ast.AST) -> set[str]:
    own: set[str] = set()
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            own.add(node.id)
        elif isinstance(node, ast.arg):
            own.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            own.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            imported.update((a.asname or a.name).split(".")[0] for a in node.names)
    return own - imported


# Keyed by the text itself, so its weight counts the text as well as its form.
_FORMS: Memo[str, tuple[str, str | None]] = Memo(
    1024, weigh=lambda pair: len(pair[0]) + len(pair[1] or ""), budget=32 << 20)
MEMO_MAX_CHARS = 64_000  # larger files are rare, and the memo should not hold them


def _python_form(text: str) -> str | None:
    """The canonical form of one file's added Python, worked out once per distinct text."""
    if len(text) > MEMO_MAX_CHARS:
        return _parsed_form(text)
    return _FORMS.get(text, lambda: (text, _parsed_form(text)))[1]


def _parsed_form(text: str) -> str | None:
    try:
        tree = quiet_parse(textwrap.dedent(text))
        tree = _Renamer(_bound(tree)).visit(tree)
        return ast.unparse(ast.fix_missing_locations(tree))
    except (SyntaxError, ValueError, RecursionError, MemoryError, TypeError):
        return None


def normalize_code(diff: str) -> str:
    """The canonical form of the code `diff` adds (see the module docstring)."""
    parts = []
    for path, text in added_text(diff or ""):
        form = _python_form(text) if path.endswith(".py") or not path else None
        parts.append(form if form is not None else _text_form(text))
    return "\n".join(p for p in parts if p)
