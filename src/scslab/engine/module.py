"""The module contract: what every part of the day loop is, and how the loop is assembled.

Why one small base class: the published loop (``engine/sim.py``) must be the order in which
things really happen, and a newcomer must be able to add a part of an institution by
writing one class and adding one line to :data:`scslab.engine.sim.MODULES`. So every
module has the same four hooks and nothing else is called on it:

- ``init(sim)``: allocate state (once, after the population exists);
- ``configure(sim)``: re-derive parameters from ``sim.scenario`` (after ``init`` and after
  every timed change of the scenario); state carries on;
- ``step(sim, day)``: the module's part of the day, at its row of the loop;
- ``results(sim)``: what it produces (:class:`ResultSpec`), so the recorder can preallocate
  daily series and the results store can keep per-run figures and per-subject columns.

Modules do not call one another. A module reads documented shared state (``sim.state``) and
the day's events (``sim.events``) that earlier modules filled in their own steps.

Optional modules (an epidemic, reminder letters) and modules added by a user declare a
``position`` such as ``("before", "behaviour")``; :func:`assemble` places them there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    from .sim import Sim

__all__ = ["KINDS", "REDUCE", "SAMPLE_EVERY", "Module", "ResultSpec", "assemble"]

KINDS = ("series", "figure", "column", "sanction")
#: how shards' values of a result combine (:class:`ResultSpec`)
REDUCE = ("sum", "mean", "mean_subjects", "mean_approx")
#: Sampling period (days) of the population-wide means a module declares with ``every=SAMPLE_EVERY``.
SAMPLE_EVERY = 7


@dataclass(frozen=True)
class ResultSpec:
    """One declared result of a module.

    ``kind``: ``series`` (one value per day), ``figure`` (one value per run), ``column``
    (one value per subject, a column of the subjects table) or ``sanction`` (one value per
    measure application, a column of the sanctions table). ``every`` > 1 samples a series
    every that many days (and on the last day) and holds the value in between: for
    population-wide means that cost a pass over every subject.

    ``reduce`` says how the values of shards that each simulate a part of the population
    combine into the whole run's (``lab.partitioned``): ``sum`` (counts and totals: exact),
    ``mean`` (a mean over persons: the shards' means weighted by their persons),
    ``mean_subjects`` (over every subject: weighted by their subjects), ``mean_approx`` (a
    mean or ratio over another set, e.g. the scored: weighted by persons, approximate).
    """

    name: str
    unit: str
    description: str
    dtype: str = "f8"
    kind: Literal["series", "figure", "column", "sanction"] = "series"
    every: int = 1
    reduce: Literal["sum", "mean", "mean_subjects", "mean_approx"] = "sum"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"result {self.name!r}: kind must be one of {KINDS} (got {self.kind!r})")
        if self.reduce not in REDUCE:
            raise ValueError(f"result {self.name!r}: reduce must be one of {REDUCE} (got {self.reduce!r})")


class Module:
    """Base class of every module of the day loop (see the module docstring).

    Subclasses set ``name`` (the row's name in the loop table) and override the hooks they
    need; the defaults do nothing. ``position`` places an optional module relative to a
    named one, e.g. ``("after", "feedback")``; ``None`` keeps its place in the list.
    ``attributes`` maps rule-attribute names to getters ``f(sim, idx) -> array`` that list
    and measure rules may read while the module runs. ``reads_synthesised_friends`` says the
    module reads ``sim.pop.friend_net``, the friend network as synthesised, after exclusion
    has cut ties in ``sim.state.friend_net``: only then is the original kept beside the cut
    copy (otherwise ties are cut in place and the run holds one friend network).
    """

    name: ClassVar[str] = ""
    position: ClassVar[tuple[str, str] | None] = None
    attributes: ClassVar[dict[str, Any]] = {}
    reads_synthesised_friends: ClassVar[bool] = False

    def init(self, sim: Sim) -> None:
        """Allocate the module's state (called once, in loop order)."""

    def configure(self, sim: Sim) -> None:
        """Re-derive parameters from ``sim.scenario`` (after init and after timed changes)."""

    def step(self, sim: Sim, day: int) -> None:
        """The module's part of day ``day``."""

    def results(self, sim: Sim) -> list[ResultSpec]:
        """The series, figures and subject columns this module produces."""
        return []

    def record(self, sim: Sim, day: int, out: Any) -> None:
        """Write today's value of each declared series: ``out[name] = value``.

        Called by the ``results`` row at the end of the day, in loop order. ``out.sampling``
        is True on the days sampled series (``every`` = :data:`SAMPLE_EVERY`) are due; on the
        other days the recorder holds their last value. A series not written today is 0.
        """

    def finish(self, sim: Sim, out: dict[str, Any]) -> None:
        """Write each declared figure and subject column once the run is over."""

    def __repr__(self) -> str:
        return f"<module {self.name}>"


def assemble(modules: Iterable[Module]) -> list[Module]:
    """The loop order: modules without ``position`` in the order given, the others placed
    before or after the module they name (several at one anchor keep the order given).

    Raises ``ValueError`` for a duplicate name or an anchor that is not in the loop.
    """
    fixed: list[Module] = []
    placed: list[Module] = []
    names: set[str] = set()
    for m in modules:
        if not m.name:
            raise ValueError(f"{type(m).__name__}: a module needs a name")
        if m.name in names:
            raise ValueError(f"two modules are called {m.name!r}")
        names.add(m.name)
        (placed if m.position is not None else fixed).append(m)
    order = list(fixed)
    anchored: dict[tuple[str, str], list[Module]] = {}
    for m in placed:
        where, anchor = _position(m)
        at = next((i for i, x in enumerate(order) if x.name == anchor), None)
        if at is None:
            known = ", ".join(x.name for x in order)
            raise ValueError(f"module {m.name!r}: position {where} {anchor!r}: no such module (loop: {known})")
        before = anchored.setdefault((where, anchor), [])
        if where == "before":
            order.insert(at, m)
        else:
            last = max([at, *(order.index(x) for x in before)])
            order.insert(last + 1, m)
        before.append(m)
    return order


def _position(m: Module) -> tuple[str, str]:
    pos: Sequence[str] | None = m.position
    if not isinstance(pos, (tuple, list)) or len(pos) != 2 or pos[0] not in ("before", "after"):
        raise ValueError(f"module {m.name!r}: position must be ('before' | 'after', module name), got {pos!r}")
    return str(pos[0]), str(pos[1])
