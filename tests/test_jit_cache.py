"""The compiled-kernel cache stays consistent when processes save at the same moment (scslab.jit)."""

from __future__ import annotations

import threading
import time

from numba.core import caching

import scslab.jit  # installs the lock


def _race(tmp_path, save) -> dict:
    """Two writers save different keys of one function's cache; each reads the index, then
    waits long enough for the other to read it too before writing (the window of the race)."""

    class SlowIndex(caching.IndexDataCacheFile):
        def _load_index(self):
            overloads = super()._load_index()
            time.sleep(0.2)
            return overloads

    SlowIndex.save = save
    files = [SlowIndex(str(tmp_path), "kernel-1.py311", ("stamp", 1)) for _ in range(2)]
    threads = [threading.Thread(target=f.save, args=((f"sig{i}",), f"code of sig{i}")) for i, f in enumerate(files)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reader = caching.IndexDataCacheFile(str(tmp_path), "kernel-1.py311", ("stamp", 1))
    return {key: reader.load((key,)) for key in ("sig0", "sig1")}


def test_concurrent_saves_keep_every_signature_with_its_own_code(tmp_path):
    assert caching.IndexDataCacheFile.save.scslab_locked  # installed by importing scslab.jit
    got = _race(tmp_path, caching.IndexDataCacheFile.save)
    assert got == {"sig0": "code of sig0", "sig1": "code of sig1"}


def test_numbas_own_save_loses_or_mixes_a_signature_in_the_same_race(tmp_path):
    """The failure the lock prevents: without it one signature is lost or points at the other's code."""
    unlocked = caching.IndexDataCacheFile.save.__wrapped__
    got = _race(tmp_path, unlocked)
    assert got != {"sig0": "code of sig0", "sig1": "code of sig1"}


def test_every_kernel_module_takes_njit_from_scslab_jit():
    """A module importing numba's njit directly would compile without the lock."""
    from pathlib import Path

    src = Path(scslab.jit.__file__).parent
    direct = [
        str(p.relative_to(src))
        for p in src.rglob("*.py")
        if p.name != "jit.py" and any(line.startswith("from numba import") for line in p.read_text().splitlines())
    ]
    assert direct == []
