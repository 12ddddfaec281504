"""Rounding half away from zero, the k symbol and one-decimal ratios (docs/rules.md §4), run through the
real dbt macros of dbt/macros/publication.sql, with every expected value worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.dbt_command import dbt


def show(tmp_path: Path, select: str, values: list[tuple[int, int]]) -> list[dict[str, object]]:
    rows = ", ".join(f"({a}, {b})" for a, b in values)
    query = f"select a, b, {select} as shown from (values {rows}) as t (a, b) order by a, b"
    result = dbt(
        ["show", "--inline", query, "--output", "json", "--quiet", "--limit", "100"], tmp_path / "show.duckdb", tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    shown: list[dict[str, object]] = json.loads(result.stdout)["show"]
    return shown


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("arithmetic")


def test_regional_counts_round_half_away_from_zero_to_the_nearest_10_and_a_small_count_is_k(workdir):
    # 25 -> 30 and 15 -> 20 (never to even), 5 -> 10, 4 -> 0 is k (not zero), 0 stays 0, 44 -> 40, 45 -> 50
    values = [(n, 0) for n in (0, 1, 4, 5, 14, 15, 25, 35, 44, 45, 105)]
    shown = {row["a"]: row["shown"] for row in show(workdir, "{{ regional_count('a') }}", values)}
    assert shown == {
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


def test_percentages_have_one_decimal_place_rounded_half_away_from_zero(workdir):
    # 1/8 = 12.5 exactly; 1/16 = 6.25 -> 6.3; 5/16 = 31.25 -> 31.3; 1/40 = 2.5; 1/80 = 1.25 -> 1.3;
    # 2/3 = 66.66.. -> 66.7; 1/3 = 33.33.. -> 33.3; 0 of 0 is z (nothing due)
    values = [(1, 8), (1, 16), (5, 16), (1, 40), (1, 80), (2, 3), (1, 3), (0, 0), (7, 7)]
    shown = {(row["a"], row["b"]): row["shown"] for row in show(workdir, "{{ percent_1dp('a', 'b') }}", values)}
    assert shown == {
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


def test_rates_per_10000_have_one_decimal_place_rounded_half_away_from_zero(workdir):
    # 1 in 80,000 = 0.125 -> 0.1; 1 in 40,000 = 0.25 -> 0.3; 3 in 20,000 = 1.5; 9 in 4,000 = 22.5
    values = [(1, 80000), (1, 40000), (3, 20000), (9, 4000), (0, 5000), (1, 0)]
    shown = {
        (row["a"], row["b"]): row["shown"] for row in show(workdir, "{{ ratio_1dp('a', 'b', 10000, 'x') }}", values)
    }
    assert shown == {
        (1, 80000): "0.1",
        (1, 40000): "0.3",
        (3, 20000): "1.5",
        (9, 4000): "22.5",
        (0, 5000): "0.0",
        (1, 0): "x",
    }
