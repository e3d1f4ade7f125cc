"""GB 11643 citizen ids and GB 32100 credit codes: published examples, layout, check chars."""

import numpy as np
import pytest

from scslab.population.ids import (
    GB32100_ALPHABET,
    citizen_id_valid,
    citizen_ids,
    citizen_ids_valid,
    credit_code_valid,
    credit_codes,
    credit_codes_valid,
)


def _day(s: str) -> int:
    return int(np.datetime64(s, "D").astype(np.int64))


def test_published_examples_validate():
    assert citizen_id_valid("11010519491231002X")  # the standard GB 11643 example
    assert citizen_id_valid(b"11010519491231002X")
    assert citizen_ids_valid(np.array([b"11010519491231002X"])).all()
    assert credit_code_valid("91350100M000100Y43")  # the usual GB 32100 example
    assert credit_codes_valid(np.array([b"91350100M000100Y43"])).all()


def test_invalid_examples_rejected():
    assert not citizen_id_valid("110105194912310021")  # wrong check char
    assert not citizen_id_valid("11010519490231002X")  # 31 Feb (check char would be recomputed anyway)
    assert not citizen_id_valid("11010519491231002")  # too short
    assert not citizen_id_valid("1101051949123100AX")
    assert not credit_code_valid("91350100M000100Y44")
    assert not credit_code_valid("91350100M000100Y53")  # GB 11714 check broken
    assert not credit_code_valid("91350100M000I00Y43")  # 'I' is outside the alphabet
    assert not credit_code_valid("91350100M000100Y4")


def test_invalid_date_with_correct_check_char_rejected():
    # 1949-02-30 does not exist; give it a correct MOD 11-2 check char so only the date fails.
    body = "11010519490230002"
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "0123456789X"[(12 - sum(int(c) * k for c, k in zip(body, w)) % 11) % 11]
    assert not citizen_id_valid(body + check)
    assert not citizen_ids_valid(np.array([(body + check).encode()]))[0]


def test_citizen_ids_layout_parity_unique():
    rng = np.random.default_rng(3)
    n = 20_000
    birth = np.full(n, _day("1990-05-17"), dtype=np.int32)  # one date: forces many sequences
    birth[: n // 2] = rng.integers(_day("1930-01-01"), _day("2019-12-31"), n // 2)
    sex = rng.integers(0, 2, n).astype(np.int8)
    ids = citizen_ids("990101", birth, sex, rng)
    assert ids.dtype == np.dtype("S18") and ids.shape == (n,)
    assert np.unique(ids).shape[0] == n
    assert citizen_ids_valid(ids).all()
    assert all(citizen_id_valid(s) for s in ids[:300])
    text = ids.astype(str)
    seq = np.array([int(s[14:17]) for s in text])
    assert (seq % 2 == (sex == 0)).all()  # odd for men, even for women
    dates = np.array([np.datetime64(f"{s[6:10]}-{s[10:12]}-{s[12:14]}") for s in text])
    assert (dates.astype(np.int64) == birth).all()
    # 10 000 persons share one date: 500 slots per (division, date, sex) spill into the next codes
    divisions = {s[:6] for s in text}
    assert "990101" in divisions and divisions <= {f"{990101 + k:06d}" for k in range(20)}


def test_credit_codes_layout_unique():
    rng = np.random.default_rng(4)
    kind = np.repeat(np.array([1, 2, 3], dtype=np.int8), [3000, 500, 100])
    codes = credit_codes(kind.shape[0], "990101", kind, rng)
    assert codes.dtype == np.dtype("S18")
    assert np.unique(codes).shape[0] == kind.shape[0]
    assert credit_codes_valid(codes).all()
    text = codes.astype(str)
    assert all(t[:2] == "91" for t in text[:3000])
    assert all(t[0] == "5" and t[1] in "123" for t in text[3000:3500])
    assert all(t[:2] == "11" for t in text[3500:])
    assert all(t[2:8] == "990101" for t in text)
    assert all(credit_code_valid(t) for t in text[::50])


def test_any_single_character_change_breaks_validity():
    rng = np.random.default_rng(5)
    ids = citizen_ids("990101", rng.integers(-10000, 18000, 5).astype(np.int32), rng.integers(0, 2, 5), rng).astype(str)
    for s in ids:
        for pos in range(18):
            for c in "0123456789X":
                if c != s[pos]:
                    assert not citizen_id_valid(s[:pos] + c + s[pos + 1 :]), (s, pos, c)
    codes = credit_codes(5, "990101", np.array([1, 1, 2, 3, 2]), rng).astype(str)
    for s in codes:
        for pos in range(18):
            for c in GB32100_ALPHABET:
                if c != s[pos]:
                    assert not credit_code_valid(s[:pos] + c + s[pos + 1 :]), (s, pos, c)


def test_determinism_and_bad_inputs():
    b = np.arange(1000, dtype=np.int32) * 7
    s = (np.arange(1000) % 2).astype(np.int8)
    a1 = citizen_ids("990101", b, s, np.random.default_rng(9))
    a2 = citizen_ids("990101", b, s, np.random.default_rng(9))
    assert np.array_equal(a1, a2)
    k = np.ones(50, dtype=np.int8)
    assert np.array_equal(
        credit_codes(50, "990101", k, np.random.default_rng(9)), credit_codes(50, "990101", k, np.random.default_rng(9))
    )
    with pytest.raises(ValueError):
        citizen_ids("99010", b, s, np.random.default_rng(0))
    with pytest.raises(ValueError):
        credit_codes(3, "990101", np.array([1, 4, 1]), np.random.default_rng(0))
