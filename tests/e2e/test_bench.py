"""The benchmark at its smallest size, as a smoke test: it runs and its figures agree. Not timed."""

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.bench import ROOT

STAGES = {
    "read and validate",
    "load",
    "dbt build",
    "disclosure",
    "publish",
    "pages",
    "other (start, checks, Dagster)",
}


def test_the_median_run_is_the_middle_one_and_the_lower_middle_one_of_an_even_count():
    from benchmarks.bench import middle

    assert middle([5.0]) == 0
    assert middle([9.1, 8.7, 10.4]) == 0  # 8.7 < 9.1 < 10.4
    assert middle([10.4, 8.7, 9.1, 9.5]) == 2  # 8.7 < 9.1 < 9.5 < 10.4: the lower middle, 9.1
    assert middle([3.0, 2.0]) == 1


def test_repetitions_are_combined_with_each_ratio_from_its_own_repetition():
    from benchmarks.bench import SizeResult, combine

    def repetition(full: float, floor: float, dbt: float, daily: float, noop: float) -> SizeResult:
        return SizeResult(
            size="1m",
            wall_seconds=full,
            peak_mb=full * 10,
            succeeded=True,
            stages={"dbt build": dbt},
            floor_seconds=floor,
            daily={"wall_seconds": daily, "noop_wall_seconds": noop, "peak_mb": daily, "succeeded": True},
        )

    # The median full build (40) is the first repetition's; the median daily run (10) the third's.
    result = combine([repetition(40, 8, 16, 12, 4), repetition(50, 10, 25, 9, 5), repetition(30, 6, 9, 10, 3)])
    assert result.wall_seconds == 40 and result.wall_seconds_runs == [40, 50, 30]
    assert result.floor_seconds == 8 and result.stages == {"dbt build": 16}
    assert result.daily is not None and (result.daily["wall_seconds"], result.daily["noop_wall_seconds"]) == (10, 4)
    assert result.peak_mb == 500 and result.daily["peak_mb"] == 12
    assert result.ratio_runs == {
        "daily file / full build": [0.3, 0.18, 0.333],  # 12/40, 9/50, 10/30
        "no-op run / full build": [0.1, 0.1, 0.1],  # 4/40, 5/50, 3/30
        "dbt / floor": [2.0, 2.5, 1.5],  # 16/8, 25/10, 9/6
    }


def test_each_size_is_made_repeat_times_and_a_failed_repetition_stops_it(monkeypatch, tmp_path):
    """`bench_size`'s loop, with `bench_once` (a full build, the floor, the daily and no-op runs: three
    pipeline processes) replaced by one that hands back figures made here: the smoke test below runs it
    for real, once."""
    from benchmarks import bench

    made: list[tuple[str, Path]] = []

    def once(size, landing, work, floor, daily, walls=iter([40.0, 50.0, 30.0])):
        made.append((size, work))
        wall = next(walls)
        daily_figures = {"wall_seconds": wall / 4, "noop_wall_seconds": 3.0, "peak_mb": 9.0, "succeeded": True}
        daily_figures |= {"new_file": "notifications_x.csv", "as_at": "2026-10-02", "files_read": [], "stages": {}}
        return bench.SizeResult(
            size=size, wall_seconds=wall, peak_mb=wall, succeeded=True, stages={"dbt build": wall / 2},
            floor_seconds=wall / 5, floor_figures=1_000, floor_differences=0, daily=daily_figures,
        )  # fmt: skip

    monkeypatch.setattr(bench, "bench_once", once)
    monkeypatch.setattr(bench, "landing_folder", lambda out, size, fresh: (out / "landing" / size, 1.5))
    result = bench.bench_size("5k", tmp_path, fresh=False, floor=True, daily=True, repeat=3)
    assert made == [("5k", tmp_path / "runs" / "5k")] * 3
    assert result.wall_seconds_runs == [40.0, 50.0, 30.0] and result.wall_seconds == 40.0
    assert result.ratio_runs["daily file / full build"] == [0.25, 0.25, 0.25]
    assert result.floor_seconds_runs == [8.0, 10.0, 6.0] and result.generate_seconds == 1.5
    table = bench.markdown([result], 3)
    assert "benchmarked 3 times over" in table and "| 5k | 0.075 (0.075, 0.060, 0.100) | 0.250 (" in table

    def failing(size, landing, work, floor, daily):
        made.append((size, work))
        return bench.SizeResult(size=size, wall_seconds=1.0, peak_mb=1.0, succeeded=False)

    made.clear()
    monkeypatch.setattr(bench, "bench_once", failing)
    assert not bench.bench_size("5k", tmp_path, fresh=False, floor=True, daily=True, repeat=3).succeeded
    assert len(made) == 1  # the repetitions after a failed one are not made


def test_the_smallest_benchmark_runs_and_the_floor_agrees_with_the_pipeline(tmp_path):
    # One repetition (the loop over repetitions and how they combine are the two tests above).
    command = [sys.executable, "-m", "benchmarks.bench", "--sizes", "5k", "--daily", "5k", "--repeat", "1"]
    command += ["--out", str(tmp_path)]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert finished.returncode == 0, finished.stdout + finished.stderr

    report = json.loads((tmp_path / "results.json").read_text())
    assert report["machine"]["cores"] >= 1
    (result,) = report["results"]
    assert result["size"] == "5k" and result["succeeded"]
    assert 4_000 <= result["notification_rows"] <= 6_000
    assert set(result["stages"]) == STAGES
    assert result["stages"]["dbt build"] > 0 and result["stages"]["read and validate"] > 0
    assert result["peak_mb"] > 100
    # The floor computed every figure it covers, and each one equals the pipeline's.
    assert result["floor_figures"] > 1_000
    assert result["floor_differences"] == 0
    # The daily run read the one new file and nothing else.
    assert result["daily"]["succeeded"]
    assert result["daily"]["files_read"] == [result["daily"]["new_file"]]
    # The same again with nothing new succeeds (and does no modelling: tests/e2e/test_incremental.py).
    assert result["daily"]["noop_succeeded"]
    assert "| 5k |" in (tmp_path / "results.md").read_text()
    # The one repetition's figures are the ones reported, and its ratios are its own.
    for runs, reported in [
        (result["wall_seconds_runs"], result["wall_seconds"]),
        (result["floor_seconds_runs"], result["floor_seconds"]),
        (result["daily"]["wall_seconds_runs"], result["daily"]["wall_seconds"]),
        (result["daily"]["noop_wall_seconds_runs"], result["daily"]["noop_wall_seconds"]),
    ]:
        assert len(runs) == 1 and abs(reported - runs[0]) < 0.006, (runs, reported)
    (ratio,) = result["ratio_runs"]["daily file / full build"]
    assert abs(ratio - result["daily"]["wall_seconds"] / result["wall_seconds"]) < 0.002, ratio
    assert "times over" not in (tmp_path / "results.md").read_text()

    # The comparison is real: one figure changed in the floor shows as two differing rows.
    import shutil

    import duckdb

    from benchmarks.bench import compare_floor

    run = tmp_path / "runs" / "5k"
    analysts_copy = run / "warehouse" / "sin_analysts.duckdb"
    tampered = tmp_path / "tampered.duckdb"
    shutil.copyfile(run / "floor.duckdb", tampered)
    with duckdb.connect(str(tampered)) as connection:
        connection.execute(
            "update floor_totals set notifications = notifications + 1 where reporting_year = 2020 and nature = 'Total'"
        )
    _, before = compare_floor(run / "floor.duckdb", analysts_copy)
    _, after = compare_floor(tampered, analysts_copy)
    assert after == before + 2
