"""Which models a build rebuilds in full, and what an incremental one starts from (pipelines/transform/state.py)."""

from __future__ import annotations

import copy
import datetime as dt
import json

import duckdb
import pytest

from pipelines.transform import state

D = dt.date


def manifest() -> dict:
    """A small project: a seed, two models in a chain, one other model, one macro calling another."""

    def model(name: str, code: str, parents: list[str], macros: list[str], incremental: bool = True) -> dict:
        return {
            "resource_type": "model",
            "name": name,
            "raw_code": code,
            "checksum": {"checksum": f"sha-{code}"},
            "config": {"materialized": "incremental" if incremental else "table"},
            "depends_on": {"nodes": parents, "macros": macros},
        }

    return {
        "macros": {
            "macro.p.outer": {
                "macro_sql": "{{ inner() }} + {{ var('threshold') }}",
                "depends_on": {"macros": ["macro.p.inner"]},
            },
            "macro.p.inner": {"macro_sql": "1", "depends_on": {"macros": []}},
        },
        "nodes": {
            "seed.p.codes": {
                "resource_type": "seed",
                "name": "codes",
                "checksum": {"checksum": "seed-v1"},
                "config": {},
            },
            "model.p.base": model("base", "select {{ outer() }}", ["seed.p.codes"], ["macro.p.outer"]),
            "model.p.top": model("top", "select * from base", ["model.p.base", "source.p.reference.bank_holidays"], []),
            "model.p.other": model("other", "select {{ var('label') }}", [], [], incremental=False),
        },
    }


VARS = {"threshold": 5, "label": "x"}


def prints(project: dict, variables: dict = VARS, holidays: str = "h1") -> dict[str, str]:
    return state.node_fingerprints(project, variables, {"source.p.reference.bank_holidays": holidays})


def changed(after: dict[str, str], before: dict[str, str]) -> set[str]:
    return {name for name in after if after[name] != before.get(name)}


def test_a_change_reaches_the_models_that_use_it_and_those_downstream_only():
    before = prints(manifest())
    assert prints(manifest()) == before  # the same project, the same fingerprints

    edited = manifest()
    edited["macros"]["macro.p.inner"]["macro_sql"] = "2"  # a macro called by a macro base calls
    assert changed(prints(edited), before) == {"base", "top"}

    assert changed(prints(manifest(), {**VARS, "threshold": 6}), before) == {"base", "top"}  # read via the macro
    assert changed(prints(manifest(), {**VARS, "label": "y"}), before) == {"other"}

    seeded = manifest()
    seeded["nodes"]["seed.p.codes"]["checksum"]["checksum"] = "seed-v2"
    assert changed(prints(seeded), before) == {"codes", "base", "top"}  # the seed, and the models reading it

    assert changed(prints(manifest(), holidays="h2"), before) == {"top"}  # the bank holidays changed

    configured = copy.deepcopy(manifest())
    configured["nodes"]["model.p.top"]["config"]["on_schema_change"] = "append_new_columns"
    assert changed(prints(configured), before) == {"top"}


@pytest.fixture
def connection():
    with duckdb.connect() as database:
        database.execute("create schema raw; create table raw.loaded_files (file_sha256 varchar)")
        yield database


INCREMENTAL = ["base", "top"]


def complete(connection, build_id: str, as_at: dt.date, fingerprints: dict[str, str]) -> None:
    plan = state.BuildPlan(True, fingerprints=fingerprints)
    state.start_build(connection, build_id, as_at, plan, INCREMENTAL)
    state.complete_build(connection, build_id, plan)


def test_the_first_build_and_an_asked_for_one_are_full(connection):
    fingerprints = {"base": "a", "top": "b"}
    assert not state.plan_build(connection, D(2026, 1, 5), fingerprints, INCREMENTAL).is_incremental
    complete(connection, "run-1", D(2026, 1, 5), fingerprints)
    assert not state.plan_build(connection, D(2026, 1, 6), fingerprints, INCREMENTAL, "asked").is_incremental


def test_an_incremental_build_knows_how_far_the_as_at_date_moved(connection):
    fingerprints = {"base": "a", "top": "b"}
    complete(connection, "run-1", D(2026, 1, 5), fingerprints)
    same_day = state.plan_build(connection, D(2026, 1, 5), fingerprints, INCREMENTAL)
    assert same_day.is_incremental and same_day.as_at_floor is None and same_day.full_refresh_models == ()
    assert same_day.as_at_ceiling is None
    next_day = state.plan_build(connection, D(2026, 1, 6), fingerprints, INCREMENTAL)
    assert (next_day.as_at_floor, next_day.as_at_ceiling) == (D(2026, 1, 5), D(2026, 1, 6))
    back = state.plan_build(connection, D(2026, 1, 2), fingerprints, INCREMENTAL)
    assert (back.as_at_floor, back.as_at_ceiling) == (D(2026, 1, 2), D(2026, 1, 5))


def test_a_changed_model_is_rebuilt_in_full_and_only_it(connection):
    complete(connection, "run-1", D(2026, 1, 5), {"base": "a", "top": "b"})
    plan = state.plan_build(connection, D(2026, 1, 5), {"base": "a", "top": "B"}, INCREMENTAL)
    assert plan.is_incremental and plan.full_refresh_models == ("top",)
    everything = state.plan_build(connection, D(2026, 1, 5), {"base": "A", "top": "B"}, INCREMENTAL)
    assert not everything.is_incremental


def test_what_an_unfinished_build_did_is_done_again(connection):
    fingerprints = {"base": "a", "top": "b"}
    complete(connection, "run-1", D(2026, 1, 5), fingerprints)
    # Killed on 20 January, half-way through rebuilding `top` in full after a change since undone.
    killed = state.BuildPlan(True, ("top",), fingerprints={"base": "a", "top": "B"})
    state.start_build(connection, "run-2", D(2026, 1, 20), killed, INCREMENTAL)
    plan = state.plan_build(connection, D(2026, 1, 6), fingerprints, INCREMENTAL)
    assert plan.full_refresh_models == ("top",)
    assert plan.as_at_floor == D(2026, 1, 5)  # the earliest of 5, 6 and 20 January
    assert plan.as_at_ceiling == D(2026, 1, 20)  # and the latest
    # A model counted by reporting year is rebuilt in full after it (the year a notification was in
    # at the last completed build may no longer be in the tables).
    models = [*INCREMENTAL, "counts"]
    by_year = state.plan_build(connection, D(2026, 1, 6), fingerprints, models, by_year=["counts"])
    assert by_year.is_incremental and by_year.full_refresh_models == ("counts", "top")
    # Once a build completes, the unfinished one no longer counts.
    complete(connection, "run-3", D(2026, 1, 6), fingerprints)
    after = state.plan_build(connection, D(2026, 1, 6), fingerprints, models, by_year=["counts"])
    assert after.full_refresh_models == () and after.as_at_floor is None


def test_a_completed_build_records_the_files_it_used(connection):
    connection.execute("insert into raw.loaded_files values ('f1'), ('f2')")
    complete(connection, "run-1", D(2026, 1, 5), {"base": "a"})
    connection.execute("insert into raw.loaded_files values ('f3')")
    complete(connection, "run-2", D(2026, 1, 5), {"base": "a"})
    built = connection.sql("select file_sha256, build_id from pipeline.built_files order by 1").fetchall()
    assert built == [("f1", "run-1"), ("f2", "run-1"), ("f3", "run-2")]
    recorded = connection.sql("select fingerprints from pipeline.builds where build_id = 'run-2'").fetchall()[0][0]
    assert json.loads(recorded) == {"base": "a"}


def test_a_reference_node_is_left_as_made_only_when_the_last_completed_build_made_the_same_and_none_started_since(
    connection,
):
    nodes = {"codes": "reference", "dates": "marts"}
    connection.execute(
        "create schema reference; create table reference.codes (x int); create schema marts; "
        "create view marts.dates as select 1 as x"
    )
    assert state.unchanged_nodes(connection, {"codes": "c1", "dates": "d1"}, nodes) == []  # no build yet
    state.plan_build(connection, D(2026, 1, 5), {}, INCREMENTAL)  # (makes the pipeline tables, as a run does)
    assert state.unchanged_nodes(connection, {"codes": "c1", "dates": "d1"}, nodes) == []  # no completed build
    complete(connection, "run-1", D(2026, 1, 5), {"codes": "c1", "dates": "d1", "base": "a"})
    assert state.unchanged_nodes(connection, {"codes": "c1", "dates": "d1"}, nodes) == ["codes", "dates"]
    assert state.unchanged_nodes(connection, {"codes": "c2", "dates": "d1"}, nodes) == ["dates"]  # file changed
    assert state.unchanged_nodes(connection, {"codes": "c1", "dates": "d1"}, {**nodes, "dates": "staging"}) == [
        "codes"
    ]  # a view of that name, but in another schema
    connection.execute("drop table reference.codes")
    assert state.unchanged_nodes(connection, {"codes": "c1", "dates": "d1"}, nodes) == ["dates"]  # table gone
    # A build started since (killed: it may have made other contents) makes every one again.
    state.start_build(connection, "run-2", D(2026, 1, 6), state.BuildPlan(True), INCREMENTAL)
    assert state.unchanged_nodes(connection, {"codes": "c1", "dates": "d1"}, nodes) == []
    # A build recorded before they had fingerprints (an older sinstats) leaves none as made.
    complete(connection, "run-3", D(2026, 1, 6), {"base": "a"})
    assert state.unchanged_nodes(connection, {"dates": "d1"}, nodes) == []


def reference_project() -> dict:
    """Seeds, the bank holidays, the run's parameters and an extract's rows, and models reading them."""

    def node(
        kind: str, name: str, parents: list[str], schema: str = "marts", materialized: str = "table"
    ) -> tuple[str, dict]:
        config = {"schema": schema, "materialized": materialized} if kind == "model" else {}
        return f"{kind}.p.{name}", {
            "attached_node": parents[0] if kind == "test" else None,
            "resource_type": kind,
            "name": name,
            "raw_code": "",
            "checksum": {"checksum": name},
            "config": config,
            "depends_on": {"nodes": parents, "macros": []},
        }

    parameters, rows = "source.p.reference.run_parameters", "source.p.raw.notifications"
    return {
        "macros": {},
        "nodes": dict(
            [
                node("seed", "codes", []),
                node("seed", "regions", []),
                node("model", "stg_codes", ["seed.p.codes", "seed.p.regions"], "staging"),
                node("model", "dim_codes", ["model.p.stg_codes"]),
                node("model", "calendar", [state.BANK_HOLIDAYS], "intermediate"),
                node("model", "dim_date", ["model.p.calendar", "seed.p.codes"]),
                node("model", "codes_by_year", ["model.p.dim_codes", parameters]),  # the run's as-at date
                node("model", "stg_rows", [rows], "staging"),
                node("model", "rows_coded", ["model.p.stg_rows", "model.p.dim_codes"]),
                node("test", "unique_dim_codes", ["model.p.dim_codes"]),
                # Views: of an extract's rows, of them and a reference model, and of a table built from rows.
                node("model", "stg_rows_view", [rows], "staging", "view"),
                node("model", "rows_named", [rows, "model.p.dim_codes"], "staging", "view"),
                node("model", "coded_view", ["model.p.rows_coded"], "marts", "view"),
                node("model", "view_counted", ["model.p.stg_rows_view", parameters]),  # a table reading a view
                node("test", "not_null_stg_rows_view", ["model.p.stg_rows_view"]),
                node("test", "accepted_values_stg_rows_view", ["model.p.stg_rows_view", "seed.p.regions"]),
            ]
        ),
    }


def test_the_reference_nodes_are_the_seeds_and_the_models_built_from_reference_data_alone():
    assert state.reference_nodes(reference_project()) == {
        "codes": state.SEEDS,
        "regions": state.SEEDS,
        "stg_codes": "staging",
        "dim_codes": "marts",
        "calendar": "intermediate",
        "dim_date": "marts",
    }


def test_the_views_of_the_loaded_tables_last_while_their_code_does_and_what_reads_them_does_not():
    """A view of the loaded tables (and of reference nodes) shows whatever rows arrived: it lasts while
    its fingerprint does. A view of a table built from rows is left to dbt, and so is every table
    that reads a view of rows (its rows change with the extracts)."""
    project = reference_project()
    assert state.source_views(project) == {"stg_rows_view": "staging", "rows_named": "staging"}
    assert state.lasting_nodes(project) == {**state.reference_nodes(project), **state.source_views(project)}
    assert not {"stg_rows_view", "rows_named", "coded_view", "view_counted"} & set(state.reference_nodes(project))


def test_a_run_leaves_a_reference_model_only_with_everything_it_reads(tmp_path):
    """nodes_to_leave, on a warehouse file: a model whose fingerprint is unchanged is still made again
    when a node it reads is (a seed's table dropped: the seed loads again, and what reads it is made)."""
    project = reference_project()
    holidays = {state.BANK_HOLIDAYS: "h1"}
    fingerprints = state.node_fingerprints(project, {}, holidays)
    warehouse = tmp_path / "sin.duckdb"
    with duckdb.connect(str(warehouse)) as database:
        database.execute("create schema raw; create table raw.loaded_files (file_sha256 varchar)")
        for name, schema in state.lasting_nodes(project).items():
            database.execute(f"create schema if not exists {schema}; create table {schema}.{name} (x int)")
        state.plan_build(database, D(2026, 1, 5), {}, [])
        complete(database, "run-1", D(2026, 1, 5), fingerprints)
    everything = ["calendar", "codes", "dim_codes", "dim_date", "regions", "rows_named", "stg_codes", "stg_rows_view"]
    assert state.nodes_to_leave(warehouse, project, {}, holidays) == everything
    # The bank holidays the run will write differ: the calendar, and the dates built on it, are made.
    assert state.nodes_to_leave(warehouse, project, {}, {state.BANK_HOLIDAYS: "h2"}) == [
        "codes",
        "dim_codes",
        "regions",
        "rows_named",
        "stg_codes",
        "stg_rows_view",
    ]
    with duckdb.connect(str(warehouse)) as database:
        database.execute("drop table reference.regions")
    # The regions seed is made again, so is all that reads it, and the view whose test reads it.
    assert state.nodes_to_leave(warehouse, project, {}, holidays) == ["calendar", "codes", "dim_date"]
    assert state.nodes_to_leave(tmp_path / "none.duckdb", project, {}, holidays) == []  # no warehouse yet


def test_the_bank_holidays_a_run_will_write_have_the_digest_read_back_from_the_table():
    """The run's prediction (before it starts) and the dbt step's reading (from the table the bank
    holidays step wrote) must agree, or a run would never leave the calendar as made, or would stop."""
    from pipelines.reference.assets import bank_holidays_contents
    from pipelines.reference.holidays import bank_holiday_frame

    as_at, start = D(2026, 10, 2), D(2019, 4, 1)
    frame = bank_holiday_frame(as_at, start).sample(fraction=1.0, shuffle=True, seed=3)  # any row order
    assert state.contents_digest(frame.rows()) == bank_holidays_contents(as_at, start)[state.BANK_HOLIDAYS]
    with duckdb.connect() as database:
        database.execute("create schema reference")
        database.execute("create table reference.bank_holidays as select * from frame")
        assert state.source_contents(database) == bank_holidays_contents(as_at, start)
        database.execute("delete from reference.bank_holidays where holiday_date = '2025-12-25'")
        assert state.source_contents(database) != bank_holidays_contents(as_at, start)
