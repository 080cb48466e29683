"""Constant folding of string expressions an agent may build to hide a name or a path.

`'so' + 'cket'`, `f"{a}{b}"`, `''.join([...])`, `'tekcos'[::-1]`, `chr(115)`, `'%s' % x`,
rot13 and base64 decoding all fold to the string they make, when every input is constant;
so do joins over comprehensions and calls of small helpers (see `evaluate`).
"""

from __future__ import annotations

import ast
import base64
import binascii
import codecs
import itertools
from collections.abc import Callable, Iterable
from typing import TypeGuard

from reviewer.checks.evaluate import FAILURES, MAX_WORK, Env, Evaluator, Unfoldable

MAX_SET = 16
MAX_LEN = 4096
_STR_METHODS = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "casefold", "title",
                          "capitalize", "swapcase", "replace", "removeprefix", "removesuffix",
                          "format"})
_DECODERS: dict[str, Callable[[str], bytes]] = {
    "base64.b64decode": base64.b64decode, "base64.urlsafe_b64decode": base64.urlsafe_b64decode,
    "base64.b32decode": base64.b32decode, "base64.b16decode": base64.b16decode,
    "base64.b85decode": base64.b85decode, "base64.a85decode": base64.a85decode,
    "bytes.fromhex": bytes.fromhex, "binascii.unhexlify": binascii.unhexlify,
}


def dotted(node: ast.AST) -> str | None:
    """`a.b.c` for a chain of attributes on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def cap(items: Iterable[str | None]) -> set[str]:
    """At most MAX_SET strings of at most MAX_LEN characters; None (failed folds) dropped."""
    kept = (s for s in items if s is not None and len(s) <= MAX_LEN)
    return set(itertools.islice(kept, MAX_SET))


def as_text(value: object) -> str | None:
    """Strings as they are, bytes as latin-1 text, anything else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("latin-1")
    return None


def int_const(node: ast.AST) -> int | None:
    """A literal integer of modest size, including a negative one."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = int_const(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and type(node.value) is int and abs(node.value) < 2**31:
        return node.value
    return None


class Folder:
    """Folding rules; a subclass provides `fold`, `resolve` and the bound constants."""

    consts: dict[str, set[str]]
    work_left: int = MAX_WORK  # evaluation steps left to this module's comprehensions

    def fold(self, node: ast.AST, depth: int = 0) -> set[str]:
        raise NotImplementedError

    def resolve(self, node: ast.AST, depth: int = 0) -> set[str]:
        raise NotImplementedError

    def literal(self, name: str) -> ast.expr | None:
        """The one tuple or list literal `name` is bound to, if any."""
        return None

    def spelled(self, node: ast.AST, suffix: str = "") -> str | None:
        """The key of `consts` (or another table) `node` spells: `dotted(node) + suffix`."""
        name = dotted(node)
        return None if name is None else name + suffix

    def inline(self, node: ast.Call) -> set[str]:
        """Strings a call of a helper defined in the module returns for constant arguments."""
        return set()

    def evaluate(self, node: ast.AST, env: Env | None = None) -> set[str]:
        """The string a pure expression over constants evaluates to, within the work budget."""
        try:
            value = Evaluator(self).value(node, env or {})
        except (Unfoldable, *FAILURES):
            return set()
        return {value} if isinstance(value, str) else set()

    def _fold(self, node: ast.AST, depth: int) -> set[str]:
        d = depth + 1
        if isinstance(node, ast.Constant):
            text = as_text(node.value)
            return {text} if text is not None else set()
        if isinstance(node, ast.Name | ast.Attribute):
            return set(self.consts.get(self.spelled(node) or "", ()))
        if isinstance(node, ast.BinOp):
            return self._fold_binop(node, d)
        if isinstance(node, ast.JoinedStr):
            parts = [self.fold(v.value if isinstance(v, ast.FormattedValue) else v, d)
                     for v in node.values]
            return cap("".join(p) for p in itertools.product(*parts))
        if isinstance(node, ast.Subscript):
            where = node.slice
            return cap(_safely(lambda s=s: _slice(s, where)) for s in self.fold(node.value, d))
        if isinstance(node, ast.IfExp):
            return self.fold(node.body, d) | self.fold(node.orelse, d)
        if isinstance(node, ast.Call):
            return self._fold_call(node, d)
        return set()

    def _fold_binop(self, node: ast.BinOp, d: int) -> set[str]:
        left = self.fold(node.left, d)
        if isinstance(node.op, ast.Add):
            return cap(a + b for a, b in itertools.product(left, self.fold(node.right, d)))
        count = int_const(node.right)
        if isinstance(node.op, ast.Mult) and count is not None and 0 <= count <= 64:
            return cap(a * count for a in left)
        if isinstance(node.op, ast.Mod):
            elts = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
            args = itertools.product(*(self.fold(e, d) for e in elts))
            return cap(_safely(lambda a=a, p=p: a % p) for a, p in itertools.product(left, args))
        return set()

    def _fold_call(self, node: ast.Call, d: int) -> set[str]:
        func, args = node.func, node.args
        folded = [self.fold(a, d) for a in args]
        if isinstance(func, ast.Attribute) and func.attr == "join" and len(args) == 1:
            if isinstance(args[0], ast.Tuple | ast.List):
                items = [self.fold(e, d) for e in args[0].elts]
            elif _is_map_chr(args[0]):
                items = [{chr(i)} for i in _ints(args[0].args[1])]
            else:
                return self.evaluate(node)
            return cap(sep.join(parts) for sep in self.fold(func.value, d)
                       for parts in itertools.product(*items))
        receiver = self.fold(func.value, d) if isinstance(func, ast.Attribute) else set()
        if receiver and isinstance(func, ast.Attribute) and func.attr in ("decode", "encode"):
            return receiver  # strings and bytes are both kept as text here
        if receiver and isinstance(func, ast.Attribute) and func.attr in _STR_METHODS:
            method = func.attr
            return cap(_safely(lambda s=s, p=p: getattr(s, method)(*p))
                       for s in receiver for p in itertools.product(*folded))
        names = self.resolve(func, d)
        number = int_const(args[0]) if args else None
        if "builtins.chr" in names and number is not None and 0 <= number < 0x110000:
            return {chr(number)}
        if "builtins.str" in names and len(args) == 1:
            return folded[0]
        if names & {"codecs.decode", "codecs.encode"} and len(args) == 2:
            if any(c.replace("_", "").lower() == "rot13" for c in folded[1]):
                return cap(codecs.decode(s, "rot13") for s in folded[0])
        decoders = [_DECODERS[n] for n in sorted(names & _DECODERS.keys())]
        if decoders and args:
            return cap(_safely(lambda s=s, f=f: as_text(f(s))) for f in decoders for s in folded[0])
        return self.inline(node)


def _ints(node: ast.AST) -> list[int]:
    elts = node.elts if isinstance(node, ast.Tuple | ast.List) else []
    values = [int_const(e) for e in elts]
    return [v for v in values if v is not None and 0 <= v < 0x110000]


def _is_map_chr(node: ast.AST) -> TypeGuard[ast.Call]:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "map" and len(node.args) == 2
            and isinstance(node.args[0], ast.Name) and node.args[0].id == "chr")


def _slice(text: str, node: ast.AST) -> str | None:
    if isinstance(node, ast.Slice):
        bounds = [None if n is None else int_const(n) for n in (node.lower, node.upper, node.step)]
        return text[bounds[0]:bounds[1]:bounds[2]]
    index = int_const(node)
    return None if index is None else text[index]


# Callable[..., object], as mypy cannot infer a lambda whose defaults bind loop variables as
# Callable[[], object]; every caller passes such a lambda, called with no arguments.
def _safely(compute: Callable[..., object]) -> str | None:
    """A folding step that may fail on agent input; failure folds to nothing."""
    try:
        result = compute()
    except (ValueError, TypeError, IndexError, KeyError, OverflowError, binascii.Error,
            UnicodeError, AttributeError, MemoryError):
        return None
    return result if isinstance(result, str) else None
