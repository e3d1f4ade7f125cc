"""The repair row: expiry, credit repair and objections (facts 1.14-1.16).

Every new record is scheduled at once: its expiry (by severity), a repair application if
the subject will apply after the waiting period (3 months, 6 months or 3 years; serious
cases also take a repair course), and an objection if the subject disputes it. Objections
flag the record as disputed and are verified within ``verify_days`` (20 under the 2013
Regulations, Art. 25); a record found wrong is corrected and the spells it caused end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..codes import SEVERITIES
from .module import Module, ResultSpec
from .queue import DayQueue
from .records import ACTIVE, CORRECTED, DISPUTED, EXPIRED, REPAIRED

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["COURSE_DAYS", "RepairModule"]

COURSE_DAYS = 30  # a certified repair course before serious cases can be repaired (facts 1.16)


class RepairModule(Module):
    """records expire, are repaired, objected to and verified"""

    name = "repair"

    def init(self, sim: Sim) -> None:
        self.q_expire, self.q_repair, self.q_object, self.q_verify = DayQueue(), DayQueue(), DayQueue(), DayQueue()
        self.reset_counters()
        self.totals = {"expired": 0, "repaired": 0, "objections": 0, "corrected": 0, "wrongly_corrected": 0}
        # each record's draw key: the day it was written and its rank among its subject's records
        # of that day (``day << 16 | rank``), known to whichever shard holds the subject (a row id
        # is not: rows are appended in each process's own order); int64, since a run may last
        # 36,500 days and day << 16 passes 2**31 after day 32,767
        self.key = np.zeros(1024, np.int64)
        self.configure(sim)

    def configure(self, sim: Sim) -> None:
        """Expiry and waiting periods by severity (a timed change applies to records written later)."""
        cfg = sim.scenario.repair
        self.expiry = np.array([cfg.expiry_days[s] for s in SEVERITIES], np.int64)
        self.wait = np.array(
            [cfg.wait_days[s] + (COURSE_DAYS if s in cfg.course_required else 0) for s in SEVERITIES], np.int64
        )

    def reset_counters(self) -> None:
        self.today = {"expired": 0, "repaired": 0, "objections": 0, "corrected": 0}

    def schedule(self, sim: Sim, ids: np.ndarray, day: int) -> None:
        """Plan each new record's life: expiry, repair application, objection."""
        if ids.size == 0:
            return
        cfg, pol, rec = sim.scenario.repair, sim.scenario.policy, sim.state.records
        sev = rec["severity"][ids]
        self.q_expire.push(day + self.expiry[sev], ids)
        bad = rec["points"][ids] < 0
        subj = rec["subject"][ids]
        key = self._keys(ids, subj, day)
        if pol.repair:
            u = sim.streams.uniform_sub("repair.apply", day, subj, key)
            go = bad & (u < cfg.apply_share)
            self.q_repair.push(day + self.wait[sev[go]], ids[go])
        if pol.objections:
            u = sim.streams.uniform_sub("repair.object", day, subj, key)
            share = np.where(rec["true"][ids], cfg.objection_share_true, cfg.objection_share_false)
            obj = bad & (u < share)
            u2 = sim.streams.uniform_sub("repair.object_day", day, subj, key)
            self.q_object.push(day + 1 + np.floor(u2[obj] * 30).astype(np.int64), ids[obj])

    def step(self, sim: Sim, day: int) -> None:
        """Plan today's new records; retire, dispute and verify the records due today.

        Status changes are written to the records table at once (later checks today see
        them); what they mean for counters, scores and spells is the retirement row's job,
        read from ``events.records_retired`` and ``events.records_corrected``.
        """
        self.reset_counters()
        rec, cfg = sim.state.records, sim.scenario.repair
        self.schedule(sim, sim.events.records_written, day)
        self.today["expired"] = self._retire(sim, self.q_expire.pop(day), EXPIRED, day).size
        ids = self.q_repair.pop(day)
        if ids.size and sim.scenario.policy.repair:
            # repair needs the underlying obligation performed first
            subj = rec["subject"][ids]
            owing = sim.state.debt[subj] > 0
            self.q_repair.push(day + 30, ids[owing])
            self.today["repaired"] = self._retire(sim, ids[~owing], REPAIRED, day).size
        ids = self.q_object.pop(day)
        if ids.size:
            ids = ids[rec["status"][ids] == ACTIVE]
            rec["status"][ids] = DISPUTED
            self.q_verify.push(day + cfg.verify_days, ids)
            self.today["objections"] = ids.size
        ids = self.q_verify.pop(day)
        if ids.size:
            ids = ids[rec["status"][ids] == DISPUTED]
            u = sim.streams.uniform_sub("repair.verify", day, rec["subject"][ids], self.key[ids])
            right = u < cfg.verify_accuracy
            false = ~rec["true"][ids]
            fix = ids[(false & right) | (~false & ~right)]
            keep = ids[~((false & right) | (~false & ~right))]
            rec["status"][keep] = ACTIVE
            fixed = self._retire(sim, fix, CORRECTED, day)
            self.totals["wrongly_corrected"] += int(rec["true"][fixed].sum())
            self.today["corrected"] = fixed.size
            sim.events.records_corrected = fixed
        for k, v in self.today.items():
            self.totals[k] += v

    def _keys(self, ids: np.ndarray, subj: np.ndarray, day: int) -> np.ndarray:
        """The draw keys of records ``ids`` written today by ``subj`` (kept in :attr:`key`).

        A record's key is ``day << 16 | rank``, its rank among its subject's records written
        today in the order written (a subject's records keep their relative order in any
        shard; rows of different subjects do not).
        """
        order = np.argsort(subj, kind="stable")
        s = subj[order]
        first = np.r_[True, s[1:] != s[:-1]] if s.size else np.zeros(0, np.bool_)
        start = np.maximum.accumulate(np.where(first, np.arange(s.size), 0)) if s.size else s
        rank = np.empty(ids.size, np.int64)
        rank[order] = np.arange(s.size) - start
        key = (np.int64(day) << 16) | np.minimum(rank, 0xFFFF)
        top = int(ids.max()) + 1
        if top > self.key.size:
            grown = np.zeros(max(top, 2 * self.key.size), np.int64)
            grown[: self.key.size] = self.key
            self.key = grown
        self.key[ids] = key
        return key

    @staticmethod
    def _retire(sim: Sim, ids: np.ndarray, status: int, day: int) -> np.ndarray:
        live = sim.state.records.end(ids, status, day)
        if live.size:
            sim.events.records_retired.append((status, live))
        return live

    # -- results --------------------------------------------------------------------------
    def results(self, sim: Sim) -> list[ResultSpec]:
        """Records that left the books today, by way, and the objections filed."""
        return [
            ResultSpec("expired", "records", "records whose term ended today"),
            ResultSpec("repaired", "records", "records repaired today (credit repair)"),
            ResultSpec("objections", "records", "objections filed today"),
            ResultSpec("corrected", "records", "records corrected today after an objection"),
            *(
                ResultSpec(f"{k}_total", "records", f"{k} over the run", "i8", kind="figure")
                for k in ("expired", "repaired", "objections", "corrected", "wrongly_corrected")
            ),
        ]

    def record(self, sim: Sim, day: int, out: Any) -> None:
        for k in ("expired", "repaired", "objections", "corrected"):
            out[k] = self.today[k]

    def finish(self, sim: Sim, out: dict[str, Any]) -> None:
        for k, v in self.totals.items():
            out[f"{k}_total"] = int(v)
