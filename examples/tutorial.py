"""scslab tutorial: compare two policies on the same synthetic city.

Run it with ``.venv/bin/python examples/tutorial.py`` (the test suite runs it too, small).
Each step is explained in docs/tutorial.md.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import scslab
from scslab.report.html import write_report
from scslab.store.duck import write_run

N = int(os.environ.get("SCSLAB_TUTORIAL_N", "5000"))
YEARS = float(os.environ.get("SCSLAB_TUTORIAL_YEARS", "2"))

# 1. Run a preset. The population, its networks and every random decision come from the seed.
base = scslab.Sim("rongcheng", n=N, seed=7, years=YEARS).run()
print(
    "baseline: compliance",
    round(base.summary["compliance_rate"], 4),
    "| ever listed",
    base.summary["ever_listed"],
    "| sanctions",
    base.summary["sanctions_applied"],
)

# 2. Change one lever. Same seed = common random numbers: every person meets the same
#    opportunities and the same luck, so the difference is the policy's effect, not noise.
no_joint = scslab.Sim("rongcheng", n=N, seed=7, years=YEARS, overrides=["policy.joint_sanctions=false"]).run()
print(
    "no joint sanctions: compliance",
    round(no_joint.summary["compliance_rate"], 4),
    "| sanctions",
    no_joint.summary["sanctions_applied"],
)

# 3. Look at who bears the cost: wrongful listings and disparities come with every run.
di = base.summary["disparate_impact"]["sanctions"]["sex"]
print(
    "sanctions per capita, women relative to men:",
    di["female"]["ratio"],
    "95 % interval",
    (di["female"]["ci95_low"], di["female"]["ci95_high"]),
    "from",
    di["female"]["cases"],
    "sanctions of women",
)
print(
    "involuntary defaults by income quintile (lowest first):",
    [round(x, 3) for x in base.summary["involuntary_defaults_by_income_quintile"]],
)

# 4. The day-by-day series are a DataFrame: tidy (day, metric, value, unit) by default,
#    one column per series with wide=True.
print(base.to_df().query("metric == 'records'").tail(2))
df = base.to_df(wide=True)
print(df[["records", "listed_grade_c_d", "score_mean"]].iloc[[0, len(df) // 2, len(df) - 1]])

# 5. Store both runs in one DuckDB database and write a report for the baseline.
out = Path(os.environ.get("SCSLAB_TUTORIAL_OUT", tempfile.mkdtemp(prefix="scslab-tutorial-")))
for res in (base, no_joint):
    write_run(res, out)
write_report(base, out / "report.html")
print("database and report in", out)
