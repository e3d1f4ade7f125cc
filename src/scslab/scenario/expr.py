"""Rule expression language: a whitelisted grammar compiled to vectorised NumPy.

Why a home-made parser: scenario files are untrusted text, and a rule such as
``unpaid_days > 30 and able_to_pay`` must never be able to reach Python itself.
So there is no ``eval``/``exec``/``compile``/``ast`` anywhere here: a tokenizer
accepts only ASCII names, numbers and a fixed set of operators, a
precedence-climbing parser builds a small node tree, and each node calls one
NumPy ufunc over whole arrays (no per-agent Python loop).

Grammar (loosest binding first, Python-like)::

    or  <  and  <  not  <  comparisons (< <= > >= == !=, chainable)
        <  + -  <  * / %  <  unary - +  <  atoms

Atoms are numbers (``3``, ``2.5``, ``1e-3``, ``1_000``), ``true``/``false``
(also ``True``/``False``), attribute names, parenthesised expressions and calls
of the fixed :data:`FUNCTIONS`. ``0 < x < 5`` means ``0 < x and x < 5``.

Semantics: ``and``/``or``/``not`` are ``np.logical_*`` (nonzero is true, as in
Python, so NaN counts as true); booleans used in arithmetic become 0.0/1.0;
arithmetic is float64. Division and ``%`` never raise: ``x / 0`` is ``±inf``,
``0 / 0`` and ``x % 0`` are NaN (IEEE/NumPy semantics, warnings silenced), and
every comparison with NaN is false. Rules that divide should therefore guard
with a comparison, e.g. ``debt / max(income, 1) > 2``. A part of a rule that does
not depend on any subject is computed when the rule is compiled, and refused
there if it is infinite or NaN (``1/0``, ``exp(1000)``, ``1e999``): that is a
mistake in the file, not a property of some subject.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np

__all__ = ["FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "Expr", "ExprError", "FunctionSpec", "compile_expr"]

MAX_LENGTH = 2000  # longer text is refused before tokenizing: bounds parse time and memory
MAX_DEPTH = 64  # parentheses + calls + unary operators; keeps recursion far from Python's limit


class ExprError(ValueError):
    """Bad expression: carries what went wrong, where (0-based offset, -1 if nowhere) and the text."""

    def __init__(self, message: str, position: int = -1, text: str = "") -> None:
        self.message = message
        self.position = position
        self.text = text
        shown = text if len(text) <= 200 else text[:200] + "..."
        where = f" at position {position}" if position >= 0 else ""
        super().__init__(f"{message}{where} in: {shown}")

    def __reduce__(self):  # keep the structured fields across process boundaries
        return (ExprError, (self.message, self.position, self.text))


@dataclass(frozen=True)
class FunctionSpec:
    """One callable of the whitelist: the NumPy implementation and its arity bounds (None = unbounded)."""

    name: str
    func: Callable[..., np.ndarray]
    min_args: int
    max_args: int | None


def _min(*xs: np.ndarray) -> np.ndarray:
    return reduce(np.minimum, xs)


def _max(*xs: np.ndarray) -> np.ndarray:
    return reduce(np.maximum, xs)


def _clip(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    # Explicit max-then-min so lo > hi is well defined (gives hi) and arrays broadcast freely.
    return np.minimum(np.maximum(x, lo), hi)


FUNCTIONS: dict[str, FunctionSpec] = {
    s.name: s
    for s in (
        FunctionSpec("min", _min, 2, None),
        FunctionSpec("max", _max, 2, None),
        FunctionSpec("abs", np.abs, 1, 1),
        FunctionSpec("clip", _clip, 3, 3),
        FunctionSpec("floor", np.floor, 1, 1),
        FunctionSpec("ceil", np.ceil, 1, 1),
        FunctionSpec("log1p", np.log1p, 1, 1),
        FunctionSpec("sqrt", np.sqrt, 1, 1),
        FunctionSpec("exp", np.exp, 1, 1),
    )
}

# ---------------------------------------------------------------------------------------------
# Tokenizer

_DIGITS = "0123456789"
_INT = r"[0-9](?:_?[0-9])*"
_NUM_RE = re.compile(rf"(?:{_INT}(?:\.(?:{_INT})?)?|\.{_INT})(?:[eE][+-]?{_INT})?", re.ASCII)
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_WHITESPACE = " \t\r\n"
_WORDS = {"and": "and", "or": "or", "not": "not", "true": "true", "false": "false", "True": "true", "False": "false"}
_TWO_CHAR_OPS = ("<=", ">=", "==", "!=")
_ONE_CHAR_OPS = "<>+-*/%(),"
_HINTS = {
    "'": "string literals are not allowed",
    '"': "string literals are not allowed",
    "[": "subscripts and lists are not allowed",
    "]": "subscripts and lists are not allowed",
    "{": "braces are not allowed",
    "}": "braces are not allowed",
    ".": "attribute access is not allowed",
    ";": "multiple statements are not allowed",
    ":": "':' is not allowed",
    "\\": "backslashes are not allowed",
    "=": "assignment is not allowed (use '==' to compare)",
    "!": "use 'not' instead of '!'",
    "&": "use 'and' instead of '&'",
    "|": "use 'or' instead of '|'",
}

_Token = tuple[str, Any, int]  # (kind: num|name|word|op|end, value, position)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _WHITESPACE:
            i += 1
            continue
        if c in _DIGITS or (c == "." and i + 1 < n and text[i + 1] in _DIGITS):
            m = _NUM_RE.match(text, i)
            assert m is not None  # the first character guarantees a match
            j = m.end()
            if j < n and (text[j] == "_" or text[j] == "." or text[j].isalnum()):
                raise ExprError("invalid numeric literal", i, text)
            value = float(m.group().replace("_", ""))
            if not math.isfinite(value):
                raise ExprError("numeric literal out of range", i, text)
            tokens.append(("num", value, i))
            i = j
            continue
        m = _NAME_RE.match(text, i)
        if m:
            name = m.group()
            if name in _WORDS:
                tokens.append(("word", _WORDS[name], i))
            elif name.startswith("__") or name.endswith("__"):
                raise ExprError(f"dunder name {name!r} is not allowed", i, text)
            elif keyword.iskeyword(name):
                raise ExprError(f"Python keyword {name!r} is not allowed", i, text)
            else:
                tokens.append(("name", name, i))
            i = m.end()
            continue
        two = text[i : i + 2]
        if two == "**":
            raise ExprError("power operator '**' is not supported", i, text)
        if two == "//":
            raise ExprError("floor division '//' is not supported (use floor(a / b))", i, text)
        if two in _TWO_CHAR_OPS:
            tokens.append(("op", two, i))
            i += 2
        elif c in _ONE_CHAR_OPS:
            tokens.append(("op", c, i))
            i += 1
        elif c in _HINTS:
            raise ExprError(_HINTS[c], i, text)
        elif not c.isascii():
            raise ExprError(f"unexpected character {c!r} (only ASCII is allowed)", i, text)
        else:
            raise ExprError(f"unexpected character {c!r}", i, text)
    tokens.append(("end", None, n))
    return tokens


# ---------------------------------------------------------------------------------------------
# Compiled nodes: closures that each call one ufunc over whole arrays, paired with a canonical
# fully parenthesised text that re-parses to the same tree (shows how precedence was read).

_Fn = Callable[[dict[str, np.ndarray]], np.ndarray]
_Node = tuple[_Fn, str]
_COMPARE = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}
_ARITH = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide, "%": np.mod}


def _num(x: np.ndarray) -> np.ndarray:
    """Booleans take part in arithmetic as 0.0/1.0 (NumPy refuses e.g. negating a bool)."""
    return x.astype(np.float64) if x.dtype == np.bool_ else x


def _const(value: float | bool) -> _Node:
    if isinstance(value, bool):
        b = np.bool_(value)
        return _mark(lambda env: b), ("true" if value else "false")
    v = np.float64(value)
    if not np.isfinite(v):
        raise ExprError(f"number {value!r} is not finite", -1)
    return _mark(lambda env: v), repr(float(value))


def _mark(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    fn.constant = True  # type: ignore[attr-defined]
    return fn


def _folded(node: _Node, children: list[Callable[[Any], Any]]) -> _Node:
    """A node whose operands are all constants is computed now; a part of a rule that is
    infinite or NaN whatever the subject (``1/0``, ``exp(1000)``, ``0 % 0``) is refused."""
    if not all(getattr(f, "constant", False) for f in children):
        return node
    with np.errstate(all="ignore"):
        value = np.asarray(node[0]({}))
    if value.dtype != np.bool_ and not np.all(np.isfinite(value)):
        raise ExprError(f"{node[1]} is {float(value)} for every subject (division by zero or overflow)", -1)
    return _mark(lambda env: value[()]), node[1]


def _name(name: str) -> _Node:
    return (lambda env: env[name]), name


def _unary(op: str, child: _Node) -> _Node:
    f, s = child
    if op == "not":
        return (lambda env: np.logical_not(f(env))), f"(not {s})"
    ufunc = np.negative if op == "-" else np.positive
    return _folded(((lambda env: ufunc(_num(f(env)))), f"({op}{s})"), [f])


def _logic(op: str, parts: list[_Node]) -> _Node:
    ufunc = np.logical_and if op == "and" else np.logical_or
    fns = [f for f, _ in parts]

    def run(env: dict[str, np.ndarray]) -> np.ndarray:
        out = fns[0](env)
        for f in fns[1:]:  # flat n-ary chain: no recursion per operand
            out = ufunc(out, f(env))
        return out

    return run, "(" + f" {op} ".join(s for _, s in parts) + ")"


def _compare(ops: list[str], operands: list[_Node]) -> _Node:
    ufuncs = [_COMPARE[o] for o in ops]
    fns = [f for f, _ in operands]

    def run(env: dict[str, np.ndarray]) -> np.ndarray:
        vals = [f(env) for f in fns]  # each operand evaluated once, as in Python
        out = ufuncs[0](vals[0], vals[1])
        for k in range(1, len(ufuncs)):
            out = np.logical_and(out, ufuncs[k](vals[k], vals[k + 1]))
        return out

    text = operands[0][1] + "".join(f" {o} {s}" for o, (_, s) in zip(ops, operands[1:]))
    return run, f"({text})"


def _arith(first: _Node, rest: list[tuple[str, _Node]]) -> _Node:
    f0 = first[0]
    steps = [(_ARITH[op], f) for op, (f, _) in rest]

    def run(env: dict[str, np.ndarray]) -> np.ndarray:
        acc = _num(f0(env))
        for ufunc, f in steps:  # left-associative chain evaluated in a loop
            acc = ufunc(acc, _num(f(env)))
        return acc

    return _folded(
        (run, "(" + first[1] + "".join(f" {op} {s}" for op, (_, s) in rest) + ")"), [f0, *(f for _, f in steps)]
    )


def _call(spec: FunctionSpec, args: list[_Node]) -> _Node:
    func, fns = spec.func, [f for f, _ in args]
    node = (lambda env: func(*[_num(f(env)) for f in fns])), f"{spec.name}(" + ", ".join(s for _, s in args) + ")"
    return _folded(node, fns)


# ---------------------------------------------------------------------------------------------
# Parser (precedence climbing; and/or, comparisons and arithmetic chains are built in loops,
# so Python recursion grows only with explicit nesting, which MAX_DEPTH bounds).

_PREC = {"or": 1, "and": 2, "<": 4, "<=": 4, ">": 4, ">=": 4, "==": 4, "!=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
_NOT_PREC = 3


class _Parser:
    def __init__(self, text: str, tokens: list[_Token], allowed: frozenset[str] | None) -> None:
        self.text, self.tokens, self.allowed = text, tokens, allowed
        self.i = 0
        self.depth = 0
        self.positions: dict[str, int] = {}  # first occurrence of each attribute name

    def error(self, message: str, position: int) -> ExprError:
        return ExprError(message, position, self.text)

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def advance(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at(self, kind: str, value: object) -> bool:
        tok = self.tokens[self.i]
        return tok[0] == kind and tok[1] == value

    def enter(self, levels: int, position: int) -> None:
        self.depth += levels
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression is nested too deeply (more than {MAX_DEPTH} levels)", position)

    @staticmethod
    def describe(tok: _Token) -> str:
        kind, value, _ = tok
        return {"end": "end of expression", "num": "number", "name": f"name {value!r}"}.get(kind, repr(value))

    def parse(self, min_prec: int) -> _Node:
        kind, value, pos = self.peek()
        if kind == "word" and value == "not":
            if min_prec > _NOT_PREC:
                raise self.error("'not' must be parenthesised here", pos)
            count = 0
            while self.at("word", "not"):
                self.advance()
                count += 1
            self.enter(count, pos)
            left = self.parse(_NOT_PREC + 1)
            self.depth -= count
            for _ in range(count):
                left = _unary("not", left)
        else:
            left = self.unary()
        while True:
            kind, value, pos = self.peek()
            prec = _PREC.get(value) if kind in ("op", "word") else None
            if prec is None or prec < min_prec:
                return left
            if prec <= 2:
                parts = [left]
                while self.at("word", value):
                    self.advance()
                    parts.append(self.parse(prec + 1))
                left = _logic(value, parts)
            elif prec == 4:
                ops: list[str] = []
                operands = [left]
                while self.peek()[0] == "op" and _PREC.get(self.peek()[1]) == 4:
                    ops.append(self.advance()[1])
                    operands.append(self.parse(5))
                left = _compare(ops, operands)
            else:
                rest: list[tuple[str, _Node]] = []
                while self.peek()[0] == "op" and _PREC.get(self.peek()[1]) == prec:
                    op = self.advance()[1]
                    rest.append((op, self.parse(prec + 1)))
                left = _arith(left, rest)

    def unary(self) -> _Node:
        signs: list[str] = []
        pos = self.peek()[2]
        while self.at("op", "-") or self.at("op", "+"):
            signs.append(self.advance()[1])
        self.enter(len(signs), pos)
        node = self.primary()
        self.depth -= len(signs)
        for sign in reversed(signs):
            node = _unary(sign, node)
        return node

    def primary(self) -> _Node:
        tok = self.advance()
        kind, value, pos = tok
        if kind == "num":
            return _const(value)
        if kind == "word" and value in ("true", "false"):
            return _const(value == "true")
        if kind == "op" and value == "(":
            self.enter(1, pos)
            node = self.parse(1)
            self.expect_close(pos)
            self.depth -= 1
            return node
        if kind == "name":
            name = value
            if self.at("op", "("):
                return self.call(name, pos)
            if name in FUNCTIONS:
                raise self.error(f"function {name!r} must be called, e.g. {name}(...)", pos)
            if self.allowed is not None and name not in self.allowed:
                raise self.error(f"unknown name {name!r}", pos)
            self.positions.setdefault(name, pos)
            return _name(name)
        raise self.error(f"unexpected {self.describe(tok)}", pos)

    def expect_close(self, open_pos: int) -> None:
        tok = self.advance()
        if tok[0] == "op" and tok[1] == ")":
            return
        if tok[0] == "end":
            raise self.error(f"missing ')' for '(' at position {open_pos}", tok[2])
        raise self.error(f"expected ')' but found {self.describe(tok)}", tok[2])

    def call(self, name: str, pos: int) -> _Node:
        spec = FUNCTIONS.get(name)
        if spec is None:
            raise self.error(f"unknown function {name!r} (allowed: {', '.join(sorted(FUNCTIONS))})", pos)
        open_pos = self.advance()[2]
        self.enter(1, open_pos)
        args: list[_Node] = []
        if not self.at("op", ")"):
            args.append(self.parse(1))
            while self.at("op", ","):
                self.advance()
                args.append(self.parse(1))
        self.expect_close(open_pos)
        self.depth -= 1
        n = len(args)
        if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
            want = f"{'exactly' if spec.max_args == spec.min_args else 'at least'} {spec.min_args}"
            raise self.error(f"{name}() takes {want} argument{'s' if spec.min_args != 1 else ''} ({n} given)", pos)
        return _call(spec, args)


# ---------------------------------------------------------------------------------------------
# Public compiled form


class Expr:
    """A compiled rule. Build with :func:`compile_expr`; evaluate over struct-of-arrays state."""

    __slots__ = ("_allowed", "_canonical", "_fn", "_positions", "names", "text")

    def __init__(self, text: str, root: _Node, positions: dict[str, int], allowed: frozenset[str] | None) -> None:
        self.text = text
        self.names: frozenset[str] = frozenset(positions)
        self._fn, self._canonical = root
        self._positions = positions
        self._allowed = allowed

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"

    def __reduce__(self):  # node trees hold ufuncs; re-compiling from text is simpler and exact
        return (compile_expr, (self.text, self._allowed))

    def canonical(self) -> str:
        """Fully parenthesised form of the parsed tree: shows exactly how precedence was read."""
        return self._canonical

    def evaluate(self, env: Mapping[str, np.ndarray | float | int | bool], size: int | None = None) -> np.ndarray:
        """Evaluate over the arrays in ``env`` (scalars or 1-D arrays of one common length).

        Returns a bool array for conditions and a float64 array otherwise; a result that does not
        depend on any array (e.g. ``true``) is broadcast to ``size`` when given. Names missing
        from ``env``, non-numeric values and mismatched lengths raise :class:`ExprError`.
        """
        arrays: dict[str, np.ndarray] = {}
        length = size
        for name in sorted(self.names):
            pos = self._positions[name]
            if name not in env:
                raise ExprError(f"name {name!r} is not defined in the environment", pos, self.text)
            arr = np.asarray(env[name])
            if arr.dtype.kind not in "biuf":
                raise ExprError(f"name {name!r} has non-numeric dtype {arr.dtype}", pos, self.text)
            if arr.ndim > 1:
                raise ExprError(f"name {name!r} must be a scalar or a 1-D array (ndim={arr.ndim})", pos, self.text)
            if arr.ndim == 1:
                if length is None:
                    length = arr.shape[0]
                elif arr.shape[0] != length:
                    raise ExprError(f"name {name!r} has length {arr.shape[0]}, expected {length}", pos, self.text)
            arrays[name] = arr if arr.dtype == np.bool_ else arr.astype(np.float64, copy=False)
        with np.errstate(all="ignore"):
            out = np.asarray(self._fn(arrays))
        if out.dtype != np.bool_ and out.dtype != np.float64:
            out = out.astype(np.float64)
        if out.ndim == 0 and size is not None:
            return np.full(size, out[()], dtype=out.dtype)
        if self._canonical in self.names:
            out = out.copy()  # never hand back the caller's own array: mutation would alias state
        return out

    def condition(self, env: Mapping[str, np.ndarray | float | int | bool], size: int) -> np.ndarray:
        """Evaluate as a rule condition: always a bool array of length ``size`` (nonzero -> True)."""
        out = self.evaluate(env, size)
        return out if out.dtype == np.bool_ else out != 0


def compile_expr(text: str, allowed_names: Iterable[str] | None = None) -> Expr:
    """Parse and compile ``text``; with ``allowed_names`` any other attribute name is an error.

    Empty text, text over ``MAX_LENGTH`` characters and nesting deeper than ``MAX_DEPTH`` are
    refused up front so that hostile input costs bounded time and never hits Python's stack.
    """
    if not isinstance(text, str):
        raise ExprError(f"expression must be a string, not {type(text).__name__}", -1, repr(text)[:100])
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression too long ({len(text)} > {MAX_LENGTH} characters)", -1, text)
    if not text.strip(_WHITESPACE):
        raise ExprError("empty expression", -1, text)
    allowed = None if allowed_names is None else frozenset(allowed_names)
    parser = _Parser(text, _tokenize(text), allowed)
    try:
        root = parser.parse(1)
    except ExprError as e:
        if e.text:
            raise
        raise ExprError(e.message, e.position, text) from None  # a constant part: say which rule
    tok = parser.peek()
    if tok[0] != "end":
        raise ExprError(f"unexpected {parser.describe(tok)}", tok[2], text)
    return Expr(text, root, parser.positions, allowed)
