"""Fuzzing harness: mutated presets against ``scslab validate`` and ``scslab run`` (issue 10).

Hypothesis strategies (:func:`mutants`) start from a shipped preset and mutate it the way a
careless or hostile author would: values of the wrong type or out of range, huge integers,
non-finite floats, deep nesting, unicode and control characters in keys and strings, long
strings, broken and hostile rule expressions, odd ``extends`` targets, and raw byte damage of
the file text (invalid UTF-8, NUL, U+2028). :func:`check` runs one input through the command
line *in this process* and classifies what happened:

* ``ok`` (exit 0) and ``refused`` (exit 2) are the two allowed outcomes;
* ``exit1`` (an "internal error"), ``traceback`` (an exception escaping ``cli.main``), ``hang``
  (over the time limit), ``memory`` (resident memory grew past the limit) and ``wrote``
  (a refused run left files behind) are failures.

``make fuzz`` runs a campaign (``python tools/fuzz.py --examples 10000``) and prints the
counts by class as JSON; the figures in docs/reliability.md come from it. The test suite runs a
bounded number of examples of the same strategies (tests/test_fuzz.py).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import resource
import signal
import sys
import tempfile
import time
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

__all__ = ["FAILURES", "Outcome", "check", "dump_toml", "main", "mutants"]

FAILURES = ("exit1", "traceback", "hang", "memory", "wrote")
TIME_LIMIT_S = 60  # per input, on a loaded two-core machine
MEMORY_LIMIT_MB = 1500  # growth of peak resident memory over the campaign's start

_PRESETS = Path(__file__).resolve().parents[1] / "src" / "scslab" / "scenario" / "presets"


# ---------------------------------------------------------------- a small TOML writer


def _key(k: str) -> str:
    return json.dumps(k)  # JSON's escapes are TOML basic-string escapes


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v) if v.bit_length() < 14_000 else "1" * 4400  # past Python's 4,300-digit limit
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(str(k))} = {_value(x)}" for k, x in v.items()) + "}"
    return json.dumps(str(v))


def dump_toml(data: dict) -> str:
    """TOML text for ``data``: top-level keys with inline values, arrays of tables as [[...]]."""
    lines = []
    for k, v in data.items():
        if isinstance(v, list) and v and all(isinstance(e, dict) for e in v):
            for e in v:
                lines.append(f"[[{_key(str(k))}]]")
                lines += [f"{_key(str(a))} = {_value(b)}" for a, b in e.items()]
        elif isinstance(v, dict):
            lines.append(f"[{_key(str(k))}]")
            lines += [f"{_key(str(a))} = {_value(b)}" for a, b in v.items()]
        else:
            lines.insert(0, f"{_key(str(k))} = {_value(v)}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- strategies


def preset_names() -> list[str]:
    return sorted(p.stem for p in _PRESETS.glob("*.toml"))


def _preset(name: str) -> dict:
    return tomllib.loads((_PRESETS / f"{name}.toml").read_text(encoding="utf-8"))


_odd_text = st.text(
    st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Z", "Cc", "Cf")), max_size=40
) | st.sampled_from(
    ["", "\x1b[31mred", "\u202e", "a\u2028b", "a\x85b", "..", "../../x", "/tmp/x", "é" * 3, "x" * 70_000]
)
_numbers = st.one_of(
    st.integers(),
    st.integers(min_value=2**63 - 5, max_value=2**70),
    st.integers(max_value=-(2**63) + 5, min_value=-(2**70)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e308, -1e308, 5e-324, 10**4400, 50_000_000, 36_500, 36_501]),
)
_leaf = st.one_of(_numbers, _odd_text, st.booleans(), st.just([]), st.just({}))
_expr = st.one_of(
    st.lists(
        st.sampled_from(
            [
                "points",
                "score",
                "<",
                ">",
                "==",
                "and",
                "or",
                "not",
                "(",
                ")",
                "1/0",
                "exp(1000)",
                "0",
                "1e999",
                "__import__('os')",
                "x.y",
                "'a'",
                "min(",
                ",",
                "pointz",
                "unpaid_days",
                "+",
                "*",
                "%",
                "-",
            ]
        ),
        max_size=12,
    ).map(" ".join),
    st.sampled_from(["(" * 200 + "1" + ")" * 200, "a" * 3000, "open('/etc/passwd')", "lambda: 1"]),
)
_extends = (
    st.sampled_from(
        [
            "rongcheng",
            "nosuch",
            "../../etc/passwd",
            "/etc/passwd",
            "/dev/zero",
            "/proc/self/mem",
            "a" * 300 + ".toml",
            "x\u0000.toml",
            "~/secret.toml",
            "",
            "self.toml",
        ]
    )
    | _odd_text
)


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    out = []
    if isinstance(data, dict):
        for k, v in data.items():
            out.append(prefix + (k,))
            out += _paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.append(prefix + (i,))
            out += _paths(v, prefix + (i,))
    return out


def _get(data: Any, path: tuple) -> Any:
    for seg in path:
        data = data[seg]
    return data


def _is_number(v: Any) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    return abs(v) < 10**12 if isinstance(v, int) else math.isfinite(v) and abs(v) < 1e12


def _set(data: Any, path: tuple, value: Any) -> None:
    node = data
    for seg in path[:-1]:
        node = node[seg]
    node[path[-1]] = value


def _del(data: Any, path: tuple) -> None:
    node = data
    for seg in path[:-1]:
        node = node[seg]
    del node[path[-1]]


@st.composite
def mutants(draw: Any, presets: list[str] | None = None) -> dict[str, Any]:
    """One mutated preset: ``{"text": TOML text or None, "bytes": raw bytes, "ops": [...]}``."""
    name = draw(st.sampled_from(presets or preset_names()))
    data = _preset(name)
    ops: list[str] = [name]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(
                ["tweak", "tweak", "leaf", "leaf", "delete", "key", "nest", "expr", "extends", "size", "schedule"]
            )
        )
        paths = _paths(data)
        numeric = [p for p in paths if _is_number(_get(data, p))]
        if kind == "tweak" and numeric:  # a plausible edit: a number scaled by 0-2 (stays valid often)
            path = draw(st.sampled_from(numeric))
            old = _get(data, path)
            new = old * draw(st.floats(0, 2))
            _set(data, path, round(new) if isinstance(old, int) else new)
            ops.append(f"tweak:{'.'.join(map(str, path))[:60]}")
        elif kind in ("leaf", "delete", "nest") and paths:
            path = draw(st.sampled_from(paths))
            if kind == "leaf":
                _set(data, path, draw(_leaf))
            elif kind == "delete":
                _del(data, path)
            else:
                depth = draw(st.sampled_from([3, 40, 400]))
                v: Any = 1
                for _ in range(depth):
                    v = [v]
                _set(data, path, v)
            ops.append(f"{kind}:{'.'.join(map(str, path))[:60]}")
        elif kind == "key":
            target = draw(st.sampled_from([data] + [v for v in data.values() if isinstance(v, dict)]))
            target[draw(_odd_text) or "k"] = draw(_leaf)
            ops.append("key")
        elif kind == "expr":
            rules = [p for p in paths if p and p[-1] in ("entry", "exit", "extend_if", "eligible")]
            if rules:
                _set(data, draw(st.sampled_from(rules)), draw(_expr))
            else:
                data["schedule"] = [{"day": 1, "set": {"lists.x.entry": draw(_expr)}}]
            ops.append("expr")
        elif kind == "extends":
            data["extends"] = draw(_extends)
            ops.append("extends")
        elif kind == "size":
            section, key = draw(st.sampled_from([("population", "n"), ("sim", "days"), ("population", "scale")]))
            data.setdefault(section, {})
            if isinstance(data[section], dict):
                data[section][key] = draw(_numbers)
            ops.append(f"size:{section}.{key}")
        else:
            data.setdefault("schedule", [])
            if isinstance(data["schedule"], list):
                data["schedule"].append(
                    {"day": draw(_numbers), "set": {draw(_odd_text) or "policy.detection_scale": draw(_leaf)}}
                )
            ops.append("schedule")
    text = dump_toml(data)
    raw = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:  # byte-level damage now and then
        at = draw(st.integers(0, max(len(raw) - 1, 0)))
        junk = draw(st.sampled_from([b"\xff", b"\x00", b"\xe2\x80\xa8", b"\xc0", b"[[", b'"', b"\x1b[2J"]))
        raw = raw[:at] + junk + raw[at:]
        ops.append("bytes")
    return {"bytes": raw, "ops": ops}


# ---------------------------------------------------------------- running one input


class Outcome(dict):
    """{"class": ..., "rc": ..., "seconds": ..., "ops": [...], "detail": ...}"""


class _Hang(BaseException):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Hang


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def check(mutant: dict[str, Any], *, run: bool = False, start_mb: float | None = None) -> Outcome:
    """Feed one mutant to ``scslab validate`` (and, with ``run``, to a tiny ``scslab run``)."""
    from scslab import cli

    with tempfile.TemporaryDirectory(prefix="scslab-fuzz-") as tmp:
        root = Path(tmp)
        src = root / "scenario"
        src.mkdir()
        f = src / "mutant.toml"
        f.write_bytes(mutant["bytes"])
        out = root / "out"
        argv = ["validate", str(f)]
        if run:
            argv = ["run", str(f), "--n", "200", "--days", "20", "--out", str(out), "--quiet", "--no-report"]
        t0 = time.perf_counter()
        stderr = io.StringIO()
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(TIME_LIMIT_S)
        try:
            with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
                rc: Any = cli.main(argv)
            cls = {0: "ok", 2: "refused", 1: "exit1"}.get(rc, "exit1")
            detail = stderr.getvalue()[-300:]
        except SystemExit as e:  # argparse
            rc, cls, detail = e.code, ("refused" if e.code == 2 else "exit1"), stderr.getvalue()[-300:]
        except _Hang:
            rc, cls, detail = None, "hang", f"over {TIME_LIMIT_S} s"
        except BaseException as e:
            rc, cls, detail = None, "traceback", f"{type(e).__name__}: {e}"[:300]
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
        seconds = time.perf_counter() - t0
        if cls == "refused" and run and out.exists() and any(out.iterdir()):
            cls, detail = "wrote", f"refused but wrote {sorted(p.name for p in out.iterdir())}"
        if cls == "refused" and "Traceback" in detail:
            cls = "traceback"
        if start_mb is not None and _peak_mb() - start_mb > MEMORY_LIMIT_MB:
            cls, detail = "memory", f"peak RSS {_peak_mb():.0f} MB"
    return Outcome({"class": cls, "rc": rc, "seconds": round(seconds, 3), "ops": mutant["ops"], "detail": detail})


# ---------------------------------------------------------------- the campaign


def campaign(examples: int, seed: int, run_every: int, log: Any = None) -> dict[str, Any]:
    """Generate ``examples`` mutants with Hypothesis and check each; counts by class."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    counts: Counter[str] = Counter()
    by_mode: Counter[str] = Counter()
    failures: list[Outcome] = []
    slowest = [0.0]
    start_mb = _peak_mb()
    i = [0]

    @hseed(seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(mutants())
    def one(m: dict[str, Any]) -> None:
        i[0] += 1
        run = run_every > 0 and i[0] % run_every == 0
        o = check(m, run=run, start_mb=start_mb)
        counts[o["class"]] += 1
        by_mode["run" if run else "validate"] += 1
        slowest[0] = max(slowest[0], o["seconds"])
        if o["class"] in FAILURES:
            failures.append(o)
        if log is not None and i[0] % 500 == 0:
            print(f"{i[0]} inputs: {dict(counts)}", file=log, flush=True)

    t0 = time.perf_counter()
    one()
    return {
        "inputs": i[0],
        "by_class": dict(sorted(counts.items())),
        "by_command": dict(by_mode),
        "failures": failures[:50],
        "failure_count": len(failures),
        "slowest_input_s": round(slowest[0], 2),
        "peak_rss_mb": round(_peak_mb()),
        "wall_s": round(time.perf_counter() - t0, 1),
        "seed": seed,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--examples", type=int, default=10_000, help="inputs to generate (default 10,000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--run-every", type=int, default=25, help="every k-th input also goes through a tiny run")
    p.add_argument("--json", type=Path, help="also write the result here")
    args = p.parse_args(argv)
    result = campaign(args.examples, args.seed, args.run_every, log=sys.stderr)
    text = json.dumps(result, indent=2, default=str)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 1 if result["failure_count"] else 0


if __name__ == "__main__":
    sys.exit(main())
