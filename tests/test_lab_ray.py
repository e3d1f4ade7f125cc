"""Ray: a real local cluster (``ray start --head`` on 127.0.0.1, then ``ray stop``) runs the same
sweep and compare as the local executor, and the DuckDB contents come out identical; a run
sharded K = 1, 2, 4 ways over Ray actors (``scslab run --shards K --executor ray``) stores the
same tables as the unsharded run.

Ray binds its servers to every interface of the node and turns 127.0.0.1 into the machine's
routable address, so the cluster is started inside a private network namespace
(``unshare -n``) whose only interface is loopback: there it can bind 127.0.0.1 and nothing
else. It also gets its own PID namespace (``-p -f --mount-proc``), so ``ray stop`` stops this
cluster and no other Ray on the machine, and its own HOME and temp dir (Ray keeps its auth
token in ``~/.ray`` and its sessions in ``/tmp/ray``), so two test runs at once do not meet.
The driver (a sweep joining with ``--ray-address``, a compare joining through
``RAY_ADDRESS``) runs in the same namespaces; the comparison with the local executor runs here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from scslab.cli import main as cli_main
from test_lab_sweep import contents, sweep_file
from test_partitioned import UNCOUPLED, integer_tables_equal

BIN = Path(sys.executable).parent
PORT = 26391

SCRIPT = """set -e
ip link set lo up
export RAY_USAGE_STATS_ENABLED=0 HOME="{home}"
"{ray}" start --head --port={port} --node-ip-address=127.0.0.1 --num-cpus=2 --include-dashboard=false \\
    --disable-usage-stats --object-store-memory=100000000 --temp-dir="{raytmp}" > "{tmp}/ray-start.log" 2>&1
ss -ltn > "{tmp}/listening.txt" || true
status=0
"{scslab}" sweep "{sweep}" --out "{tmp}/ray" --executor ray --ray-address 127.0.0.1:{port} --workers 2 --quiet \\
    2> "{tmp}/sweep.err" || status=$?
RAY_ADDRESS=127.0.0.1:{port} "{scslab}" compare rongcheng --reform-set policy.detection_scale=2 --runs 2 \\
    --n 600 --days 20 --executor ray --workers 2 --json --out "{tmp}/ray-compare" > "{tmp}/compare.json" \\
    2> "{tmp}/compare.err" || status=$?
# sharded runs: the shards are Ray actors (4 shards on the cluster's 2 CPUs: 2 actors); one
# shard through the API, since `scslab run --shards 1` is the plain unsharded run
"{python}" -c "$SHARD_ONE" "{tmp}/ray-shards-1" 127.0.0.1:{port} 2>> "{tmp}/shards.err" || status=$?
for k in 2 4; do
    "{scslab}" run corporate --n 600 --days 60 --shards $k --executor ray \\
        --ray-address 127.0.0.1:{port} --no-report --json --out "{tmp}/ray-shards-$k" > /dev/null \\
        2>> "{tmp}/shards.err" || status=$?
done
# partitioned: each Ray actor synthesises and simulates only its shard's provinces
for k in 2 4; do
    "{scslab}" run national-outline --n 2000 --days 900 --shards $k --partitioned --executor ray \\
        --ray-address 127.0.0.1:{port} {uncoupled} --no-report --json --out "{tmp}/ray-part-$k" > /dev/null \\
        2>> "{tmp}/shards.err" || status=$?
done
"{ray}" stop > /dev/null 2>&1 || true
exit $status
"""


SHARD_ONE = """
import sys
from scslab.lab.shards import run_sharded
from scslab.scenario.loader import load_scenario, size_overrides
from scslab.store.duck import write_run
sc = load_scenario("corporate", size_overrides(n=600, days=60))
write_run(run_sharded(sc, 1, executor="ray", address=sys.argv[2]), sys.argv[1])
"""


def test_a_real_local_ray_cluster_gives_the_local_executors_results(tmp_path):
    assert shutil.which("unshare") and shutil.which("ip"), "util-linux unshare and iproute2 ip are needed"
    sweep = sweep_file(tmp_path, series=True)
    home = tmp_path / "home"
    home.mkdir()
    raytmp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # short: Ray's socket paths must fit in 107 bytes
    script = SCRIPT.format(
        ray=BIN / "ray",
        scslab=BIN / "scslab",
        python=sys.executable,
        port=PORT,
        tmp=tmp_path,
        sweep=sweep,
        home=home,
        raytmp=raytmp,
        uncoupled=" ".join(f"--set {x}" for x in UNCOUPLED),
    )
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    env["SHARD_ONE"] = SHARD_ONE
    try:
        proc = subprocess.run(
            ["unshare", "-n", "-p", "-f", "--mount-proc", "bash", "-c", script],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        shutil.rmtree(raytmp, ignore_errors=True)
    logs = [
        f"--- {f}\n{(tmp_path / f).read_text()[-1500:]}"
        for f in ("ray-start.log", "sweep.err", "compare.err", "shards.err")
        if (tmp_path / f).exists()
    ]
    assert proc.returncode == 0, "\n".join(logs)
    listening = (tmp_path / "listening.txt").read_text()
    addrs = [line.split()[3] for line in listening.splitlines() if line.startswith("LISTEN")]
    assert any(a.endswith(f"127.0.0.1:{PORT}") or a.endswith(f"127.0.0.1]:{PORT}") for a in addrs), addrs
    assert all("127.0.0.1" in a or a.startswith("[::1]") for a in addrs), addrs  # loopback only

    assert cli_main(["sweep", str(sweep), "--out", str(tmp_path / "local"), "--quiet"]) == 0
    assert contents(tmp_path / "ray") == contents(tmp_path / "local")

    on_ray = json.loads((tmp_path / "compare.json").read_text())
    from scslab.lab.compare import compare

    local = compare("rongcheng", reform_set=["policy.detection_scale=2"], runs=2, n=600, days=20)
    assert on_ray == local.to_dict()

    # a run sharded K ways over Ray actors is the unsharded run (issue 12.4): every table alike
    from scslab.store.load import load_results
    from test_shards import assert_same_results

    base = ["run", "corporate", "--n", "600", "--days", "60", "--no-report", "--quiet"]
    assert cli_main([*base, "--out", str(tmp_path / "unsharded")]) == 0
    single = load_results(tmp_path / "unsharded")
    assert single.sanctions["target"].size > 0
    for k in (1, 2, 4):
        assert_same_results(single, load_results(tmp_path / f"ray-shards-{k}"))

    # partitioned over Ray actors: the unsharded run in the canonical row order, every integer alike
    from scslab.lab.partitioned import canonical

    sets = [x for u in UNCOUPLED for x in ("--set", u)]
    base = ["run", "national-outline", "--n", "2000", "--days", "900", *sets, "--no-report", "--quiet"]
    assert cli_main([*base, "--out", str(tmp_path / "national")]) == 0
    whole = canonical(load_results(tmp_path / "national"))
    assert whole.sanctions["target"].size > 0
    for k in (2, 4):
        integer_tables_equal(whole, load_results(tmp_path / f"ray-part-{k}"))
