"""Disclosure control (rules.md §4): primary and secondary suppression, and the attack that checks it.

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

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

Equation = dict[int, int]  # cell index -> coefficient (+1 or -1); the cells add to zero


@dataclass(frozen=True)
class Cells:
    values: Sequence[int]
    order: Sequence[int]  # publication order, for ties
    known: Sequence[bool]  # public elsewhere, so never worth suppressing


def _apply_rule(cells: Cells, equations: Sequence[Equation], suppressed: list[bool]) -> None:
    """Secondary suppression as rules.md §4 words it, in place, until nothing changes."""
    changed = True
    while changed:
        changed = False
        for equation in equations:
            hidden = [i for i in equation if suppressed[i] and not cells.known[i]]
            if len(hidden) != 1:
                continue
            pick = _cheapest(cells, equation, suppressed)
            if pick is not None:
                suppressed[pick] = True
                changed = True


def _cheapest(cells: Cells, equation: Equation, suppressed: list[bool]) -> int | None:
    """The smallest non-zero open cell of a sum (first in publication order), else a zero one."""
    open_cells = [i for i in equation if not suppressed[i] and not cells.known[i]]
    candidates = [i for i in open_cells if cells.values[i] > 0] or open_cells
    return min(candidates, key=lambda i: (cells.values[i], cells.order[i])) if candidates else None


def suppress(cells: Cells, equations: Sequence[Equation], primary_max: int) -> list[bool]:
    """Which cells to publish as `c`: the rule, then as many more as the attack needs."""
    suppressed = [1 <= value <= primary_max for value in cells.values]
    containing: dict[int, list[int]] = {}
    for number, equation in enumerate(equations):
        for cell in equation:
            containing.setdefault(cell, []).append(number)
    while True:
        _apply_rule(cells, equations, suppressed)
        pinned = disclosed(cells.values, suppressed, cells.known, equations)
        if not pinned:
            return suppressed
        for cell in pinned:
            options = [_cheapest(cells, equations[n], suppressed) for n in containing.get(cell, [])]
            options = [i for i in options if i is not None]
            if options:
                suppressed[
                    min(options, key=lambda i: (cells.values[i] == 0, cells.values[i], cells.order[i]))
                ] = True


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

    Only published values are used, except to skip linear programs that cannot pin a cell
    (when every suppressed value is above zero); `exhaustive` runs them all, as an outside
    intruder who knows nothing of the suppressed values must.
    """
    unknown = [i for i, s in enumerate(suppressed) if s and not known[i]]
    pinned: list[int] = []
    for cells, sums in _components(unknown, equations):
        position = {cell: k for k, cell in enumerate(cells)}
        a = np.zeros((len(sums), len(cells)))
        b = np.zeros(len(sums))
        for row, equation in enumerate(sums):
            for cell, coefficient in equation.items():
                if cell in position:
                    a[row, position[cell]] += coefficient
                else:
                    b[row] -= coefficient * values[cell]
        # A cell no solution of A x = 0 can move is fixed by the sums alone.
        _, singular, vt = np.linalg.svd(a) if len(sums) else (None, np.array([]), np.eye(len(cells)))
        rank = int((singular > 1e-9).sum())
        null_space = vt[rank:].T
        movable = np.abs(null_space).sum(axis=1) > 1e-9 if null_space.size else np.zeros(len(cells), bool)
        has_zero = exhaustive or any(values[cell] == 0 for cell in cells)
        for cell, k in position.items():
            if not movable[k]:
                pinned.append(cell)
            elif has_zero and _bounds_pin(a, b, k):
                # With every cell above zero the true values are an interior point, so a cell
                # the sums let move can move both ways; only zeros can pin a cell by bounds.
                pinned.append(cell)
    return sorted(pinned)


def _bounds_pin(a: np.ndarray, b: np.ndarray, k: int) -> bool:
    objective = np.zeros(a.shape[1])
    objective[k] = 1
    bounds = [(0, None)] * a.shape[1]
    low = linprog(objective, A_eq=a, b_eq=b, bounds=bounds, method="highs")
    high = linprog(-objective, A_eq=a, b_eq=b, bounds=bounds, method="highs")
    if low.status != 0:
        raise ValueError("the published sums are inconsistent")
    if high.status != 0:
        return False
    return math.ceil(low.fun - 1e-6) >= math.floor(-high.fun + 1e-6)
