"""Does a method's `run(view)` ever read the teacher's labels?

A W2S method that never looks at `view.weak_probs` is not learning from the weak teacher,
whatever its PGR says (the published "always pick the majority answer" hack). The read may
be direct, through `getattr`/subscripts with folded names, through an alias of `view`, or
inside another function of the module that `view` is handed to.
"""

from __future__ import annotations

import ast

from reviewer.checks.scope import Scope

TEACHER = frozenset({"weak_probs", "weak_test_probs"})
_MAX_HOPS = 20
_FuncDef = ast.FunctionDef | ast.AsyncFunctionDef


def module_functions(trees: list[ast.Module]) -> dict[str, _FuncDef]:
    """Top-level functions by name (the last definition wins, as at import)."""
    return {n.name: n for t in trees for n in t.body if isinstance(n, _FuncDef)}


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Subscript | ast.Starred):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _params(func: _FuncDef) -> list[str]:
    a = func.args
    return [p.arg for p in [*a.posonlyargs, *a.args]]


def _callee_param(callee: _FuncDef, index: int | None, keyword: str | None) -> str | None:
    params = _params(callee)
    if keyword is not None:
        names = {*params, *(p.arg for p in callee.args.kwonlyargs)}
        return keyword if keyword in names else getattr(callee.args.kwarg, "arg", None)
    if index is not None and index < len(params):
        return params[index]
    return getattr(callee.args.vararg, "arg", None)


class _Reader:
    def __init__(self, scope: Scope, funcs: dict[str, _FuncDef]) -> None:
        self.scope = scope
        self.funcs = funcs
        self.seen: set[tuple[str, str]] = set()

    def _aliases(self, func: _FuncDef, param: str) -> set[str]:
        names = {param}
        for _ in range(3):
            for node in ast.walk(func):
                if isinstance(node, ast.Assign) and _root(node.value) in names:
                    names.update(t.id for t in node.targets if isinstance(t, ast.Name))
                elif isinstance(node, ast.NamedExpr) and _root(node.value) in names:
                    names.add(node.target.id)
        return names

    def _delegates(self, node: ast.Call, names: set[str]) -> bool:
        """`view` handed to a function that may read it: one of ours, or another method's."""
        passed: list[tuple[int | None, str | None, ast.expr]] = [
            (i, None, a) for i, a in enumerate(node.args)]
        passed += [(None, k.arg, k.value) for k in node.keywords]
        for index, keyword, arg in passed:
            if _root(arg) not in names:
                continue
            callee = self.funcs.get(node.func.id) if isinstance(node.func, ast.Name) else None
            if callee is not None:
                param = _callee_param(callee, index, keyword)
                if param is not None and self.reads(callee, param):
                    return True
            origins = self.scope.resolve(node.func)
            if any(o.startswith((".", "methods.", "w2s_kit.")) for o in origins):
                return True
        return False

    def reads(self, func: _FuncDef, param: str) -> bool:
        """Whether `func` reads a teacher field from its parameter `param`."""
        if (func.name, param) in self.seen or len(self.seen) > _MAX_HOPS:
            return False
        self.seen.add((func.name, param))
        names = self._aliases(func, param)
        fold = self.scope.fold
        for node in ast.walk(func):
            if isinstance(node, ast.Attribute) and node.attr in TEACHER:
                if _root(node.value) in names:
                    return True
            elif isinstance(node, ast.Subscript) and _root(node.value) in names:
                if fold(node.slice) & TEACHER:
                    return True
            elif isinstance(node, ast.Call):
                is_getattr = "builtins.getattr" in self.scope.resolve(node.func)
                args = node.args
                if is_getattr and len(args) >= 2 and _root(args[0]) in names:
                    if fold(args[1]) & TEACHER:
                        return True
                if self._delegates(node, names):
                    return True
        return False


def never_reads_teacher(trees: list[ast.Module], scope: Scope) -> _FuncDef | None:
    """The module's `run` when it defines one that never reads the teacher's labels."""
    funcs = module_functions(trees)
    run = funcs.get("run")
    if run is None:
        return None
    params = _params(run) or [getattr(run.args.vararg, "arg", "")]
    if params[0] and _Reader(scope, funcs).reads(run, params[0]):
        return None
    return run

