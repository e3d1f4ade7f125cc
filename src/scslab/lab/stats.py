"""Intervals for experiments, from scipy.stats: paired differences, means, what pairing bought.

- :func:`paired` -- run i of the baseline and run i of the reform share a seed, so the
  difference ``d_i = reform_i - baseline_i`` removes the luck both arms share. The 95 %
  interval of mean(d) is Student's t on the d_i; where the d_i are skewed
  (|skewness| > 1 with at least 8 runs) a BCa bootstrap interval (``scipy.stats.bootstrap``,
  fixed random state, so the numbers are reproducible) is reported instead, with the t
  interval kept alongside. ``ci_width_independent`` is the width of Welch's interval on the
  same runs treated as two unpaired samples: what the user would have had with
  independent seeds. When every d_i is identical (a scenario compared with itself) the
  interval is exactly [d, d].
- :func:`mean_ci` -- mean and t interval of one sample (ensembles, sweep points).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["CI_LEVEL", "mean_ci", "paired", "welch_width"]

CI_LEVEL = 0.95
SKEW_LIMIT = 1.0
MIN_BOOTSTRAP = 8


def _t(df: float) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + CI_LEVEL / 2, df))


def mean_ci(values: Sequence[float] | np.ndarray) -> tuple[float, float, float]:
    """(mean, low, high): Student-t 95 % interval of the mean; NaN bounds for fewer than 2 values."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if x.size < 2:
        return m, math.nan, math.nan
    sd = float(x.std(ddof=1))
    h = _t(x.size - 1) * sd / math.sqrt(x.size) if sd > 0 else 0.0
    return m, m - h, m + h


def welch_width(a: np.ndarray, b: np.ndarray) -> float:
    """Width of Welch's 95 % interval for mean(a) - mean(b), the samples taken as independent."""
    na, nb = a.size, b.size
    if na < 2 or nb < 2:
        return math.nan
    va, vb = float(a.var(ddof=1)) / na, float(b.var(ddof=1)) / nb
    se = math.sqrt(va + vb)
    if se == 0:
        return 0.0
    df = (va + vb) ** 2 / ((va**2) / (na - 1) + (vb**2) / (nb - 1))
    return 2.0 * _t(df) * se


def paired(baseline: Sequence[float], reform: Sequence[float]) -> dict[str, Any]:
    """Everything ``scslab compare`` reports for one metric (keys of the ``--json`` output)."""
    from scipy import stats

    b = np.asarray(baseline, dtype=np.float64)
    r = np.asarray(reform, dtype=np.float64)
    ok = np.isfinite(b) & np.isfinite(r)
    b, r = b[ok], r[ok]
    k = int(b.size)
    out: dict[str, Any] = {
        "baseline": float(b.mean()) if k else math.nan,
        "reform": float(r.mean()) if k else math.nan,
        "diff": math.nan,
        "ci_low": math.nan,
        "ci_high": math.nan,
        "ci_level": CI_LEVEL,
        "ci_method": "paired_t",
        "ci_width": math.nan,
        "ci_width_independent": math.nan,
        "sd_diff": math.nan,
        "runs": k,
    }
    if k == 0:
        return out
    d = r - b
    mean, lo, hi = mean_ci(d)
    sd = float(d.std(ddof=1)) if k > 1 else math.nan
    out.update(diff=mean, ci_low=lo, ci_high=hi, t_ci_low=lo, t_ci_high=hi, sd_diff=sd)
    if k >= MIN_BOOTSTRAP and sd > 0:
        skew = float(stats.skew(d, bias=False))
        out["skew_diff"] = skew
        if abs(skew) > SKEW_LIMIT:
            res = stats.bootstrap(
                (d,),
                np.mean,
                confidence_level=CI_LEVEL,
                method="BCa",
                n_resamples=4999,
                random_state=np.random.default_rng(20240601),
            )
            blo, bhi = float(res.confidence_interval.low), float(res.confidence_interval.high)
            if math.isfinite(blo) and math.isfinite(bhi):
                out.update(ci_low=blo, ci_high=bhi, ci_method="bootstrap_bca")
    out["ci_width"] = out["ci_high"] - out["ci_low"]
    out["ci_width_independent"] = welch_width(r, b)
    return out
