"""Synthetic identifiers: GB 11643 citizen ids and GB 32100 unified social credit codes.

Every identifier made here is synthetic: it has the published *layout* and valid check
characters (so code that parses or validates real-format ids is exercised), but the division
code comes from the scenario (default ``990101``, not a real county) and the rest is random.
Publishing subjects "by name and ID number" (facts 2.1) is one of the things the lab
models; having realistic, checkable ids keeps that part honest without touching real people.

All generators are vectorised: an id array is built as an ``(n, 18)`` uint8 matrix of
ASCII codes and viewed as ``'S18'``, so 10 million ids cost seconds, not minutes.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

__all__ = [
    "GB11643_WEIGHTS",
    "GB11714_WEIGHTS",
    "GB32100_ALPHABET",
    "GB32100_WEIGHTS",
    "IdColumn",
    "citizen_id_valid",
    "citizen_ids",
    "citizen_ids_valid",
    "credit_code_valid",
    "credit_codes",
    "credit_codes_valid",
]

# ISO 7064 MOD 11-2 weights (2**(17-i) mod 11) used by GB 11643-1999.
GB11643_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_GB11643_CHECK = np.frombuffer(b"0123456789X", dtype=np.uint8)

# GB 32100-2015: 31 characters (digits + capitals without I, O, S, V, Z), weights 3**i mod 31.
GB32100_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
GB32100_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
_A31 = np.frombuffer(GB32100_ALPHABET.encode(), dtype=np.uint8)
# GB 11714 organisation code check: weights 3,7,9,10,5,8,4,2 and letters valued A=10 .. Z=35
# (their base-36 value, which differs from their GB 32100 index: e.g. 'J' is 19 here, 18 there).
GB11714_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_V11714 = np.array([int(c, 36) for c in GB32100_ALPHABET], dtype=np.int64)
_IDX_X = GB32100_ALPHABET.index("X")

# Lookup ASCII -> GB 32100 value (-1 outside the alphabet); used by the validators.
_ASCII_TO_31 = np.full(256, -1, dtype=np.int64)
_ASCII_TO_31[_A31] = np.arange(31)

# Registration authority (char 1) and entity type (char 2) per entity kind, GB 32100-2015
# table 1: '9' industry & commerce / '1' enterprise; '5' civil affairs / '1' social group,
# '2' private non-enterprise unit, '3' foundation; '1' organisation establishment / '1' organ.
_AUTHORITY = {1: ord("9"), 2: ord("5"), 3: ord("1")}
_SOCIAL_TYPES = np.frombuffer(b"123", dtype=np.uint8)
_SOCIAL_TYPE_P = np.array([0.45, 0.50, 0.05])

_SEQ_SLOTS = 500  # odd (male) or even (female) 3-digit sequence codes per (division, date)
_UNITS_500 = np.array([u for u in range(1, _SEQ_SLOTS) if u % 2 and u % 5], dtype=np.int64)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative ints as an ``(n, width)`` uint8 matrix."""
    v = np.asarray(values, dtype=np.int64)
    out = np.empty((v.shape[0], width), dtype=np.uint8)
    for k in range(width - 1, -1, -1):
        out[:, k] = v % 10
        v = v // 10
    return out


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Calendar year, month, day of int days since 1970-01-01.

    Integer arithmetic (H. Hinnant's ``civil_from_days``): several times faster than
    casting through ``datetime64[M]``/``[Y]``, which matters at 10 M persons.
    """
    z = np.asarray(days, dtype=np.int64) + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    y = yoe + era * 400 + (m <= 2)
    return y, m, d


def citizen_ids(division_code: str, birth_dates: np.ndarray, sex: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """18-character GB 11643-1999 citizen ids, unique within the population.

    Sequence codes are assigned without collisions by construction: persons are ranked in a
    random order inside each (birth date, sex) cell and the r-th gets slot
    ``(offset + r * stride) mod 500`` with a random offset and a stride coprime to 500, so
    slots look random yet never repeat. A cell holds 500 ids per division; should one
    overflow (over ~30 M persons), the overflow rounds use the next division codes
    (``division_code + round``), which keeps (division, date, sequence) unique.
    """
    if len(division_code) != 6 or not division_code.isdigit():
        raise ValueError(f"division_code must be 6 digits (got {division_code!r})")
    bd = np.asarray(birth_dates, dtype=np.int64)
    sx = np.asarray(sex, dtype=np.int64)
    n = bd.shape[0]
    if sx.shape[0] != n:
        raise ValueError("birth_dates and sex must have the same length")
    if n == 0:
        return np.empty(0, dtype="S18")
    cell = (bd - bd.min()) * 2 + sx
    key = (cell << 32) | rng.integers(0, 2**32, size=n, dtype=np.int64)
    order = np.argsort(key, kind="stable")
    scell = cell[order]
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(scell[1:], scell[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    group = np.cumsum(new) - 1
    rank = np.arange(n, dtype=np.int64) - starts[group]
    offset = rng.integers(0, _SEQ_SLOTS, size=starts.shape[0])
    stride = _UNITS_500[rng.integers(0, _UNITS_500.shape[0], size=starts.shape[0])]
    slot_sorted = (offset[group] + rank * stride[group]) % _SEQ_SLOTS
    slot = np.empty(n, dtype=np.int64)
    slot[order] = slot_sorted
    rounds = np.empty(n, dtype=np.int64)
    rounds[order] = rank // _SEQ_SLOTS
    seq = 2 * slot + (sx == 0)  # odd for men, even for women
    division = (int(division_code) + rounds) % 1_000_000
    y, m, d = _ymd(bd)
    if (y < 1000).any() or (y > 9999).any():
        raise ValueError("birth years must have four digits")
    digits = np.concatenate(
        [_digits(division, 6), _digits(y, 4), _digits(m, 2), _digits(d, 2), _digits(seq, 3)], axis=1
    )
    total = digits.astype(np.int64) @ GB11643_WEIGHTS
    check = (12 - total % 11) % 11
    out = np.empty((n, 18), dtype=np.uint8)
    out[:, :17] = digits + ord("0")
    out[:, 17] = _GB11643_CHECK[check]
    return out.view("S18").reshape(n)


def _as_matrix(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes as an ``(n, 18)`` uint8 ASCII matrix (NUL-padded) plus their lengths."""
    a = np.ascontiguousarray(np.asarray(codes, dtype="S18"))
    mat = a.view(np.uint8).reshape(a.shape[0], 18)
    lengths = np.char.str_len(a)
    return mat, lengths


def citizen_ids_valid(ids: np.ndarray) -> np.ndarray:
    """Vectorised :func:`citizen_id_valid` over an array of ids (bool array)."""
    mat, lengths = _as_matrix(ids)
    body = mat[:, :17].astype(np.int64) - ord("0")
    ok = (lengths == 18) & ((body >= 0) & (body <= 9)).all(axis=1)
    body = np.where(ok[:, None], body, 0)
    check = (12 - (body @ GB11643_WEIGHTS) % 11) % 11
    last = np.where(mat[:, 17] == ord("x"), ord("X"), mat[:, 17])
    ok &= last == _GB11643_CHECK[check]
    y = body[:, 6] * 1000 + body[:, 7] * 100 + body[:, 8] * 10 + body[:, 9]
    m = body[:, 10] * 10 + body[:, 11]
    d = body[:, 12] * 10 + body[:, 13]
    ok &= (m >= 1) & (m <= 12) & (d >= 1)
    month = ((y - 1970) * 12 + np.clip(m, 1, 12) - 1).astype("datetime64[M]")
    day = month.astype("datetime64[D]") + (np.maximum(d, 1) - 1)
    ok &= day.astype("datetime64[M]") == month
    return ok


def citizen_id_valid(s: str | bytes) -> bool:
    """True if ``s`` is 17 digits + MOD 11-2 check char and carries a real calendar date."""
    if isinstance(s, bytes):
        try:
            s = s.decode("ascii")
        except UnicodeDecodeError:
            return False
    if len(s) != 18 or not s[:17].isdigit() or not s[:17].isascii():
        return False
    total = sum(int(c) * int(w) for c, w in zip(s[:17], GB11643_WEIGHTS))
    if s[17].upper() != "0123456789X"[(12 - total % 11) % 11]:
        return False
    try:
        _dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    return True


def _unique_keys(n: int, high: int, rng: np.random.Generator) -> np.ndarray:
    """n distinct ints in [0, high): draw, then redraw later duplicates until none remain."""
    keys = rng.integers(0, high, size=n, dtype=np.int64)
    while True:
        order = np.argsort(keys, kind="stable")
        sk = keys[order]
        dup = np.flatnonzero(sk[1:] == sk[:-1]) + 1
        if dup.size == 0:
            return keys
        keys[order[dup]] = rng.integers(0, high, size=dup.size, dtype=np.int64)


def credit_codes(n: int, division_code: str, entity_kind: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """18-character GB 32100-2015 unified social credit codes, unique within the call.

    Layout: authority (1) + entity type (1) + division (6) + GB 11714 organisation code
    (8 body chars + its own MOD 11 check) + GB 32100 MOD 31 check. Uniqueness comes from
    distinct organisation-code bodies (31**8 possibilities).
    """
    kind = np.asarray(entity_kind, dtype=np.int64)
    if kind.shape[0] != n:
        raise ValueError("entity_kind must have length n")
    if len(division_code) != 6 or not division_code.isdigit():
        raise ValueError(f"division_code must be 6 digits (got {division_code!r})")
    if n and not np.isin(kind, (1, 2, 3)).all():
        raise ValueError("entity_kind must be 1 (enterprise), 2 (social org) or 3 (government)")
    out = np.empty((n, 18), dtype=np.uint8)
    auth = np.zeros(n, dtype=np.uint8)
    for k, c in _AUTHORITY.items():
        auth[kind == k] = c
    etype = np.full(n, ord("1"), dtype=np.uint8)
    social = kind == 2
    etype[social] = _SOCIAL_TYPES[rng.choice(3, size=int(social.sum()), p=_SOCIAL_TYPE_P)]
    out[:, 0] = auth
    out[:, 1] = etype
    out[:, 2:8] = np.frombuffer(division_code.encode(), dtype=np.uint8)
    keys = _unique_keys(n, 31**8, rng)
    body = np.empty((n, 8), dtype=np.int64)  # GB 32100 alphabet indices
    for k in range(7, -1, -1):
        body[:, k] = keys % 31
        keys = keys // 31
    c11714 = 11 - (_V11714[body] @ GB11714_WEIGHTS) % 11
    c_idx = np.where(c11714 == 10, _IDX_X, np.where(c11714 == 11, 0, c11714))
    out[:, 8:16] = _A31[body]
    out[:, 16] = _A31[c_idx]
    vals = _ASCII_TO_31[out[:, :17]]
    out[:, 17] = _A31[(31 - (vals @ GB32100_WEIGHTS) % 31) % 31]
    return out.view("S18").reshape(n)


def credit_codes_valid(codes: np.ndarray) -> np.ndarray:
    """Vectorised :func:`credit_code_valid` over an array of codes (bool array)."""
    mat, lengths = _as_matrix(codes)
    vals = _ASCII_TO_31[mat]
    ok = (lengths == 18) & (vals >= 0).all(axis=1)
    ok &= ((mat[:, 2:8] >= ord("0")) & (mat[:, 2:8] <= ord("9"))).all(axis=1)
    vals = np.where(ok[:, None], vals, 0)
    ok &= vals[:, 17] == (31 - (vals[:, :17] @ GB32100_WEIGHTS) % 31) % 31
    c11714 = 11 - (_V11714[vals[:, 8:16]] @ GB11714_WEIGHTS) % 11
    c_idx = np.where(c11714 == 10, _IDX_X, np.where(c11714 == 11, 0, c11714))
    ok &= vals[:, 16] == c_idx
    return ok


def credit_code_valid(s: str | bytes) -> bool:
    """True if ``s`` has the GB 32100 layout and both check characters (GB 11714, GB 32100) hold."""
    if isinstance(s, str):
        try:
            s = s.encode("ascii")
        except UnicodeEncodeError:
            return False
    if len(s) != 18:
        return False
    return bool(credit_codes_valid(np.array([s], dtype="S18"))[0])


class IdColumn:
    """The subjects' ids as one column over the fixed-width arrays that hold them, with no copy.

    ``IdColumn(citizen_ids, credit_codes)`` reads like the concatenation of its parts as a
    NumPy array of ``str`` (``StringDType``): ``len``, ``ids[i]`` (a ``str``), ``ids[lo:hi]``,
    ``ids[index_array]`` and ``ids[mask]`` (``StringDType`` arrays of just those ids),
    ``np.asarray(ids)`` (the whole column, converted when asked for). Holding the population's
    ``S18`` arrays themselves (18 bytes an id) instead of a ``StringDType`` copy of them (about
    37) keeps a run's results from adding a second copy of every id at its peak (issue 12.2):
    writers convert them slice by slice.
    """

    __slots__ = ("_bounds", "_parts")

    def __init__(self, *parts: np.ndarray) -> None:
        self._parts = tuple(np.asarray(p) for p in parts)
        self._bounds = np.cumsum([0, *(p.shape[0] for p in self._parts)], dtype=np.int64)

    def __len__(self) -> int:
        return int(self._bounds[-1])

    @property
    def shape(self) -> tuple[int]:
        return (len(self),)

    @property
    def ndim(self) -> int:
        return 1

    @property
    def dtype(self) -> np.dtype:
        return np.dtypes.StringDType()

    @property
    def nbytes(self) -> int:
        return sum(int(p.nbytes) for p in self._parts)

    def _take(self, idx: np.ndarray) -> np.ndarray:
        """Ids at non-negative subject indices ``idx``, as their fixed-width bytes."""
        width = max((p.dtype.itemsize for p in self._parts), default=1)
        out = np.empty(idx.shape[0], f"S{width}")
        part = np.searchsorted(self._bounds, idx, side="right") - 1
        for k, p in enumerate(self._parts):
            mine = part == k
            if mine.any():
                out[mine] = p[idx[mine] - self._bounds[k]]
        return out

    def __getitem__(self, key: object) -> object:
        if isinstance(key, (int, np.integer)):
            i = int(key)
            n = len(self)
            if not -n <= i < n:
                raise IndexError(f"subject index {i} out of range for {n} ids")
            i %= n
            k = int(np.searchsorted(self._bounds, i, side="right")) - 1
            return self._parts[k][i - self._bounds[k]].decode()
        if isinstance(key, slice):
            lo, hi, step = key.indices(len(self))
            if step == 1:
                pieces = [
                    p[max(lo - b, 0) : max(min(hi - b, p.shape[0]), 0)]
                    for p, b in zip(self._parts, self._bounds[:-1].tolist(), strict=True)
                ]
                raw = np.concatenate(pieces) if pieces else np.zeros(0, "S1")
                return raw.astype(np.dtypes.StringDType())
            key = np.arange(lo, hi, step)
        idx = np.asarray(key)
        if idx.dtype == np.bool_:
            if idx.shape != (len(self),):
                raise IndexError("a boolean mask must have one entry per id")
            idx = np.flatnonzero(idx)
        idx = idx.astype(np.int64, copy=False).reshape(-1)
        n = len(self)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"subject index out of range for {n} ids")
        return self._take(np.where(idx < 0, idx + n, idx)).astype(np.dtypes.StringDType())

    def __iter__(self) -> Iterator[str]:
        for p in self._parts:
            for v in p:
                yield v.decode()

    def __array__(self, dtype: npt.DTypeLike | None = None, copy: bool | None = None) -> np.ndarray:
        whole = self[0 : len(self)]
        assert isinstance(whole, np.ndarray)
        return whole if dtype is None else whole.astype(dtype)

    def tolist(self) -> list[str]:
        return list(self)

    def __repr__(self) -> str:
        return f"IdColumn({len(self)} ids)"
