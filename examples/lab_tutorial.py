"""scslab lab tutorial: does doubling camera coverage reduce violations more than doubling
sanctions, and who pays for it?

Run it with ``.venv/bin/python examples/lab_tutorial.py`` (the test suite runs it too, small).
Each step is explained in docs/lab.md. Workers are spawned processes, which import this file
again: the work must sit under ``if __name__ == "__main__":``, as in any multiprocessing script.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import scslab
from scslab.report.lab import compare_page, sensitivity_page, sweep_page


def main() -> None:
    N = int(os.environ.get("SCSLAB_LAB_N", "5000"))
    DAYS = int(os.environ.get("SCSLAB_LAB_DAYS", "365"))
    RUNS = int(os.environ.get("SCSLAB_LAB_RUNS", "8"))
    WORKERS = int(os.environ.get("SCSLAB_LAB_WORKERS", "2"))
    OUT = Path(os.environ.get("SCSLAB_LAB_OUT") or tempfile.mkdtemp(prefix="scslab-lab-"))
    OUT.mkdir(parents=True, exist_ok=True)
    METRICS = ["series.violations.sum", "compliance_rate", "records_false", "sanctions_applied", "wrongful_sanctions"]

    # 1. Two reforms of Rongcheng as scenario files. "Cameras doubled": the traffic cameras see
    #    twice as much (detection shares x2, rural coverage up to the urban level) and, being twice
    #    as many, make twice as many false matches. "Sanctions doubled": every sanction twice as severe.
    cameras = OUT / "cameras.toml"
    cameras.write_text(
        'extends = "rongcheng"\nname = "cameras-doubled"\n\n[[sources]]\nname = "traffic_police"\n'
        "detects = { traffic_violation = 0.6, drunk_driving = 1.0 }\ncoverage_rural = 1.0\n"
        "false_match_per_year = 0.004\n",
        encoding="utf-8",
    )
    sanctions = OUT / "sanctions.toml"
    sanctions.write_text('extends = "rongcheng"\nname = "sanctions-doubled"\n\n[policy]\nsanction_scale = 2.0\n')

    # 2. Compare each with the baseline, and the two with each other. Run i of every arm uses
    #    seed 1 + i: the same people meet the same luck, so every difference is paired.
    common = dict(runs=RUNS, n=N, days=DAYS, seed=1, workers=WORKERS, metrics=METRICS)
    cam = scslab.compare("rongcheng", cameras, out=OUT / "cameras", **common)
    san = scslab.compare("rongcheng", sanctions, out=OUT / "sanctions", **common)
    duel = scslab.compare(sanctions, cameras, out=OUT / "duel", **common)
    for label, res in (("cameras doubled", cam), ("sanctions doubled", san), ("cameras minus sanctions", duel)):
        v = res.metrics["series.violations.sum"]
        print(
            f"{label}: violations {v['diff']:+.1f} [{v['ci_low']:+.1f}, {v['ci_high']:+.1f}] "
            f"(independent seeds: an interval {v['ci_width_independent'] / max(v['ci_width'], 1e-9):.1f}x wider)"
        )

    # 3. Who pays: every record lowers a score, and the cameras' false matches fall three times
    #    as often on women (facts 8.7). Per person, same people in both arms:
    for row in cam.winners("score", "sex").itertuples():
        print(f"cameras, score, {row.category}: {row.worse_off:.2%} worse off, {row.better_off:.2%} better off")
    q = cam.winners("score", "income_quintile")
    print("cameras, score, worse off by income quintile:", {r.category: round(r.worse_off, 4) for r in q.itertuples()})
    compare_page(
        OUT / "cameras" / "compare.html", "cameras doubled vs Rongcheng", cam.metrics_frame(), cam.winners_losers
    )

    # 4. A sweep: violations against camera detection and sanction severity, 2 replicates a point.
    sweep = scslab.Sweep(
        {
            "base": "rongcheng",
            "n": N,
            "days": DAYS,
            "replicates": 2,
            "metrics": ["series.violations.sum", "wrongful_sanctions"],
            "parameters": [
                {
                    "path": "sources.traffic_police.detects.traffic_violation",
                    "low": 0.15,
                    "high": 0.9,
                    "sample": "grid",
                    "points": 3,
                },
                {"path": "policy.sanction_scale", "values": [1.0, 2.0]},
            ],
        }
    )
    sw = sweep.run(OUT / "sweep", workers=WORKERS)
    summary = sw.summary()
    sweep_page(OUT / "sweep" / "sweep.html", "violations vs cameras and sanctions", summary, sw.parameters)
    print("sweep points:", len(sw.points), "| runs stored:", len(sw.runs()) // 2)

    # 5. Sensitivity: Morris screening over the same two ranges. Which lever moves violations most?
    sens = scslab.sensitivity(
        {
            "base": "rongcheng",
            "n": N,
            "days": DAYS,
            "replicates": 2,
            "trajectories": 4,
            "metrics": ["series.violations.sum"],
            "parameters": [
                {"path": "sources.traffic_police.detects.traffic_violation", "low": 0.15, "high": 0.9},
                {"path": "policy.sanction_scale", "low": 0.5, "high": 3.0},
            ],
        },
        "morris",
        out=OUT / "sensitivity",
        workers=WORKERS,
    )
    ranked = sens.ranked("series.violations.sum")
    print("most influential on violations:", ranked["parameter"].iloc[0], f"(mu* {ranked['value'].iloc[0]:.1f})")
    sensitivity_page(OUT / "sensitivity" / "sensitivity.html", "what moves violations", sens.indices, "morris")
    print("charts in", OUT)


if __name__ == "__main__":
    main()
