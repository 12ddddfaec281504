"""The synthetic extracts look like the real thing and are the same for the same seed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest

from pipelines.generate.synthetic import GenerateOptions, generate


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    generate(GenerateOptions(out=folder, seed=3, scale=1.0))
    return folder


def notifications(folder: Path) -> pl.DataFrame:
    frames = [pl.read_csv(p, infer_schema=False) for p in sorted(folder.glob("notifications_*.csv"))]
    return pl.concat(frames, how="diagonal_relaxed").unique(["notification_id", "record_version"], maintain_order=True)


def test_the_same_seed_gives_the_same_bytes(tmp_path):
    options = dict(first_year=2024, last_year=2025, seed=5, scale=0.2, bad_rows=0.05)
    generate(GenerateOptions(out=tmp_path / "a", **options))
    generate(GenerateOptions(out=tmp_path / "b", **options))
    generate(GenerateOptions(out=tmp_path / "c", **{**options, "seed": 6}))
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_both_formats_and_all_three_kinds_are_written(generated):
    names = [p.name for p in generated.iterdir()]
    for kind in ("notifications_", "reviews_", "la_context_"):
        assert any(n.startswith(kind) for n in names)
    assert any(n.endswith(".xlsx") for n in names)
    assert any(n.endswith(".csv") for n in names)


def test_boundary_changes_are_respected(generated):
    rows = notifications(generated).with_columns(
        # Both date forms the generator writes, each by its own format: a format inferred from the
        # first value (polars' default) read every date of the other form as null.
        pl.coalesce(
            pl.col("notification_date").str.to_date("%Y-%m-%d", strict=False),
            pl.col("notification_date").str.to_date("%d/%m/%Y", strict=False),
        ).alias("day"),
        pl.col("la_code").str.replace(r"\.0$", ""),
    )
    northamptonshire = rows.filter(pl.col("la_code") == "928")["day"].drop_nulls()
    successors = rows.filter(pl.col("la_code").is_in(["940", "941"]))["day"].drop_nulls()
    cumbria = rows.filter(pl.col("la_code") == "909")["day"].drop_nulls()
    assert str(northamptonshire.max()) <= "2021-03-31"
    assert str(successors.min()) >= "2021-04-01"
    assert str(cumbria.max()) <= "2023-03-31"
    assert len(northamptonshire) and len(successors) and len(cumbria)


def test_versions_withdrawals_duplicates_and_care_leavers_are_present(generated):
    rows = notifications(generated)
    assert rows.filter(pl.col("record_version") != "1").height > 0
    assert rows.filter(pl.col("record_status") == "withdrawn").height > 0
    assert rows.filter(pl.col("duplicate_of").is_not_null()).height > 0
    assert rows.filter(pl.col("nature").str.to_lowercase() == "care_leaver_death").height > 150


def test_a_notification_appears_in_overlapping_exports(generated):
    frames = [
        pl.read_csv(p, infer_schema=False).with_columns(file=pl.lit(p.name))
        for p in generated.glob("notifications_*.csv")
    ]
    rows = pl.concat(frames, how="diagonal_relaxed")
    repeated = rows.group_by("notification_id", "record_version").agg(pl.col("file").n_unique().alias("files"))
    assert repeated.filter(pl.col("files") > 1).height > 0


def test_over_a_third_of_children_are_under_one(generated):
    first = notifications(generated).filter(
        pl.col("record_version") == "1", pl.col("nature").str.to_lowercase() != "care_leaver_death"
    )
    under_one = first.filter(pl.col("child_age") == "0").height / first.height
    assert 0.33 < under_one < 0.40


def test_every_live_la_has_context_every_year(generated):
    context = pl.read_csv(generated / "la_context_2026.csv", infer_schema=False)
    assert context.height == 153  # single LAs live at some point in April 2025 - March 2026
    assert context["la_code"].n_unique() == context.height


def test_scale_multiplies_the_volume(tmp_path):
    generate(GenerateOptions(out=tmp_path / "small", first_year=2024, last_year=2024, scale=0.5))
    generate(GenerateOptions(out=tmp_path / "large", first_year=2024, last_year=2024, scale=2.0))
    small = notifications(tmp_path / "small")["notification_id"].n_unique()
    large = notifications(tmp_path / "large")["notification_id"].n_unique()
    assert 3.5 < large / small < 4.5
