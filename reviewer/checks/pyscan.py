"""Scan the parsed added code of one Python file for hacks: what it reads, calls and imports.

Each finding names the file line, the resolved name and, when the code spelled it another
way (an alias, a `getattr` with a folded name), how it was spelled.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from reviewer.checks.fragments import Fragment, quiet_parse
from reviewer.checks.model import Check
from reviewer.checks.names import (
    DISTINCTIVE_ATTRS,
    FRAME_ATTRS,
    READ_METHODS,
    SEVERITY,
    VERB,
    classify,
)
from reviewer.checks.names import suspicious_string as string_reason
from reviewer.checks.scope import PATH, Scope
from reviewer.textsafe import short

MAX_PER_CODE = 20  # per file: enough to show the pattern without flooding the list
_DYNAMIC_ATTR = frozenset({"builtins.getattr", "builtins.setattr", "builtins.delattr",
                           "builtins.hasattr"})
_IMPORTERS = frozenset({"builtins.__import__", "importlib.import_module", "importlib.__import__"})
_EXECUTORS = frozenset({"builtins.exec", "builtins.eval", "builtins.compile"})
# Calls that read attributes named by strings: `attrgetter('f_back.f_locals')(frame)`.
_ATTR_FUNCS = frozenset({"operator.attrgetter", "operator.methodcaller"})
MAX_NAMED = 8  # names per attrgetter call looked at: a few real ones, not a flood
MAX_EXEC_DEPTH = 2  # exec of exec of code is still scanned; deeper nesting is not
_MAPPING_READS = frozenset({"get", "pop", "setdefault", "__getitem__"})
_FOLDABLE = (ast.Constant, ast.BinOp, ast.JoinedStr, ast.Call, ast.Subscript)

Finding = tuple[str, int, str, dict[str, object]]  # (code, file line, message tail, detail)


def _src(node: ast.AST) -> str:
    try:
        return short(ast.unparse(node), 60)
    except (RecursionError, ValueError, AttributeError, TypeError):
        return "?"


def _via(node: ast.AST, name: str) -> str:
    """" via alias 'e'" when the code spelled `name` another way."""
    spelled = _src(node)
    if spelled in (name, name.removeprefix("builtins.")):
        return ""
    kind = "alias " if isinstance(node, ast.Name) else ""
    return f" via {kind}'{spelled}'"


def _docstrings(tree: ast.AST) -> set[int]:
    """Ids of string statements: docstrings and bare strings do nothing, so are not code."""
    return {id(n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)
            and isinstance(n.value.value, str | bytes)}


class _FileScan:
    def __init__(self, scope: Scope, depth: int = 0) -> None:
        self.scope = scope
        self.depth = depth

    def executed(self, node: ast.Call) -> Iterator[Finding]:
        """Findings in code that exec/eval/compile run, when that code folds to constants."""
        for text in sorted(self.scope.fold(node.args[0]))[:4]:
            try:
                tree = quiet_parse(text)
            except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
                continue
            # Code run by exec spends the file's folding budget, so many execs cannot renew it.
            scope = Scope([tree], work_left=self.scope.work_left)
            inner = _FileScan(scope, self.depth + 1)
            docs = _docstrings(tree)
            try:
                for child in ast.walk(tree):
                    for code, _, what, extra in inner.node(child, docs):
                        yield code, node.lineno, f"in code run by {_src(node.func)}: {what}", extra
            finally:
                self.scope.work_left = scope.work_left

    def imports(self, node: ast.Import | ast.ImportFrom) -> Iterator[Finding]:
        module = "." * getattr(node, "level", 0) + (getattr(node, "module", None) or "")
        for alias in node.names:
            name = alias.name if isinstance(node, ast.Import) else f"{module}.{alias.name}"
            code = classify(name) or (classify(module) if module else None)
            if code:
                yield code, node.lineno, f"imports {short(name, 80)}", {"name": name}

    def names(self, node: ast.expr, call: ast.Call | None) -> Iterator[Finding]:
        for name in sorted(self.scope.resolve(node)):
            code = classify(name)
            if code is None:
                continue
            shown = name.replace(f"{PATH}.", "pathlib.Path.")
            text = f"{VERB[code]} {short(shown, 80)}{_via(node, name)}"
            if call is not None:
                consts = sorted(s for a in call.args[:2] for s in self.scope.fold(a))[:2]
                text += " on " + " or ".join(repr(short(c, 60)) for c in consts) if consts else ""
            yield code, node.lineno, text, {"name": name}

    def attribute(self, attr: str, receiver: ast.expr | None, node: ast.expr) -> Iterator[Finding]:
        """Findings for reading `attr` off `receiver` (None: any object), however spelled."""
        if attr in FRAME_ATTRS:
            what = f"reads the frame or class attribute {attr}"
            if isinstance(node, ast.Call):
                what += f" via '{_src(node)}'"
            yield "frame_introspection", node.lineno, what, {"name": attr}
        elif attr in READ_METHODS:
            what = f"reads files with .{attr}() via '{_src(node)}'"
            yield "ground_truth_access", node.lineno, what, {"name": attr}
        elif attr in DISTINCTIVE_ATTRS and (receiver is None or not self.scope.resolve(receiver)):
            code = DISTINCTIVE_ATTRS[attr]
            what = f"{VERB[code]} .{attr} on an unresolved name: '{_src(node)}'"
            yield code, node.lineno, what, {"name": attr}

    def namespace_read(self, node: ast.AST) -> Iterator[Finding]:
        """Attributes read out of an object's namespace by a constant key, which `attribute`
        flags when spelled `b.open`: `vars(b)['open']`, `b.__dict__.get('open')`."""
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            mapping, key = node.value, node.slice
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in _MAPPING_READS and node.args):
            mapping, key = node.func.value, node.args[0]
        else:
            return
        owner: ast.expr | None = None
        if isinstance(mapping, ast.Attribute) and mapping.attr == "__dict__":
            owner = mapping.value
        elif (isinstance(mapping, ast.Call) and mapping.args
              and "builtins.vars" in self.scope.resolve(mapping.func)):
            owner = mapping.args[0]
        if owner is not None:
            for attr in sorted(self.scope.fold(key))[:4]:
                yield from self.attribute(attr, owner, node)

    def named_attributes(self, node: ast.Call, funcs: set[str]) -> Iterator[Finding]:
        """Attributes a call reads by a constant name: getattr, attrgetter, __getattribute__."""
        args, func = node.args, node.func
        if "builtins.getattr" in funcs and len(args) >= 2:
            for attr in sorted(self.scope.fold(args[1]))[:4]:
                yield from self.attribute(attr, args[0], node)
        if funcs & _ATTR_FUNCS:
            attrs = sorted(a for arg in args[:MAX_NAMED] for a in self.scope.fold(arg))
            for attr in sorted({p for a in attrs[:MAX_NAMED] for p in a.split(".")[:MAX_NAMED]}):
                yield from self.attribute(attr, None, node)
        if isinstance(func, ast.Attribute) and func.attr in ("__getattribute__", "__getattr__"):
            for attr in sorted(a for arg in args[:2] for a in self.scope.fold(arg))[:4]:
                yield from self.attribute(attr, func.value if len(args) == 1 else None, node)

    def call(self, node: ast.Call) -> Iterator[Finding]:
        funcs = self.scope.resolve(node.func)
        yield from self.names(node.func, node)
        yield from self.named_attributes(node, funcs)
        if "builtins.getattr" in funcs:
            yield from self.names(node, None)  # what the folded attribute name denotes
        args = node.args
        if funcs & _DYNAMIC_ATTR and len(args) >= 2:
            targets = self.scope.resolve(args[0]) - {PATH}
            if targets and not self.scope.fold(args[1]):
                what = f"{_src(node.func)} on {short(min(targets), 60)} with a computed name"
                yield "dynamic_code", node.lineno, what, {"name": min(targets)}
        if funcs & {"builtins.setattr", "builtins.delattr"} and args:
            targets = self.scope.resolve(args[0]) - {PATH}
            if targets:
                what = f"patches module {short(min(targets), 60)} with {_src(node.func)}"
                yield "dynamic_code", node.lineno, what, {"name": min(targets)}
        if funcs & _IMPORTERS and args:
            for module in sorted(self.scope.fold(args[0])):
                code = classify(module)
                if code and code != "dynamic_code":
                    what = f"imports {short(module, 60)} dynamically via '{_src(node)}'"
                    yield code, node.lineno, what, {"name": module}
        if funcs & _EXECUTORS and args and self.depth < MAX_EXEC_DEPTH:
            yield from self.executed(node)
        if funcs & {"codecs.decode", "codecs.encode"} and len(args) == 2:
            if any(c.replace("_", "").lower() == "rot13" for c in self.scope.fold(args[1])):
                yield "dynamic_code", node.lineno, "decodes rot13 text", {"name": "codecs.decode"}

    def node(self, node: ast.AST, docs: set[int]) -> Iterator[Finding]:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield from self.imports(node)
        elif isinstance(node, ast.Call):
            yield from self.call(node)
        elif isinstance(node, ast.Name | ast.Attribute | ast.Subscript) and isinstance(
                node.ctx, ast.Load):
            yield from self.names(node, None)
        yield from self.namespace_read(node)
        if isinstance(node, ast.Attribute):
            yield from self.attribute(node.attr, node.value, node)
            if not isinstance(node.ctx, ast.Load):
                targets = self.scope.resolve(node.value) - {PATH}
                if targets:
                    what = f"assigns to module attribute {short(min(targets), 60)}.{node.attr}"
                    yield "dynamic_code", node.lineno, what, {"name": min(targets)}
        if isinstance(node, _FOLDABLE) and id(node) not in docs:
            for text in sorted(self.scope.fold(node)):
                code = string_reason(text)
                if code:
                    what = f"string constant {short(text, 80)!r}"
                    yield code, node.lineno, what, {"constant": short(text, 200)}


def scan_code(path: str, fragments: list[Fragment], scope: Scope,
              added: set[int]) -> list[Check]:
    """Checks for the added lines of `path`; `scope` covers all its fragments."""
    scan = _FileScan(scope)
    seen: set[tuple[str, int]] = set()
    counts: dict[str, int] = {}
    checks: list[Check] = []
    for fragment in fragments:
        docs = _docstrings(fragment.tree)
        for node in ast.walk(fragment.tree):
            if not hasattr(node, "lineno") or not added.intersection(fragment.span(node)):
                continue
            for code, lineno, what, extra in scan.node(node, docs):
                line = fragment.file_line(lineno)
                if (code, line) in seen or counts.get(code, 0) >= MAX_PER_CODE:
                    continue
                seen.add((code, line))
                counts[code] = counts.get(code, 0) + 1
                detail = {"path": path, "line": line, **extra}
                checks.append(Check(code, SEVERITY[code], f"{short(path, 120)}:{line}: {what}",
                                    detail))
    return sorted(checks, key=lambda c: (c.detail["line"], c.code))
