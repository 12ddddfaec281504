"""Disclosure control (docs/rules.md §4): primary and secondary suppression, and the attack that checks it.

A published table is a list of cells (its counts) and a list of sums the public can form from
it and from other published files. Each sum is an equation: cells with coefficients +1 or -1
adding to zero. A cell is *known* when its value is public anyway (for example the national
totals of `sin_total_notifications`).

`suppress` first applies the rule as written: counts from 1 to the threshold are suppressed;
then, wherever a sum has exactly one suppressed cell, the smallest non-zero unsuppressed cell
of that sum is suppressed too (ties: the first in publication order), until nothing changes.
Where a sum has no non-zero cell left, its first zero cell is suppressed instead, or the
suppressed cell would be the difference of published figures. The rule looks at one sum at a
time, and sums taken together can still pin a cell down; so `suppress` then attacks its own
result (`disclosed`) and, for every cell it can work out, suppresses one more cell of a sum
that cell is in, and starts again until the attack finds nothing.

`disclosed` is the intruder: it takes every sum at once, with every count at least zero. A
suppressed cell is worked out when the sums fix it (it is not moved by any solution of the
homogeneous system) or when the bounds pin it to a single whole number (linear programming).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import linprog

from pipelines.disclosure import optimal

Equation = dict[int, int]  # cell index -> coefficient (+1 or -1); the cells add to zero
SPARSE_SHARE = 0.25  # a group of sums with fewer counts than this share above the threshold is hidden whole
SPARSE_MIN_CELLS = 50  # ...in a group at least this large (a year of a table, not a hand-made example)
MAX_ROUNDS = 10  # rounds of one more cell per worked-out cell, before hiding whole sums


@dataclass(frozen=True)
class Cells:
    values: Sequence[int]
    order: Sequence[int]  # publication order, for ties
    known: Sequence[bool]  # public elsewhere, so never worth suppressing


def _apply_rule(
    cells: Cells, equations: Sequence[Equation], containing: dict[int, list[int]], suppressed: list[bool]
) -> None:
    """Secondary suppression as docs/rules.md §4 words it, in place, until nothing changes.

    A worklist of sums to look at again: a sum needs another look only when one of its cells
    has just been suppressed.
    """
    pending = list(range(len(equations)))
    queued = set(pending)
    while pending:
        number = pending.pop()
        queued.discard(number)
        equation = equations[number]
        if sum(1 for i in equation if suppressed[i] and not cells.known[i]) != 1:
            continue
        pick = _cheapest(cells, equation, suppressed)
        if pick is None:
            continue
        suppressed[pick] = True
        for other in containing.get(pick, []):
            if other not in queued:
                queued.add(other)
                pending.append(other)


def _cheapest(cells: Cells, equation: Equation, suppressed: list[bool]) -> int | None:
    """The smallest non-zero open cell of a sum (first in publication order), else a zero one."""
    open_cells = [i for i in equation if not suppressed[i] and not cells.known[i]]
    candidates = [i for i in open_cells if cells.values[i] > 0] or open_cells
    return min(candidates, key=lambda i: (cells.values[i], cells.order[i])) if candidates else None


def _sparse_groups(cells: Cells, equations: Sequence[Equation], primary_max: int) -> set[int]:
    """Cells of linked groups of sums (a year of a table) where few counts are above the threshold.

    Such a group (a year of very few notifications) is hidden whole: with almost every count
    small, secondary suppression would hide nearly everything anyway, one costly step at a time.
    """
    sparse = set()
    for members in optimal.groups(equations):
        large = sum(1 for cell in members if cells.values[cell] > primary_max)
        if len(members) >= SPARSE_MIN_CELLS and large < SPARSE_SHARE * len(members):
            sparse.update(members)
    return sparse


OPTIMAL_TIME_LIMIT = 30.0  # seconds for one year of a file's integer program, before the greedy rule decides it
OPTIMAL = "integer programming"
GREEDY = "greedy rule"
WHOLE = "whole year (few counts above the threshold)"


@dataclass(frozen=True)
class Suppression:
    hidden: list[bool]
    method: list[str | None]  # per cell: what chose its year's pattern (None: a cell in no sum)


def suppress(
    cells: Cells, equations: Sequence[Equation], primary_max: int, time_limit: float = OPTIMAL_TIME_LIMIT
) -> Suppression:
    """Which cells to publish as `c`: counts from 1 to the threshold, then, year by year (each linked
    group of sums), the fewest more that protect them (pipelines/disclosure/optimal.py), or the greedy
    rule where the integer program is infeasible or out of time."""
    suppressed = [1 <= value <= primary_max for value in cells.values]
    method: list[str | None] = [None] * len(suppressed)
    equations = _hide_sparse_groups(cells, equations, primary_max, suppressed, method)
    fallback: list[tuple[list[int], list[Equation], str]] = []
    solved: list[tuple[list[int], list[Equation]]] = []
    for members in optimal.groups(equations):
        problem, sums = optimal.problem_of(members, cells.values, cells.known, equations, primary_max, cells.order)
        solution = _solve(_Key.of(problem), primary_max, time_limit)
        if solution.hidden is None:
            fallback.append((members, sums, "out of time" if solution.timed_out else "infeasible"))
            continue
        for cell, hide in zip(members, solution.hidden, strict=True):
            suppressed[cell] = suppressed[cell] or hide
            method[cell] = OPTIMAL
        solved.append((members, sums))
    # The exhaustive attack, once over every sum: a year whose pattern it breaks goes to the greedy rule.
    pinned = set(disclosed(cells.values, suppressed, cells.known, equations, exhaustive=True))
    for members, sums in solved:
        if pinned & set(members):
            for cell in members:
                suppressed[cell] = 1 <= cells.values[cell] <= primary_max
            fallback.append((members, sums, "its pattern failed the exhaustive attack"))
    for members, sums, reason in fallback:
        _greedy(cells, sums, suppressed)
        for cell in members:
            method[cell] = f"{GREEDY} (integer programming {reason})"
    return Suppression(suppressed, method)


@dataclass(frozen=True)
class _Key:
    """A group's problem as a hashable value: the same year's cells give the same pattern."""

    values: tuple[int, ...]
    known: tuple[bool, ...]
    sums: bytes
    shape: tuple[int, int]
    rank: tuple[int, ...]

    @classmethod
    def of(cls, problem: optimal.Problem) -> _Key:
        return cls(
            tuple(problem.values),
            tuple(problem.known),
            problem.sums.astype(np.int8).tobytes(),
            problem.sums.shape,
            tuple(problem.rank),
        )


@lru_cache(maxsize=256)
def _solve(key: _Key, primary_max: int, time_limit: float) -> optimal.Solution:
    """The integer program of a group, once per process for the same cells (a run builds a year's
    table again with the same counts: the incremental build and the full one, the release and the run)."""
    sums = np.frombuffer(key.sums, dtype=np.int8).reshape(key.shape).astype(float)
    problem = optimal.problem_from(list(key.values), list(key.known), sums, primary_max, list(key.rank))
    return optimal.solve(problem, primary_max, time_limit)


def greedy(cells: Cells, equations: Sequence[Equation], primary_max: int) -> list[bool]:
    """The greedy rule alone (docs/rules.md §4 as the contract words it), for comparison and as the fallback."""
    suppressed = [1 <= value <= primary_max for value in cells.values]
    method: list[str | None] = [None] * len(suppressed)
    equations = _hide_sparse_groups(cells, equations, primary_max, suppressed, method)
    _greedy(cells, equations, suppressed)
    return suppressed


def _hide_sparse_groups(
    cells: Cells,
    equations: Sequence[Equation],
    primary_max: int,
    suppressed: list[bool],
    method: list[str | None],
) -> list[Equation]:
    """Hide the sparse groups whole (in place), and return the sums of the other groups."""
    sparse = _sparse_groups(cells, equations, primary_max)
    if not sparse:
        return list(equations)
    for cell in sparse:
        suppressed[cell] = suppressed[cell] or not cells.known[cell]
        method[cell] = WHOLE
    sparse_sums = [equation for equation in equations if any(cell in sparse for cell in equation)]
    # What the public totals still pin down (zeros under a zero total) is no secret: publish it.
    for cell in disclosed(cells.values, suppressed, cells.known, sparse_sums, exhaustive=True):
        suppressed[cell] = False
    return [equation for equation in equations if not any(cell in sparse for cell in equation)]


def _greedy(cells: Cells, equations: Sequence[Equation], suppressed: list[bool]) -> None:
    """The greedy rule on these sums, in place: then as many more as the attack needs."""
    containing: dict[int, list[int]] = {}
    for number, equation in enumerate(equations):
        for cell in equation:
            containing.setdefault(cell, []).append(number)
    rounds = 0
    while True:
        _apply_rule(cells, equations, containing, suppressed)
        pinned = disclosed(cells.values, suppressed, cells.known, equations)
        if not pinned:
            return
        rounds += 1
        if rounds > MAX_ROUNDS:
            # A table of small counts throughout: hide every open cell of the sums that still
            # give a cell away, which cannot give anything away.
            hidden = sum(suppressed)
            for cell in pinned:
                for number in containing.get(cell, []):
                    for other in equations[number]:
                        if not cells.known[other]:
                            suppressed[other] = True
            if sum(suppressed) == hidden:
                # Nothing more can be hidden and a cell is still given away (only cells a reader
                # knows are left open): stop here; the disclosure check then fails the run and
                # names the cell, where looping on would never end.
                return
            continue
        for cell in pinned:
            found = [_cheapest(cells, equations[n], suppressed) for n in containing.get(cell, [])]
            options = [i for i in found if i is not None]
            if options:
                suppressed[min(options, key=lambda i: (cells.values[i] == 0, cells.values[i], cells.order[i]))] = True


def _components(unknown: list[int], equations: Sequence[Equation]) -> list[tuple[list[int], list[Equation]]]:
    """Groups of suppressed cells linked by sums, each with the sums that touch it."""
    parent = {cell: cell for cell in unknown}

    def find(cell: int) -> int:
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    touching = []
    for equation in equations:
        members = [cell for cell in equation if cell in parent]
        if not members:
            continue
        touching.append((members[0], equation))
        for cell in members[1:]:
            parent[find(cell)] = find(members[0])
    groups: dict[int, tuple[list[int], list[Equation]]] = {}
    for cell in unknown:
        groups.setdefault(find(cell), ([], []))[0].append(cell)
    for anchor, equation in touching:
        groups[find(anchor)][1].append(equation)
    return list(groups.values())


def disclosed(
    values: Sequence[int],
    suppressed: Sequence[bool],
    known: Sequence[bool],
    equations: Sequence[Equation],
    exhaustive: bool = False,
) -> list[int]:
    """Indices of suppressed cells whose value the published figures pin down exactly.

    The intruder knows what a reader knows: zeros are published as 0, so every `c` is at least 1
    (docs/rules.md §4). Where a true zero had to be hidden, that belief is wrong and the sums
    cannot all hold with it; the intruder then falls back to every `c` being at least 0.

    Only published values are used, except to skip linear programs that cannot pin a cell
    (when no suppressed value is at its lower bound); `exhaustive` runs them all, as an outside
    intruder who knows nothing of the suppressed values must.
    """
    unknown = [i for i, s in enumerate(suppressed) if s and not known[i]]
    pinned: list[int] = []
    for cells, sums in _components(unknown, equations):
        pinned += _pinned_in(values, cells, sums, exhaustive, lowest=1)
    return sorted(pinned)


def _pinned_in(
    values: Sequence[int], cells: list[int], sums: list[Equation], exhaustive: bool, lowest: int
) -> list[int]:
    """The cells of one linked group that every solution with each cell at least `lowest` fixes."""
    pinned: list[int] = []
    position = {cell: k for k, cell in enumerate(cells)}
    a = np.zeros((len(sums), len(cells)))
    b = np.zeros(len(sums))
    for row, equation in enumerate(sums):
        for cell, coefficient in equation.items():
            if cell in position:
                a[row, position[cell]] += coefficient
            else:
                b[row] -= coefficient * values[cell]
    # In y = x - lowest (y >= 0): cells every solution holds at y = 0 are pinned by the bounds;
    # with every true value above the bound the true values are an interior point, and none
    # can be (skipped unless exhaustive).
    b = b - a.sum(axis=1) * lowest
    at_bound = exhaustive or any(values[cell] <= lowest for cell in cells)
    try:
        forced = _forced_zero(a, b) if at_bound else set()
    except ValueError:
        if lowest == 0:
            raise
        # A hidden true zero: the reader's `c >= 1` cannot hold; they learn only that.
        return _pinned_in(values, cells, sums, exhaustive, lowest=0)
    # A cell held at the bound is given away only if the bound is its true value: where a hidden
    # true zero makes `c >= 1` wrong, the single point the reader finds is not the truth.
    pinned += [cells[k] for k in sorted(forced) if values[cells[k]] == lowest]
    # Among the rest, some solution has them all above the bound, so a cell moves both ways
    # unless no solution of A x = 0 moves it: then the sums alone fix it.
    rest = [k for k in range(len(cells)) if k not in forced]
    if not rest:
        return sorted(pinned)
    sub = a[:, rest]
    if sub.shape[0]:
        _, singular, vt = np.linalg.svd(sub)
        rank = int((singular > 1e-9).sum())
        null_space = vt[rank:].T
    else:
        null_space = np.eye(len(rest))
    movable = np.abs(null_space).sum(axis=1) > 1e-9 if null_space.size else np.zeros(len(rest), bool)
    pinned += [cells[k] for k, free in zip(rest, movable, strict=True) if not free]
    return sorted(pinned)


def _forced_zero(a: np.ndarray, b: np.ndarray) -> set[int]:
    """The cells that are zero in every solution of A x = b, x >= 0, from one linear program.

    It lifts every cell it can to at least `step` at once (maximising the sum of min(x, step)).
    With step = 1 / (n + 1), the average of solutions that each make one cell positive lifts
    them all, so at the optimum every cell that can be positive is at `step`; the rest are
    held at zero.
    """
    n = a.shape[1]
    step = 1.0 / (n + 1)
    objective = np.concatenate([np.zeros(n), -np.ones(n)])
    a_eq = np.hstack([a, np.zeros_like(a)]) if a.shape[0] else None
    a_ub = np.hstack([-np.eye(n), np.eye(n)])
    bounds = [(0, None)] * n + [(0, step)] * n

    lifted = linprog(
        objective, A_ub=a_ub, b_ub=np.zeros(n), A_eq=a_eq, b_eq=b if a.shape[0] else None, bounds=bounds, method="highs"
    )
    if lifted.status != 0:
        raise ValueError("the published sums are inconsistent")
    return {k for k in range(n) if lifted.x[n + k] < step / 2}
