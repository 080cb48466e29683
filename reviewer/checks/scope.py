"""What a Python expression may refer to, seen through aliases and constant folding.

`Scope` over a module's parsed fragments answers two questions for any expression: which
dotted names it may denote (`e` after `from os import environ as e` is `os.environ`,
`getattr(__builtins__, 'op' + 'en')` is `builtins.open`), and which strings it folds to
(`''.join(['so', 'cket'])` is `socket`). Bindings are flow-insensitive unions, so a name
bound twice may denote both things: an over-approximation is what a scan for hacks wants.
"""

from __future__ import annotations

import ast
import builtins
import itertools
from collections.abc import Iterable

from reviewer.checks.evaluate import FAILURES, MAX_WORK, Evaluator, Unfoldable, bind
from reviewer.checks.folding import MAX_SET, Folder, cap, dotted
from reviewer.checks.names import PATH_KEEP, PATH_TYPES, canon

MAX_DEPTH = 40
PASSES = 4
ROOT = 0  # the name id of the empty prefix, the base of every dotted name's id
PATH = "pathlib.Path()"
_BUILTINS = frozenset(dir(builtins))


def attr_of(base: str, attr: str) -> str:
    """The dotted name of `base.attr`; a path's path-valued attributes stay a path."""
    return PATH if base == PATH and attr in PATH_KEEP else canon(f"{base}.{attr}")


class Scope(Folder):
    """Aliases and string constants bound anywhere in one module's fragments."""

    def __init__(self, trees: Iterable[ast.AST], work_left: int = MAX_WORK) -> None:
        self.work_left = work_left
        self.bound: set[str] = set()
        self.aliases: dict[str, set[str]] = {}
        self.consts: dict[str, set[str]] = {}
        self.returns: dict[str, list[ast.expr]] = {}
        self.params: dict[str, list[ast.arguments]] = {}  # by function name, each definition
        self.literals: dict[str, list[ast.expr]] = {}  # tuple/list literals bound to a name
        self.star: list[str] = []
        self._frozen = False
        self._memo: dict[tuple[int, bool], tuple[ast.AST, set[str]]] = {}
        self._ids: dict[tuple[int, str], int] = {}  # (prefix's name id, next part) -> name id
        self._chains: dict[int, tuple[ast.AST, int | None]] = {}  # id(node) -> its name id
        self._keys: dict[int, str] = {}  # name id -> the key of a table it spells
        pending: list[tuple[ast.expr, ast.expr, bool]] = []  # (target, value, is_iteration)
        for tree in trees:
            self._collect(tree, pending)
        for _ in range(PASSES):
            before = sum(map(len, self.aliases.values())) + sum(map(len, self.consts.values()))
            for target, value, iterating in pending:
                self._bind(target, value, iterating)
            if before == sum(map(len, self.aliases.values())) + sum(map(len, self.consts.values())):
                break
        self._frozen = True

    def _add(self, table: dict[str, set[str]], key: str, values: Iterable[str]) -> None:
        values = set(values)
        if values:
            table[self._keyed(key)] = cap(itertools.chain(table.get(key, ()), values))

    def _intern(self, prefix: int, part: str) -> int:
        return self._ids.setdefault((prefix, part), len(self._ids) + 1)

    def _keyed(self, key: str) -> str:
        """`key`, registered so that `spelled` finds it."""
        name = ROOT
        for part in key.split("."):
            name = self._intern(name, part)
        self._keys[name] = key
        return key

    def _chain_id(self, node: ast.AST) -> int | None:
        """The name id of `dotted(node)`, None if it has none. Each node of a chain is named
        once, from its base's id, so a hostile chain of n attributes costs O(n) in all."""
        pending: list[ast.Attribute] = []
        name: int | None = None
        while True:
            if isinstance(node, ast.Name):
                name = self._intern(ROOT, node.id)
                break
            if not isinstance(node, ast.Attribute):
                break
            hit = self._chains.get(id(node))
            if hit is not None and hit[0] is node:
                name = hit[1]
                break
            pending.append(node)
            node = node.value
        for link in reversed(pending):
            name = None if name is None else self._intern(name, link.attr)
            self._chains[id(link)] = (link, name)
        return name

    def spelled(self, node: ast.AST, suffix: str = "") -> str | None:
        """`dotted(node) + suffix` when that is the key of some table here, else None; found
        without building the name, whose chain may be thousands of attributes long."""
        base: int | None
        if isinstance(node, ast.Name):
            base, last = ROOT, node.id
        elif isinstance(node, ast.Attribute):
            base, last = self._chain_id(node.value), node.attr
        else:
            return None
        name = None if base is None else self._ids.get((base, last + suffix))
        return None if name is None else self._keys.get(name)

    def _collect(self, tree: ast.AST, pending: list[tuple[ast.expr, ast.expr, bool]]) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    name = a.asname or a.name.split(".")[0]
                    self.bound.add(name)
                    self._add(self.aliases, name, [canon(a.name if a.asname else name)])
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                for a in node.names:
                    if a.name == "*":
                        self.star.append(canon(module))
                        continue
                    self.bound.add(a.asname or a.name)
                    self._add(self.aliases, a.asname or a.name, [canon(f"{module}.{a.name}")])
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                self.bound.add(node.name)
                if not isinstance(node, ast.ClassDef):
                    rets = [n.value for n in ast.walk(node) if isinstance(n, ast.Return)]
                    self.returns.setdefault(self._keyed(node.name), []).extend(r for r in rets if r)
                    self.params.setdefault(self._keyed(node.name), []).append(node.args)
            elif isinstance(node, ast.arguments):
                args = [*node.posonlyargs, *node.args, *node.kwonlyargs, node.vararg, node.kwarg]
                self.bound.update(a.arg for a in args if a)
                positional = [*node.posonlyargs, *node.args]
                for arg, default in zip(positional[::-1], node.defaults[::-1], strict=False):
                    pending.append((ast.Name(id=arg.arg), default, False))
            elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                self.bound.add(node.id)
            elif isinstance(node, ast.Assign):
                pending.extend((t, node.value, False) for t in node.targets)
                if isinstance(node.value, ast.Tuple | ast.List):
                    for t in node.targets:
                        if isinstance(t, ast.Name):
                            self.literals.setdefault(t.id, []).append(node.value)
            elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
                pending.append((node.target, node.value, False))
            elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
                pending.append((node.target, ast.BinOp(node.target, ast.Add(), node.value), False))
            elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
                pending.append((node.target, node.iter, True))

    def _bind(self, target: ast.expr, value: ast.expr, iterating: bool) -> None:
        if isinstance(target, ast.Tuple | ast.List):
            if isinstance(value, ast.Tuple | ast.List) and not iterating:
                for t, v in zip(target.elts, value.elts, strict=False):
                    self._bind(t, v, False)
            return
        key = dotted(target)
        if key is None:
            return
        if iterating:
            self._add(self.aliases, key, self.elements(value, fold=False))
            self._add(self.consts, key, self.elements(value, fold=True))
            return
        self._add(self.aliases, key, self.resolve(value))
        self._add(self.consts, key, self.fold(value))
        if isinstance(value, ast.Tuple | ast.List | ast.Set | ast.Dict):
            elts = value.values if isinstance(value, ast.Dict) else value.elts
            for elt in elts:
                self._add(self.aliases, key + "[]", self.resolve(elt))
                self._add(self.consts, key + "[]", self.fold(elt))
        if isinstance(value, ast.Lambda):
            self.returns.setdefault(self._keyed(key), []).append(value.body)

    def elements(self, node: ast.expr, fold: bool) -> set[str]:
        """What the items of an iterable expression may denote (or fold to)."""
        how = self.fold if fold else self.resolve
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return cap(itertools.chain.from_iterable(how(e) for e in node.elts))
        key = self.spelled(node, "[]")
        found = set((self.consts if fold else self.aliases).get(key, ())) if key else set()
        return found if fold else found | self.resolve(node)

    def _cached(self, node: ast.AST, fold: bool, depth: int) -> set[str]:
        if depth > MAX_DEPTH:
            return set()
        key = (id(node), fold)
        hit = self._memo.get(key)
        if hit is not None and hit[0] is node:
            return hit[1]
        result = cap(self._fold(node, depth) if fold else self._resolve(node, depth))
        # Final once bindings stop changing; a nested call's answer may be cut by MAX_DEPTH.
        if self._frozen and depth == 0:
            self._memo[key] = (node, result)
        return result

    def resolve(self, node: ast.AST, depth: int = 0) -> set[str]:
        """Dotted names (`os.environ`, `builtins.open`) the expression may denote."""
        return self._cached(node, False, depth)

    def fold(self, node: ast.AST, depth: int = 0) -> set[str]:
        """Strings the expression may evaluate to, when they are computable from constants."""
        return self._cached(node, True, depth)

    def literal(self, name: str) -> ast.expr | None:
        """The tuple or list literal `name` is bound to, when it is bound to just one."""
        found = self.literals.get(name, [])
        return found[0] if len(found) == 1 else None

    def inline(self, node: ast.Call) -> set[str]:
        """Strings a helper defined once here returns for the call's constant arguments."""
        key = self.spelled(node.func) or ""
        defs = self.params.get(key, [])
        if len(defs) != 1:
            return set()  # which of two definitions runs is not known here
        evaluator = Evaluator(self)
        try:
            env = bind(evaluator, defs[0], node)
        except (Unfoldable, *FAILURES):
            return set()
        if env is None:
            return set()
        return cap(text for ret in self.returns.get(key, [])[:MAX_SET]
                   for text in self.evaluate(ret, env))

    def _name(self, name: str) -> set[str]:
        found = set(self.aliases.get(name, ()))
        if name not in self.bound:
            if name in ("__builtins__", "__builtin__", "builtins"):
                found.add("builtins")
            elif name in _BUILTINS:
                found.add("builtins." + name)
            found.update(f"{module}.{name}" for module in self.star)
        return found

    def _resolve(self, node: ast.AST, depth: int) -> set[str]:
        d = depth + 1
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Attribute):
            found = set(self.aliases.get(self.spelled(node) or "", ()))
            found.update(attr_of(base, node.attr) for base in self.resolve(node.value, d))
            return found
        if isinstance(node, ast.Call):
            return self._call(node, d)
        if isinstance(node, ast.Subscript):
            keys = self.fold(node.slice, d)
            found = set(self.aliases.get(self.spelled(node.value, "[]") or "", ()))
            for base, key in itertools.product(self.resolve(node.value, d), keys):
                if base.endswith(".__dict__"):
                    found.add(canon(f"{base[:-9]}.{key}"))
                elif base == "builtins":
                    found.add("builtins." + key)
                elif base == "sys.modules":
                    found.add(canon(key))
                elif base == "<globals>":
                    found |= self._name(key)
            return found
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return {PATH} if PATH in self.resolve(node.left, d) else set()
        if isinstance(node, ast.NamedExpr | ast.Await | ast.Starred):
            return self.resolve(node.value, d)
        if isinstance(node, ast.IfExp):
            return self.resolve(node.body, d) | self.resolve(node.orelse, d)
        if isinstance(node, ast.BoolOp):
            return set().union(*(self.resolve(v, d) for v in node.values))
        return set()

    def _call(self, node: ast.Call, d: int) -> set[str]:
        found: set[str] = set()
        args = node.args
        for func in self.resolve(node.func, d):
            if func == "builtins.getattr" and len(args) >= 2:
                pairs = itertools.product(self.resolve(args[0], d), self.fold(args[1], d))
                found.update(attr_of(base, attr) for base, attr in pairs)
            elif func == "builtins.__import__" and args:
                found.update(canon(m.split(".")[0]) for m in self.fold(args[0], d))
                found.update(canon(m) for m in self.fold(args[0], d))
            elif func in ("importlib.import_module", "importlib.__import__") and args:
                found.update(canon(m) for m in self.fold(args[0], d))
            elif func == "builtins.vars" and args:
                found.update(base + ".__dict__" for base in self.resolve(args[0], d))
            elif func == "builtins.globals":
                found.add("<globals>")
            elif func in PATH_TYPES or func == PATH:
                found.add(PATH)
        key = self.spelled(node.func)
        for ret in self.returns.get(key or "", [])[:MAX_SET]:
            found |= self.resolve(ret, d)
        return found
