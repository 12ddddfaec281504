"""Secondary suppression by integer programming: the fewest cells hidden (ties: the smallest total hidden
value) such that no reader can tell a primary cell is 1 or 2 and no hidden cell can be worked out.

The method is the cut-generation one of tau-argus's optimal routine (Fischetti and Salazar-González,
"Models and algorithms for the 2-dimensional cell suppression problem", 1999), on the sums of
docs/rules.md §4 taken all at once:

- a binary variable per cell that may be hidden (non-zero, not public elsewhere); primary cells are
  fixed hidden; known and zero cells are never hidden (a hidden zero is the greedy rule's last resort);
- the objective is the count of hidden cells plus each hidden value / (total + 1), so the count
  decides and the value only breaks ties;
- to start, for each sum and each cell of it: the cell is hidden only if another cell of the sum is;
- then the reader attacks the pattern (HiGHS, via scipy's `milp` and `linprog`): for each hidden cell
  the least and greatest value the published figures allow, with every hidden count from 1 to the
  year's largest published total. A primary cell must reach `primary_max + 1`; every hidden cell must
  move. Where one does not, the attacking LP's dual prices give a linear cut every protecting
  pattern satisfies and this one does not; where rounding hides the gap, a cut that forbids this
  pattern and every pattern inside it. Solve again, until the attack finds nothing.

A year whose program is infeasible (a primary cell whose sums hold nothing else that may be hidden) or
not solved within the time limit returns None, and the caller uses the greedy rule for that year.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix, lil_matrix

Equation = dict[int, int]
TOLERANCE = 1e-6
MAX_ROUNDS = 200


@dataclass(frozen=True)
class Problem:
    """One linked group of sums (a year of a file): the cells it holds, as local indices 0..n-1."""

    values: list[int]
    known: list[bool]
    primary: list[bool]
    sums: np.ndarray  # rows: sums; columns: cells; entries +1/-1
    ceiling: int  # the reader's upper bound on any count of the group
    rank: list[int]  # publication order within the group (0 first), for ties


def _attack(problem: Problem, hidden: np.ndarray, cell: int, sign: int) -> tuple[float, np.ndarray, np.ndarray] | None:
    """The greatest value (sign +1) or least (sign -1) of `cell` the published figures allow, the cut
    coefficients from the LP's dual prices (bound(x) <= value + sign * sum(coefficients * x)), and the
    table the LP found: one the published figures allow, with `cell` at that bound."""
    n = len(problem.values)
    values = np.asarray(problem.values, float)
    lower = np.where(hidden, 1.0, values)
    upper = np.where(hidden, float(problem.ceiling), values)
    objective = np.zeros(n)
    objective[cell] = -sign  # linprog minimises
    result = linprog(
        objective,
        A_eq=problem.sums,
        b_eq=np.zeros(problem.sums.shape[0]),
        bounds=list(zip(lower, upper, strict=True)),
        method="highs",
    )
    if result.status != 0:
        return None
    best = -result.fun * sign
    # d(best)/d(upper_i) >= 0 and d(best)/d(lower_i) <= 0 for the max; the mirror for the min.
    alpha = np.abs(result.upper.marginals)
    beta = np.abs(result.lower.marginals)
    # Hiding cell i moves its upper bound from v_i to the ceiling and its lower one from v_i to 1.
    coefficients = alpha * (problem.ceiling - values) + beta * (values - 1)
    coefficients[np.asarray(problem.known)] = 0.0
    return best, coefficients, result.x


@dataclass
class Solution:
    hidden: list[bool] | None
    rounds: int
    timed_out: bool


def solve(problem: Problem, primary_max: int, time_limit: float) -> Solution:
    """The optimal pattern of one group, or None (infeasible, or out of time)."""
    started = time.monotonic()
    n = len(problem.values)
    values = np.asarray(problem.values)
    open_cells = np.array([not k and v > 0 for v, k in zip(problem.values, problem.known, strict=True)])
    total = float(values[open_cells].sum()) + 1.0
    # Ties of equal value go to the first in publication order (rank / n < 1 never outweighs a value).
    tie = np.asarray(problem.rank) / max(n, 1)
    cost = np.where(open_cells, 1.0 + (values + tie) / total, 0.0)
    low = np.where(np.asarray(problem.primary), 1.0, 0.0)
    high = np.where(open_cells, 1.0, 0.0)
    rows: list[np.ndarray] = []
    floors: list[float] = []
    # Initial cuts: a hidden cell's sum holds another hidden cell.
    for equation in problem.sums:
        members = [i for i in np.flatnonzero(equation) if open_cells[i]]
        for j in members:
            row = np.zeros(n)
            row[[k for k in members if k != j]] = 1.0
            row[j] -= 1.0
            rows.append(row)
            floors.append(0.0)
    rounds = 0
    while rounds < MAX_ROUNDS:
        rounds += 1
        left = time_limit - (time.monotonic() - started)
        if left <= 0:
            return Solution(None, rounds, True)
        constraints = [LinearConstraint(csr_matrix(np.vstack(rows)), np.asarray(floors), np.inf)] if rows else []
        result = milp(
            cost,
            integrality=np.ones(n),
            bounds=Bounds(low, high),
            constraints=constraints,
            options={"time_limit": left, "mip_rel_gap": 0.0},
        )
        if result.status == 1 or (result.x is None and time.monotonic() - started >= time_limit):
            return Solution(None, rounds, True)
        if result.x is None:
            return Solution(None, rounds, False)  # infeasible: the greedy rule decides
        hidden = result.x > 0.5
        cuts = _cuts(problem, hidden, primary_max)
        if cuts is None:
            return Solution([bool(h) for h in hidden], rounds, False)
        for row, floor in cuts:
            rows.append(row)
            floors.append(floor)
    return Solution(None, rounds, True)


def _cuts(problem: Problem, hidden: np.ndarray, primary_max: int) -> list[tuple[np.ndarray, float]] | None:
    """The cuts the attack finds against `hidden`, or None if it finds nothing.

    Every table an attacking LP finds is one the published figures allow. A cell that such a table
    already shows at or above its target (a primary cell: `primary_max + 1`; any other: one above its
    value), or a cell that is not primary one below its value, is safe without an LP of its own: its
    own LPs would find it safe too, and give no cut."""
    cuts: list[tuple[np.ndarray, float]] = []
    exposed = False
    tables: list[np.ndarray] = []  # the tables the LPs so far found
    for cell in (int(i) for i in np.flatnonzero(hidden)):
        value = problem.values[cell]
        target = primary_max + 1 if problem.primary[cell] else None
        above = target if target is not None else value + 1  # what a table must show to prove it safe
        if any(table[cell] >= above - TOLERANCE for table in tables):
            continue
        if target is None and any(table[cell] <= value - 1 + TOLERANCE for table in tables):
            continue
        greatest = _attack(problem, hidden, cell, +1)
        if greatest is None:
            continue  # cannot happen with true values >= 1; the exhaustive check after judges
        high, up, table = greatest
        tables.append(table)
        if target is not None and math.floor(high + TOLERANCE) < target:
            exposed = True
            if high < target - TOLERANCE:
                cuts.append((up, float(target - value)))  # value + up.x >= target
        if math.floor(high + TOLERANCE) > value:
            continue  # it can be above its value, and its least is at most its value: it moves
        least = _attack(problem, hidden, cell, -1)
        if least is None:
            continue
        low, down, table = least
        tables.append(table)
        if math.floor(high + TOLERANCE) <= math.ceil(low - TOLERANCE):
            exposed = True
            if high - low < 1 - TOLERANCE:
                row = up + down
                row[cell] -= 1.0  # the range is at least 1 wherever the cell is hidden
                cuts.append((row, 0.0))
    if not exposed:
        return None
    if not cuts:
        # Only rounding stands between the LP's range and a pinned cell: forbid this pattern and every
        # pattern that hides nothing else (at least one more cell must be hidden).
        row = np.where(hidden, 0.0, 1.0)
        cuts.append((row, 1.0))
    return cuts


def groups(equations: Sequence[Equation]) -> list[list[int]]:
    """The cells of each linked group of sums (a year of a file), in first-seen order."""
    parent: dict[int, int] = {}

    def find(cell: int) -> int:
        parent.setdefault(cell, cell)
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for equation in equations:
        members = list(equation)
        for cell in members:
            find(cell)
        for cell in members[1:]:
            parent[find(cell)] = find(members[0])
    found: dict[int, list[int]] = {}
    for cell in parent:
        found.setdefault(find(cell), []).append(cell)
    return [sorted(members) for members in found.values()]


def problem_of(
    members: list[int],
    values: Sequence[int],
    known: Sequence[bool],
    equations: Sequence[Equation],
    primary_max: int,
    order: Sequence[int],
) -> tuple[Problem, list[Equation]]:
    """The group's problem in local indices, and the group's sums (global indices)."""
    position = {cell: k for k, cell in enumerate(members)}
    sums = [equation for equation in equations if next(iter(equation)) in position]
    matrix = lil_matrix((len(sums), len(members)))
    for row, equation in enumerate(sums):
        for cell, coefficient in equation.items():
            matrix[row, position[cell]] += coefficient
    local_values = [int(values[cell]) for cell in members]
    local_known = [bool(known[cell]) for cell in members]
    rank = [sorted(members, key=lambda cell: order[cell]).index(cell) for cell in members]
    return problem_from(local_values, local_known, matrix.toarray(), primary_max, rank), sums


def problem_from(values: list[int], known: list[bool], sums: np.ndarray, primary_max: int, rank: list[int]) -> Problem:
    published = [v for v, k in zip(values, known, strict=True) if k]
    ceiling = max(published) if published else sum(values)
    return Problem(
        values=values,
        known=known,
        primary=[1 <= v <= primary_max and not k for v, k in zip(values, known, strict=True)],
        sums=sums,
        ceiling=max(ceiling, primary_max + 1),
        rank=rank,
    )
