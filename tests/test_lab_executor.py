"""Executors: spawned workers kept warm across calls, results independent of the pool, failures kept."""

from __future__ import annotations

import os

import pytest

from scslab.lab.executor import Failure, LocalExecutor, SerialExecutor, Task, make_executor


def square_or_fail(x: int) -> tuple[int, int]:
    if x == 3:
        raise ValueError("three is not allowed")
    return x * x, os.getpid()


def _tasks(k: int) -> list[Task]:
    return [Task((i,), i, seed=100 + i, overrides=(f"policy.detection_scale={i}",)) for i in range(k)]


def test_a_failed_task_is_reported_with_its_seed_and_overrides_and_the_others_survive():
    seen = []
    with LocalExecutor(2) as ex:
        got = dict((t.key, v) for t, v in ex.map(square_or_fail, _tasks(6), progress=lambda p: seen.append(p.failed)))
    fail = got.pop((3,))
    assert isinstance(fail, Failure) and fail.seed == 103 and "policy.detection_scale=3" in str(fail)
    assert "three is not allowed" in fail.error
    assert {k: v[0] for k, v in got.items()} == {(i,): i * i for i in (0, 1, 2, 4, 5)}
    assert seen[-1] == 1


def test_workers_stay_alive_across_calls_and_match_the_serial_reference():
    with LocalExecutor(2) as ex:
        first = {t.key: v for t, v in ex.map(square_or_fail, _tasks(3))}
        second = {t.key: v for t, v in ex.map(square_or_fail, [Task((9,), 9), Task((8,), 8), Task((7,), 7)])}
    pids = {v[1] for v in first.values()} | {v[1] for v in second.values()}
    assert len(pids) <= 2 and os.getpid() not in pids  # the same two spawned workers did everything
    serial = {t.key: v for t, v in SerialExecutor().map(square_or_fail, _tasks(3))}
    assert {k: v[0] for k, v in first.items()} == {k: v[0] for k, v in serial.items()}


def test_make_executor_refuses_what_it_cannot_do():
    assert isinstance(make_executor("local", 1), SerialExecutor)
    with pytest.raises(ValueError):
        make_executor("local", 2, address="127.0.0.1:1")
    with pytest.raises(ValueError):
        make_executor("slurm", 2)
