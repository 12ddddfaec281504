"""The benchmark: `sinstats run` on synthetic landing folders of growing size, beside a floor.

For each size it generates a clean landing folder (CSV only, so the floor can read every file),
runs `sinstats run` on a new warehouse as a separate process, and reports wall time, peak
memory (the resident memory of the whole process tree, sampled every 0.1 s) and the time of
each stage, read from the run's own Dagster history. Beside it, the floor: benchmarks/floor.sql
computes the same figures straight from the same files in one DuckDB script; its time is
reported with the ratio pipeline / floor, and its figures are compared with the pipeline's.

    python -m benchmarks.bench --sizes 5k,100k,1m,10m --sample --daily 1m --repeat 3

With `--repeat N` each size is benchmarked N times over, each time a full build, the floor, the
daily run and the no-op run in that order: these machines are shared, and one run of a few seconds
can be off by a tenth. Each ratio is taken within one repetition (a daily run beside the full build
made minutes before it) and the median of the N is reported, the lower middle one when N is even;
each time is the median of its N runs; every repetition's figures are kept beside them.

Results go to OUT/results.json and OUT/results.md (default OUT: data/bench). Landing folders
are kept and reused when the generator's options are the same (`--fresh` makes them again).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipelines.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
SINSTATS = Path(sys.executable).with_name("sinstats")
FLOOR_SQL = Path(__file__).with_name("floor.sql")
SEEDS = ROOT / "dbt" / "seeds" / "reference"
SAMPLE = ROOT / "data" / "sample"
AS_AT = "2026-10-01"
SEED = 7
# Notification rows the generator writes at scale 1 (the national volume, with versions).
ROWS_PER_SCALE = 5_650
SIZES = {"5k": 5_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}


@dataclass
class Measured:
    seconds: float
    peak_mb: float
    returncode: int


@dataclass
class SizeResult:
    size: str
    notification_rows: int = 0
    review_rows: int = 0
    generate_seconds: float | None = None
    wall_seconds: float = 0.0
    peak_mb: float = 0.0
    succeeded: bool = False
    stages: dict[str, float] = field(default_factory=dict)
    steps: dict[str, float] = field(default_factory=dict)
    floor_seconds: float | None = None
    floor_peak_mb: float | None = None
    floor_figures: int | None = None
    floor_differences: int | None = None
    daily: dict | None = None
    # Every repetition's seconds and ratios (`--repeat`); the fields above hold the medians.
    wall_seconds_runs: list[float] = field(default_factory=list)
    floor_seconds_runs: list[float] = field(default_factory=list)
    ratio_runs: dict[str, list[float]] = field(default_factory=dict)


def middle(seconds: list[float]) -> int:
    """Which of the runs is the median one (the lower middle one when there are an even number)."""
    return sorted(range(len(seconds)), key=seconds.__getitem__)[(len(seconds) - 1) // 2]


def _tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants, from /proc (Linux)."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def measure(command: list[str], log: Path, env: dict | None = None) -> Measured:
    """Run a command to its end; its wall time and the peak memory of its process tree."""
    log.parent.mkdir(parents=True, exist_ok=True)
    peak = 0
    with log.open("w") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss_kb(process.pid))
                done.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        returncode = process.wait()
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    return Measured(seconds=seconds, peak_mb=peak / 1024, returncode=returncode)


def rows_read(warehouse: Path, kind: str) -> int:
    """Rows the run read from files of one kind, from the warehouse's own file log."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        query = "select coalesce(sum(rows_read), 0) from raw.loaded_files where kind = ?"
        return int(connection.execute(query, [kind]).fetchone()[0])


def landing_folder(out: Path, size: str, fresh: bool) -> tuple[Path, float | None]:
    """A clean CSV landing folder of about SIZE notification rows; reused when already made."""
    scale = SIZES[size] / ROWS_PER_SCALE
    folder = out / "landing" / size
    marker = folder / ".generated.json"
    options = {"scale": round(scale, 4), "seed": SEED, "bad_rows": 0, "csv_only": True}
    if not fresh and marker.exists() and json.loads(marker.read_text()) == options:
        return folder, None
    shutil.rmtree(folder, ignore_errors=True)
    command = [str(SINSTATS), "generate", "--out", str(folder), "--scale", str(options["scale"])]
    command += ["--seed", str(SEED), "--bad-rows", "0", "--csv-only"]
    measured = measure(command, out / "logs" / f"generate_{size}.log")
    if measured.returncode != 0:
        raise SystemExit(f"generating {size} failed: see {out / 'logs' / f'generate_{size}.log'}")
    marker.write_text(json.dumps(options))
    return folder, measured.seconds


def stage_seconds(warehouse: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Seconds per stage and per Dagster step of the warehouse's latest run, from its history."""
    from dagster import AssetKey, DagsterInstance

    from pipelines.ingest.load import PHASES

    with DagsterInstance.from_config(str(load_settings(warehouse=warehouse).dagster_home)) as instance:
        run = instance.get_run_records(limit=1)[0].dagster_run
        steps = {s.step_key: s.end_time - s.start_time for s in instance.get_run_step_stats(run.run_id)}
        event = instance.get_latest_materialization_event(AssetKey(["raw", "loaded_files"]))
        metadata = event.asset_materialization.metadata if event else {}
    phase = {name: float(metadata[f"seconds_{name}"].value) for name in PHASES}

    def total(prefix: str) -> float:
        return sum(seconds for step, seconds in steps.items() if step.startswith(prefix))

    stages = {
        "read and validate": phase["read"] + phase["validate"],
        "load": phase["load"],
        "dbt build": total("sinstats_dbt"),
        "disclosure": total("suppressed_tables") + total("disclosure_holds"),
        "publish": total("open_data_files") + total("serve__"),
        "pages": total("pages__"),
    }
    return stages, steps


def run_pipeline(landing: Path, work: Path, name: str, as_at: str = AS_AT) -> tuple[Measured, Path]:
    warehouse = work / "warehouse" / "sin.duckdb"
    command = [str(SINSTATS), "run", "--landing", str(landing), "--warehouse", str(warehouse)]
    command += ["--publish", str(work / "publish"), "--as-at", as_at]
    return measure(command, work / "logs" / f"{name}.log"), warehouse


def bank_holiday_literals() -> str:
    from pipelines.reference.holidays import bank_holidays

    return ", ".join(f"date '{day.isoformat()}'" for day in bank_holidays(2017, 2029))


def dbt_memory_limit() -> str:
    """DuckDB's memory limit in the pipeline's dbt builds, so the floor runs under the same."""
    limit = os.environ.get("SINSTATS_DUCKDB_MEMORY_LIMIT")
    profile = (ROOT / "dbt" / "profiles.yml").read_text()
    return limit or re.search(r"SINSTATS_DUCKDB_MEMORY_LIMIT', '([^']+)'", profile).group(1)


def floor_command(landing: Path, database: Path) -> list[str]:
    return [sys.executable, "-m", "benchmarks.bench", "floor", str(landing), str(database)]


def run_floor(landing: Path, database: Path) -> None:
    """The floor script, on its own (called in a separate process by `measure`)."""
    import duckdb

    script = FLOOR_SQL.read_text().format(
        landing=landing,
        seeds=SEEDS,
        as_at=AS_AT,
        bank_holidays=bank_holiday_literals(),
        memory_limit=dbt_memory_limit(),
    )
    database.unlink(missing_ok=True)
    with duckdb.connect(str(database)) as connection:
        connection.execute(script)


# Each floor table, and the same figures from the pipeline's warehouse.
COMPARISONS = {
    "floor_totals": """
        select time_period::int as reporting_year,
            coalesce(natures.code, 'Total') as nature, number_notifications::bigint as notifications
        from pipeline.publish.sin_total_notifications as published
        left join pipeline.reference.nature_of_notification as natures
            on published.nature_of_notification = natures.label
    """,
    "floor_local_authorities": """
        select reporting_year, la_code, count(*) as notifications
        from pipeline.marts.fct_notifications where is_counted group by all
    """,
    "floor_characteristics": """
        select reporting_year, nature, characteristic, code, count(*) as notifications
        from (unpivot (
            select reporting_year, nature, child_sex, child_age::varchar as child_age, child_ethnicity,
                child_disability, child_looked_after, child_cin_plan, child_cp_plan, known_to_agency,
                placement_type
            from pipeline.marts.fct_notifications where is_counted
        ) on child_sex, child_age, child_ethnicity, child_disability, child_looked_after,
            child_cin_plan, child_cp_plan, known_to_agency, placement_type
        into name characteristic value code)
        group by all
    """,
    "floor_timeliness": """
        select reporting_year, measure_code, status, count(*) as cases
        from pipeline.marts.fct_timeliness
        where measure_code in ('notification', 'rapid_review') and status in ('on_time', 'late')
        group by all
    """,
}


def compare_floor(floor_db: Path, analysts_copy: Path) -> tuple[int, int]:
    """How many figures the floor computed, and how many differ from the pipeline's."""
    import duckdb

    with duckdb.connect(str(floor_db), read_only=True) as connection:
        connection.execute(f"attach '{analysts_copy}' as pipeline (read_only)")
        figures = differences = 0
        for table, query in COMPARISONS.items():
            floor_rows = connection.execute(f"select count(*) from {table}").fetchone()[0]
            differing = connection.execute(
                f"select count(*) from ((select * from {table} except all ({query})) "
                f"union all (({query}) except all select * from {table}))"
            ).fetchone()[0]
            figures += floor_rows
            differences += differing
    return figures, differences


def daily_file(landing: Path, target: Path, rows: int = 10) -> Path:
    """A new export of a few new notifications, dated the day after the folder's last export."""
    import polars as pl

    latest = max(landing.glob("notifications_*.csv"))
    frame = pl.read_csv(latest, infer_schema=False).tail(rows)
    day = dt.datetime.strptime(latest.stem.split("_")[1], "%Y%m%d").date() + dt.timedelta(days=1)
    frame = frame.with_columns(
        notification_id=pl.Series([f"SIN-{90_000_000 + i}" for i in range(frame.height)]),
        record_version=pl.lit("1"),
        record_status=pl.lit("active"),
        duplicate_of=pl.lit(None, pl.String),
        record_updated_at=pl.lit(f"{day.isoformat()}T09:00:00"),
        notification_date=pl.lit(day.isoformat()),
    )
    path = target / f"notifications_{day:%Y%m%d}.csv"
    frame.write_csv(path)
    return path


def run_daily(landing: Path, work: Path) -> dict:
    """The next day on an already built warehouse: one small new file and the as-at date a day later;
    then the same again with nothing new (the no-op run)."""
    import duckdb

    daily_landing = work / "landing_daily"
    shutil.rmtree(daily_landing, ignore_errors=True)
    daily_landing.mkdir(parents=True)
    for path in landing.glob("*.csv"):
        (daily_landing / path.name).symlink_to(path.resolve())
    new = daily_file(landing, daily_landing)
    next_day = (dt.date.fromisoformat(AS_AT) + dt.timedelta(days=1)).isoformat()
    # Same warehouse, so the files already loaded are recognised by their bytes.
    measured, warehouse = run_pipeline(daily_landing, work, "daily", next_day)
    stages, steps = stage_seconds(warehouse)
    noop, _ = run_pipeline(daily_landing, work, "noop", next_day)
    with duckdb.connect(str(load_settings(warehouse=warehouse).analysts_copy), read_only=True) as connection:
        run_id = connection.execute("select run_id from raw.loaded_files order by loaded_at desc limit 1").fetchone()[0]
        read = connection.execute("select file_name from raw.loaded_files where run_id = ?", [run_id]).fetchall()
    return {
        "new_file": new.name,
        "as_at": next_day,
        "files_read": [name for (name,) in read],
        "noop_wall_seconds": round(noop.seconds, 2),
        "noop_succeeded": noop.returncode == 0,
        "wall_seconds": round(measured.seconds, 2),
        "peak_mb": round(measured.peak_mb),
        "succeeded": measured.returncode == 0,
        "stages": {k: round(v, 1) for k, v in stages.items()},
        "steps": {k: round(v, 1) for k, v in steps.items()},
    }


def bench_once(size: str, landing: Path, work: Path, floor: bool, daily: bool) -> SizeResult:
    """One full build on a new warehouse, then the floor, then the daily and no-op runs on that warehouse."""
    result = SizeResult(size=size)
    shutil.rmtree(work, ignore_errors=True)
    print(f"[{size}] sinstats run on {landing} ...", flush=True)
    measured, warehouse = run_pipeline(landing, work, "run")
    result.wall_seconds, result.peak_mb = measured.seconds, measured.peak_mb
    result.succeeded = measured.returncode == 0
    if not result.succeeded:
        print(f"[{size}] the run failed: see {work / 'logs' / 'run.log'}", flush=True)
        return result
    result.notification_rows = rows_read(warehouse, "notifications")
    result.review_rows = rows_read(warehouse, "reviews")
    result.stages, result.steps = stage_seconds(warehouse)
    result.stages["other (start, checks, Dagster)"] = result.wall_seconds - sum(result.stages.values())
    print(
        f"[{size}] {result.notification_rows:,} notification rows: run {result.wall_seconds:.1f} s, "
        f"peak {result.peak_mb:,.0f} MB",
        flush=True,
    )
    if floor and size != "sample":
        floor_db = work / "floor.duckdb"
        floor_run = measure(floor_command(landing, floor_db), work / "logs" / "floor.log")
        if floor_run.returncode != 0:
            raise SystemExit(f"the floor failed: see {work / 'logs' / 'floor.log'}")
        result.floor_seconds, result.floor_peak_mb = floor_run.seconds, floor_run.peak_mb
        result.floor_figures, result.floor_differences = compare_floor(
            floor_db, load_settings(warehouse=warehouse).analysts_copy
        )
        print(
            f"[{size}] floor {floor_run.seconds:.1f} s; {result.floor_figures:,} figures, "
            f"{result.floor_differences} differ from the pipeline's",
            flush=True,
        )
    if daily:
        result.daily = run_daily(landing, work)
        print(
            f"[{size}] daily file: {result.daily['wall_seconds']} s, read {result.daily['files_read']}; "
            f"no-op: {result.daily['noop_wall_seconds']} s",
            flush=True,
        )
    return result


def bench_size(size: str, out: Path, fresh: bool, floor: bool, daily: bool, repeat: int = 1) -> SizeResult:
    """`bench_once`, `repeat` times. Each ratio is taken within one repetition (a daily run beside the
    full build made just before it, on the same machine in the same minutes), and the median of those
    is reported; each time is the median of its runs. The repetition whose full build is the median
    one gives the stages and the rest."""
    if size == "sample":
        landing, generated = SAMPLE, None
    else:
        landing, generated = landing_folder(out, size, fresh)
    attempts = []
    for attempt in range(repeat):
        if repeat > 1:
            print(f"[{size}] repetition {attempt + 1} of {repeat}", flush=True)
        attempts.append(bench_once(size, landing, out / "runs" / size, floor, daily))
        if not attempts[-1].succeeded or (attempts[-1].daily and not attempts[-1].daily["succeeded"]):
            return attempts[-1]
    result = combine(attempts)
    result.generate_seconds = generated
    return result


def combine(attempts: list[SizeResult]) -> SizeResult:
    """The repetitions of one size as one result: the ratios of each repetition, the median of each
    time and ratio, and the stages and the rest of the repetition whose full build is the median."""
    # The ratios first, each from its own repetition's figures, before the median ones replace them.
    floors = [a.floor_seconds for a in attempts if a.floor_seconds]
    dailies = [a.daily for a in attempts if a.daily]
    with_floor, with_daily = len(floors) == len(attempts), len(dailies) == len(attempts)
    ratio_runs: dict[str, list[float]] = {}
    if with_floor:
        ratio_runs["dbt / floor"] = [round(a.stages["dbt build"] / f, 3) for a, f in zip(attempts, floors, strict=True)]
    if with_daily:
        ratio_runs["no-op run / full build"] = [
            round(d["noop_wall_seconds"] / a.wall_seconds, 3) for a, d in zip(attempts, dailies, strict=True)
        ]
        ratio_runs["daily file / full build"] = [
            round(d["wall_seconds"] / a.wall_seconds, 3) for a, d in zip(attempts, dailies, strict=True)
        ]
    result = attempts[middle([a.wall_seconds for a in attempts])]
    result.ratio_runs = ratio_runs
    result.peak_mb = max(a.peak_mb for a in attempts)
    result.wall_seconds_runs = [round(a.wall_seconds, 2) for a in attempts]
    if with_floor:
        result.floor_seconds_runs = [round(s, 2) for s in floors]
        result.floor_seconds = floors[middle(floors)]
    if with_daily:
        days = [d["wall_seconds"] for d in dailies]
        noops = [d["noop_wall_seconds"] for d in dailies]
        result.daily = {
            **(result.daily or {}),
            "wall_seconds": days[middle(days)],
            "wall_seconds_runs": days,
            "noop_wall_seconds": noops[middle(noops)],
            "noop_wall_seconds_runs": noops,
            "peak_mb": max(d["peak_mb"] for d in dailies),
        }
    return result


def machine() -> dict:
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def markdown(results: list[SizeResult], repeat: int = 1) -> str:
    stages = [
        "read and validate",
        "load",
        "dbt build",
        "disclosure",
        "publish",
        "pages",
        "other (start, checks, Dagster)",
    ]
    head = ["size", "notification rows", "review rows", "wall s", "peak MB", *[f"{s} s" for s in stages]]
    head += ["floor s", "dbt / floor", "pipeline / floor", "floor figures differing"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        floor = r.floor_seconds
        cells = [r.size, f"{r.notification_rows:,}", f"{r.review_rows:,}", f"{r.wall_seconds:.1f}", f"{r.peak_mb:,.0f}"]
        cells += [f"{r.stages.get(s, 0):.1f}" for s in stages]
        cells += [
            f"{floor:.1f}" if floor else "n/a",
            f"{r.stages.get('dbt build', 0) / floor:.1f}" if floor else "n/a",
            f"{r.wall_seconds / floor:.1f}" if floor else "n/a",
            f"{r.floor_differences} of {r.floor_figures:,}" if floor else "n/a",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    for r in results:
        if r.daily:
            lines.append("")
            lines.append(
                f"Daily file at {r.size}: {r.daily['new_file']} added, as at {r.daily['as_at']}; "
                f"{r.daily['wall_seconds']} s wall, peak {r.daily['peak_mb']:,} MB; "
                f"files read: {', '.join(r.daily['files_read']) or 'none'}; stages: {r.daily['stages']}; "
                f"then nothing new: {r.daily['noop_wall_seconds']} s wall"
            )
    ratios = [r for r in results if r.ratio_runs]
    names = ["no-op run / full build", "daily file / full build", "dbt / floor"]
    if ratios:
        lines += ["", "| size | " + " | ".join(names) + " |", "|---|---|---|---|"]
        for r in ratios:
            cells = []
            for name in names:
                runs = r.ratio_runs.get(name)
                median = f"{runs[middle(runs)]:.3f}" if runs else "n/a"
                cells.append(median + (f" ({', '.join(f'{x:.3f}' for x in runs)})" if runs and len(runs) > 1 else ""))
            lines.append(f"| {r.size} | " + " | ".join(cells) + " |")
    if repeat > 1:
        lines += [
            "",
            f"Each size was benchmarked {repeat} times over (full build, floor, daily run, no-op run, in that "
            "order): each ratio is taken within one repetition and the median is shown, every repetition's "
            "in brackets (the lower middle one when the count is even); each time is the median of its "
            "runs. Every run's seconds are in results.json.",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["floor"]:
        run_floor(Path(argv[1]), Path(argv[2]))
        return 0
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5k", help=f"comma-separated, from {', '.join(SIZES)}")
    parser.add_argument("--sample", action="store_true", help="also run the bundled sample (no floor: it has XLSX)")
    parser.add_argument(
        "--daily", default="", help="comma-separated sizes: after each, a day later with ten new rows, then a no-op run"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--fresh", action="store_true", help="generate the landing folders again")
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=1, help="make each run this many times and report the median (default 1)"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {', '.join(unknown)}: choose from {', '.join(SIZES)}")
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for size in (["sample"] if args.sample else []) + sizes:
        daily = size in {s.strip() for s in args.daily.split(",")}
        results.append(bench_size(size, args.out, args.fresh, not args.no_floor, daily, args.repeat))
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "command": "python -m benchmarks.bench " + " ".join(argv),
        "results": [asdict(r) for r in results],
    }
    (args.out / "results.json").write_text(json.dumps(report, indent=2))
    table = markdown(results, args.repeat)
    (args.out / "results.md").write_text(table + "\n")
    print(table)
    return 0 if all(r.succeeded for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
