"""Rounding half away from zero, the k symbol and one-decimal ratios (docs/rules.md §4), run through the
real dbt macros of dbt/macros/publication.sql, with every expected value worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.dbt_command import dbt
from tests.once import built_once

# The values each macro is shown on: (a, b) pairs, with the expected figures worked by hand below.
REGIONAL = [(n, 0) for n in (0, 1, 4, 5, 14, 15, 25, 35, 44, 45, 105)]
PERCENT = [(1, 8), (1, 16), (5, 16), (1, 40), (1, 80), (2, 3), (1, 3), (0, 0), (7, 7)]
RATE = [(1, 80000), (1, 40000), (3, 20000), (9, 4000), (0, 5000), (1, 0)]
MACROS = {
    "regional": ("{{ regional_count('a') }}", REGIONAL),
    "percent": ("{{ percent_1dp('a', 'b') }}", PERCENT),
    "rate": ("{{ ratio_1dp('a', 'b', 10000, 'x') }}", RATE),
}


@pytest.fixture(scope="module")
def shown(tmp_path_factory) -> dict[str, dict[tuple[int, int], object]]:
    """Each macro applied to its values by one `dbt show` (one dbt process for the three): by macro,
    (a, b) -> the figure shown. Once for every worker (tests/once.py)."""

    def build(work: Path) -> dict[str, dict[tuple[int, int], object]]:
        parts = [
            f"select '{name}' as macro, a, b, {select} as shown "
            f"from (values {', '.join(f'({a}, {b})' for a, b in values)}) as t (a, b)"
            for name, (select, values) in MACROS.items()
        ]
        query = f"select * from ({' union all '.join(parts)}) order by macro, a, b"
        result = dbt(
            ["show", "--inline", query, "--output", "json", "--quiet", "--limit", "100"], work / "show.duckdb", work
        )
        assert result.returncode == 0, result.stdout + result.stderr
        rows: list[dict[str, object]] = json.loads(result.stdout)["show"]
        by_macro: dict[str, dict[tuple[int, int], object]] = {name: {} for name in MACROS}
        for row in rows:
            by_macro[str(row["macro"])][(int(str(row["a"])), int(str(row["b"])))] = row["shown"]
        assert {name: len(values) for name, values in by_macro.items()} == {n: len(v) for n, (_, v) in MACROS.items()}
        return by_macro

    return built_once(tmp_path_factory, "arithmetic", build)


def test_regional_counts_round_half_away_from_zero_to_the_nearest_10_and_a_small_count_is_k(shown):
    # 25 -> 30 and 15 -> 20 (never to even), 5 -> 10, 4 -> 0 is k (not zero), 0 stays 0, 44 -> 40, 45 -> 50
    assert {a: figure for (a, _), figure in shown["regional"].items()} == {
        0: "0",
        1: "k",
        4: "k",
        5: "10",
        14: "10",
        15: "20",
        25: "30",
        35: "40",
        44: "40",
        45: "50",
        105: "110",
    }


def test_percentages_have_one_decimal_place_rounded_half_away_from_zero(shown):
    # 1/8 = 12.5 exactly; 1/16 = 6.25 -> 6.3; 5/16 = 31.25 -> 31.3; 1/40 = 2.5; 1/80 = 1.25 -> 1.3;
    # 2/3 = 66.66.. -> 66.7; 1/3 = 33.33.. -> 33.3; 0 of 0 is z (nothing due)
    assert shown["percent"] == {
        (1, 8): "12.5",
        (1, 16): "6.3",
        (5, 16): "31.3",
        (1, 40): "2.5",
        (1, 80): "1.3",
        (2, 3): "66.7",
        (1, 3): "33.3",
        (0, 0): "z",
        (7, 7): "100.0",
    }


def test_rates_per_10000_have_one_decimal_place_rounded_half_away_from_zero(shown):
    # 1 in 80,000 = 0.125 -> 0.1; 1 in 40,000 = 0.25 -> 0.3; 3 in 20,000 = 1.5; 9 in 4,000 = 22.5
    assert shown["rate"] == {
        (1, 80000): "0.1",
        (1, 40000): "0.3",
        (3, 20000): "1.5",
        (9, 4000): "22.5",
        (0, 5000): "0.0",
        (1, 0): "x",
    }
