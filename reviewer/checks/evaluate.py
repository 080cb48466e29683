"""Evaluate a small pure expression over constants, to fold names built by a comprehension.

`''.join(chr(c + 1) for c in (120, 94, 115))` and a helper `_s(*codes)` returning such a join
are what an agent writes to hide a path from plain constant folding. This walks the syntax
tree itself (nothing the agent wrote is run): ints, strings and tuples of them, arithmetic,
chr/ord/str/len/range, joins and comprehensions. Every step draws on a per-module budget and
every value is size-capped, so a hostile diff cannot make ingest slow or large.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from reviewer.checks.folding import Folder

MAX_ITEMS = 512  # items a folded tuple or comprehension may hold or iterate
MAX_STEPS = 2_000  # evaluation steps per expression: an honest name needs a few hundred
MAX_WORK = 20_000  # evaluation steps per module, all expressions together
MAX_EVAL_DEPTH = 24
MAX_TEXT = 4096  # as folding.MAX_LEN
_INT_LIMIT = 2**31
Value = int | str | tuple
Env = dict[str, Value]

_INT_OPS: dict[type, Callable[[int, int], int]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Mod: operator.mod, ast.FloorDiv: operator.floordiv, ast.BitXor: operator.xor,
    ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
}
_COMPARE: dict[type, Callable[[Value, Value], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}
# What evaluation of agent input may raise; each means "does not fold".
FAILURES = (ValueError, TypeError, ZeroDivisionError, OverflowError, IndexError,
            RecursionError, MemoryError)


class Unfoldable(Exception):
    """The expression is not a pure function of constants, or is too big to evaluate."""


def _capped(value: object) -> Value:
    """The value if it is an int, string or tuple within the size limits."""
    if isinstance(value, int) and abs(value) < _INT_LIMIT:
        return int(value)
    if isinstance(value, str) and len(value) <= MAX_TEXT:
        return value
    if isinstance(value, tuple) and len(value) <= MAX_ITEMS:
        return value
    raise Unfoldable


class Evaluator:
    """Evaluates expressions for one `Folder`, whose `work_left` budget it spends."""

    def __init__(self, folder: Folder) -> None:
        self.folder = folder
        self.steps_left = MAX_STEPS

    def value(self, node: ast.AST, env: Env, depth: int = 0) -> Value:
        self.folder.work_left -= 1
        self.steps_left -= 1
        if self.folder.work_left < 0 or self.steps_left < 0 or depth > MAX_EVAL_DEPTH:
            raise Unfoldable
        d = depth + 1
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bytes):
                return _capped(node.value.decode("latin-1"))
            return _capped(node.value)
        if isinstance(node, ast.Name):
            return self._name(node.id, env, d)
        if isinstance(node, ast.Tuple | ast.List):
            if len(node.elts) > MAX_ITEMS:
                raise Unfoldable
            return tuple(self.value(e, env, d) for e in node.elts)
        if isinstance(node, ast.BinOp):
            return self._binop(node, env, d)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd | ast.Invert):
            operand = self.value(node.operand, env, d)
            if not isinstance(operand, int):
                raise Unfoldable
            op: dict[type, Callable[[int], int]] = {
                ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert}
            return _capped(op[type(node.op)](operand))
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
            left, right = self.value(node.left, env, d), self.value(node.comparators[0], env, d)
            return int(_COMPARE[type(node.ops[0])](left, right))
        if isinstance(node, ast.IfExp):
            return self.value(node.body if self.value(node.test, env, d) else node.orelse, env, d)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, env, d)
        if isinstance(node, ast.GeneratorExp | ast.ListComp):
            out: list[Value] = []
            self._generate(node.generators, node.elt, env, out, d)
            return tuple(out)
        if isinstance(node, ast.Call) and not node.keywords:
            return self._call(node, env, d)
        raise Unfoldable

    def _name(self, name: str, env: Env, d: int) -> Value:
        if name in env:
            return env[name]
        literal = self.folder.literal(name)
        if literal is not None:
            return self.value(literal, {}, d)  # a module-level literal sees no locals
        folded = self.folder.consts.get(name, set())
        if len(folded) == 1:
            return next(iter(folded))
        raise Unfoldable

    def _binop(self, node: ast.BinOp, env: Env, d: int) -> Value:
        left, right = self.value(node.left, env, d), self.value(node.right, env, d)
        op = type(node.op)
        if isinstance(left, int) and isinstance(right, int) and op in _INT_OPS:
            if op in (ast.LShift, ast.RShift) and not 0 <= right <= 64:
                raise Unfoldable
            return _capped(_INT_OPS[op](left, right))
        if op is ast.Add and type(left) is type(right) and not isinstance(left, int):
            return _capped(left + right)  # type: ignore[operator]
        if op is ast.Mult and isinstance(left, str | tuple) and isinstance(right, int):
            limit = MAX_TEXT if isinstance(left, str) else MAX_ITEMS
            if 0 <= right and len(left) * right <= limit:
                return left * right
        raise Unfoldable

    def _subscript(self, node: ast.Subscript, env: Env, d: int) -> Value:
        base = self.value(node.value, env, d)
        if isinstance(base, int):
            raise Unfoldable
        where = node.slice
        if isinstance(where, ast.Slice):
            bounds = [None if n is None else self.value(n, env, d)
                      for n in (where.lower, where.upper, where.step)]
            if not all(b is None or isinstance(b, int) for b in bounds):
                raise Unfoldable
            return base[slice(*cast("list[int | None]", bounds))]
        index = self.value(where, env, d)
        if not isinstance(index, int):
            raise Unfoldable
        return base[index]

    def items(self, node: ast.AST, env: Env, d: int) -> tuple[Value, ...]:
        """What iterating the expression gives: a tuple's items, a string's characters."""
        value = self.value(node, env, d)
        if isinstance(value, int):
            raise Unfoldable
        return tuple(value)

    def _generate(self, gens: list[ast.comprehension], elt: ast.expr, env: Env,
                  out: list[Value], d: int) -> None:
        if not gens:
            out.append(self.value(elt, env, d))
            if len(out) > MAX_ITEMS:
                raise Unfoldable
            return
        gen = gens[0]
        if gen.is_async or not isinstance(gen.target, ast.Name):
            raise Unfoldable
        for item in self.items(gen.iter, env, d):
            inner = {**env, gen.target.id: item}
            if all(self.value(test, inner, d) for test in gen.ifs):
                self._generate(gens[1:], elt, inner, out, d)

    def _call(self, node: ast.Call, env: Env, d: int) -> Value:
        func, args = node.func, node.args
        if isinstance(func, ast.Attribute) and func.attr == "join" and len(args) == 1:
            sep = self.value(func.value, env, d)
            parts = self.items(args[0], env, d)
            if not isinstance(sep, str) or not all(isinstance(p, str) for p in parts):
                raise Unfoldable
            if sum(map(len, parts)) + len(sep) * len(parts) > MAX_TEXT:  # type: ignore[arg-type]
                raise Unfoldable
            return sep.join(parts)  # type: ignore[arg-type]
        names = self.folder.resolve(func, 0) if not isinstance(func, ast.Name) or (
            func.id not in env) else set()
        values = [self.value(a, env, d) for a in args]
        if "builtins.range" in names and 1 <= len(values) <= 3:
            if not all(isinstance(v, int) for v in values):
                raise Unfoldable
            span = range(*values)  # type: ignore[arg-type]
            if len(span) > MAX_ITEMS:
                raise Unfoldable
            return tuple(span)
        if len(values) != 1:
            raise Unfoldable
        [arg] = values
        if "builtins.chr" in names and isinstance(arg, int):
            return chr(arg)
        if "builtins.ord" in names and isinstance(arg, str):
            return ord(arg)
        if "builtins.str" in names and isinstance(arg, int | str):
            return str(arg)
        if "builtins.len" in names and isinstance(arg, str | tuple):
            return len(arg)
        raise Unfoldable


def bind(evaluator: Evaluator, params: ast.arguments, call: ast.Call) -> Env | None:
    """The parameters of a plain function bound to a call's constant arguments, or None."""
    if call.keywords or params.kwonlyargs or params.kwarg:
        return None
    names = [a.arg for a in [*params.posonlyargs, *params.args]]
    defaults = dict(zip(names[::-1], params.defaults[::-1], strict=False))
    args = call.args
    if any(isinstance(a, ast.Starred) for a in args) or (
            len(args) > len(names) and params.vararg is None):
        return None
    env: Env = {}
    for i, name in enumerate(names):
        node = args[i] if i < len(args) else defaults.get(name)
        if node is None:
            return None
        env[name] = evaluator.value(node, {})
    if params.vararg is not None:
        if len(args) - len(names) > MAX_ITEMS:
            return None
        env[params.vararg.arg] = tuple(evaluator.value(a, {}) for a in args[len(names):])
    return env
