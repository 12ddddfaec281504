"""The dbt process `sinstats run` starts ahead of its dbt command (pipelines/transform/warm.py), with
the real dbt and the real `sinstats-dbt` client: it runs the first command, from its own parse when
the project and settings are those it parsed; every later command runs dbt itself; either way the
output and exit code are dbt's; it never outlives the process that started it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import DBT_PROJECT_DIR
from pipelines.transform import warm
from pipelines.transform.manifest import DATABASE_VARIABLE, dbt_environment
from tests.dbt_command import READ_THE_PROJECT, events, last_invocation


def dbt_env(warehouse: Path, target: Path, waiting: warm.Waiting | None) -> dict[str, str]:
    """The environment Dagster's dbt resource gives the dbt executable (dagster_dbt's DbtCliResource.cli)."""
    env = {
        **dbt_environment(warehouse),
        "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target),
        "DBT_LOG_FORMAT": "json",
    }
    env.pop(warm.SOCKET_VARIABLE, None)
    if waiting is not None:
        env[warm.SOCKET_VARIABLE] = str(waiting.socket)
    return env


def client(env: dict[str, str], *args: str) -> tuple[int, int, str]:
    """`sinstats-dbt ARGS` as Dagster runs it: its exit code, its pid, and its output."""
    process = subprocess.Popen(
        [str(warm.CLIENT), *args],
        env=env,
        cwd=DBT_PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = process.communicate(timeout=300)[0]
    return process.returncode, process.pid, output


LIST = ("ls", "--select", "dim_date", "--resource-type", "model", "--output", "name")


def printed(output: str) -> list[str]:
    return [event["info"]["msg"] for event in events(output) if event["info"]["name"] == "PrintEvent"]


def test_the_waiting_dbt_runs_the_first_command_from_its_parse_and_the_next_runs_dbt_itself(tmp_path):
    warehouse, target = tmp_path / "sin.duckdb", tmp_path / "target"
    waiting = warm.spawn(warehouse, target)
    try:
        env = dbt_env(warehouse, target, waiting)
        code, pid, output = client(env, *LIST)
        assert code == 0, output
        assert {event["info"]["pid"] for event in events(output)} == {waiting.process.pid}  # it ran there
        assert printed(output) == ["dim_date"]
        served = last_invocation(target / "dbt.log")
        assert not any(event["info"]["name"] == READ_THE_PROJECT for event in served)  # from its parse
        assert (target / "manifest.json").exists() and (target / "partial_parse.msgpack").exists()
        assert waiting.process.wait(timeout=30) == 0  # one command, then it leaves
        assert not waiting.socket.exists()

        code, pid, output = client(env, *LIST)
        assert code == 0, output
        assert {event["info"]["pid"] for event in events(output)} == {pid}  # dbt itself, in the client's place
        assert printed(output) == ["dim_date"]
        assert any(event["info"]["name"] == READ_THE_PROJECT for event in last_invocation(target / "dbt.log"))
    finally:
        waiting.stop()
    assert not waiting.folder.exists()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("ls", "--no-such-option"), 2),  # dbt itself fails: a usage mistake
        (("show", "--inline", "select * from no_such_table"), 2),  # dbt fails on what it was given
        (("run", "--select", "stg_raw__notifications"), 1),  # a node fails: its source is not there
    ],
)
def test_the_exit_code_is_dbts_whether_the_waiting_process_runs_the_command_or_dbt_does(tmp_path, args, code):
    warehouse, target = tmp_path / "sin.duckdb", tmp_path / "target"
    waiting = warm.spawn(warehouse, target)
    try:
        served = client(dbt_env(warehouse, target, waiting), *args)
        assert {event["info"]["pid"] for event in events(served[2])} <= {waiting.process.pid}
    finally:
        waiting.stop()
    itself = client(dbt_env(warehouse, target, None), *args)
    assert (served[0], itself[0]) == (code, code), (served[2], itself[2])


def test_a_build_served_from_the_parse_leaves_the_parse_manifest_and_writes_its_results(tmp_path):
    """Served from the parse, a build builds what dbt itself builds and writes its run_results.json and
    compiled SQL files; the target's manifest.json stays the parse's (no compiled SQL in it), where
    dbt itself writes it again at the end with the compiled SQL of what it ran."""
    build = ("build", "--select", "+stg_reference__local_authorities", "--indirect-selection", "cautious")
    model = "model.sinstats.stg_reference__local_authorities"
    found = {}
    for way in ("served", "itself"):
        warehouse, target = tmp_path / way / "sin.duckdb", tmp_path / way / "target"
        waiting = warm.spawn(warehouse, target) if way == "served" else None
        try:
            code, pid, output = client(dbt_env(warehouse, target, waiting), *build)
        finally:
            if waiting is not None:
                waiting.stop()
        assert code == 0, output
        assert {event["info"]["pid"] for event in events(output)} == {waiting.process.pid if waiting else pid}
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
        node = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"][model]
        compiled = target / "compiled" / "sinstats" / "models" / "staging" / "stg_reference__local_authorities.sql"
        found[way] = ({r["unique_id"]: r["status"] for r in results}, node.get("compiled_code"), compiled.exists())
    assert found["served"][0] == found["itself"][0] and found["served"][0][model] == "success"
    assert found["served"][1] is None and "select" in (found["itself"][1] or "")
    assert found["served"][2] and found["itself"][2]


def test_a_command_for_another_warehouse_is_not_run_from_the_parse_made_for_this_one(tmp_path):
    warehouse, target = tmp_path / "sin.duckdb", tmp_path / "target"
    waiting = warm.spawn(warehouse, target)
    try:
        code, _pid, output = client(dbt_env(tmp_path / "other.duckdb", target, waiting), *LIST)
    finally:
        waiting.stop()
    assert code == 0, output
    assert {event["info"]["pid"] for event in events(output)} == {waiting.process.pid}
    assert any(event["info"]["name"] == READ_THE_PROJECT for event in last_invocation(target / "dbt.log"))
    assert printed(output) == ["dim_date"]


def test_the_parse_settings_leave_out_only_what_a_command_or_the_run_sets():
    env = {
        "DBT_TARGET_PATH": "t",
        "DBT_LOG_FORMAT": "json",
        "SINSTATS_LANDING": "l",
        DATABASE_VARIABLE: "w",
        "HOME": "h",
    }
    assert warm.parse_settings(env) == {DATABASE_VARIABLE: "w"}
    assert warm.parse_settings({**env, "DBT_PROFILES_DIR": "p"}) == {DATABASE_VARIABLE: "w", "DBT_PROFILES_DIR": "p"}


def ended(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status  # a zombie has ended; only its parent's reaping is left


START_THEN_RUN = """
import os, subprocess, sys
from pathlib import Path
from pipelines.settings import DBT_PROJECT_DIR
from pipelines.transform import warm
from tests.integration.test_warm import dbt_env
warehouse, target = Path(sys.argv[1]), Path(sys.argv[2])
waiting = warm.spawn(warehouse, target)
print(waiting.process.pid, waiting.socket, flush=True)
if sys.argv[3] == "command":  # a query of minutes
    query = "select sum(i % 7) from range(100000000000) as numbers (i)"
    env = dbt_env(warehouse, target, waiting)
    subprocess.run([str(warm.CLIENT), "show", "--inline", query], env=env, cwd=DBT_PROJECT_DIR)
else:
    subprocess.run(["sleep", "600"])
"""


@pytest.mark.parametrize("when", ["waiting", "command"])
def test_the_waiting_dbt_ends_when_the_process_that_started_it_is_killed(tmp_path, when):
    """While it waits, and during its command: a dbt left running after its run was killed would
    write to a warehouse the next run may already hold."""
    run = subprocess.Popen(
        [sys.executable, "-c", START_THEN_RUN, str(tmp_path / "sin.duckdb"), str(tmp_path / "target"), when],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert run.stdout is not None
    pid, path = run.stdout.readline().split()
    try:
        deadline = time.monotonic() + 120
        while when == "command" and Path(path).exists() and time.monotonic() < deadline:
            time.sleep(0.1)  # until it has taken the command (it removes its socket then)
        time.sleep(2)
        assert not ended(int(pid))
        run.kill()
        run.wait()
        deadline = time.monotonic() + 15
        while not ended(int(pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ended(int(pid))
    finally:
        if not ended(int(pid)):
            os.kill(int(pid), 9)


def test_the_warehouse_is_closed_when_the_client_returns(tmp_path):
    """As when `dbt` exits: the warehouse written and closed (checkpointed, no write-ahead log left),
    free for the run's next step at once."""
    warehouse, target = tmp_path / "sin.duckdb", tmp_path / "target"
    waiting = warm.spawn(warehouse, target)
    try:
        code, _pid, output = client(dbt_env(warehouse, target, waiting), "seed", "--select", "abuse_neglect")
    finally:
        waiting.stop()
    assert code == 0, output
    assert {event["info"]["pid"] for event in events(output)} == {waiting.process.pid}
    assert not warehouse.with_name(warehouse.name + ".wal").exists()
    with duckdb.connect(str(warehouse)) as connection:
        assert connection.execute("select count(*) from reference.abuse_neglect").fetchall()[0][0] > 0


WITHOUT_DBT_CORE = """
import json, sys
from pipelines.transform import warm
warm.keep_dbt_out()
from tests.integration.test_warm import names
from dagster_dbt import compat
from tests.e2e.test_graph import describe
print(json.dumps({"names": names(compat), "graph": describe(), "version": str(compat.DBT_PYTHON_VERSION)}))
"""


def names(compat) -> dict[str, list[str]]:
    """What dagster-dbt compares dbt's statuses and node types with (dagster_dbt.compat)."""
    kinds = {
        kind: sorted(str(member.value) for member in getattr(compat, kind))
        for kind in ("NodeStatus", "TestStatus", "NodeType")
    }
    kinds["REFABLE_NODE_TYPES"] = sorted(map(str, compat.REFABLE_NODE_TYPES))
    kinds["SUCCESSFUL_NODE_STATUSES"] = sorted(map(str, compat.SUCCESSFUL_NODE_STATUSES))
    return kinds


def test_dagster_dbt_without_dbt_core_builds_the_same_graph_and_knows_every_name_dbt_core_gives():
    """`sinstats run` keeps dbt-core out of its process (`keep_dbt_out`): dagster-dbt then uses its own
    copies of dbt's status and node-type names. The asset graph must be the one `dagster dev` and the
    tests see (the golden snapshot), and every name dbt-core can report for this project must be known."""
    from dagster_dbt import compat

    from tests.e2e.test_graph import SNAPSHOT, describe

    finished = subprocess.run(
        [sys.executable, "-c", WITHOUT_DBT_CORE],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).parents[2],
    )
    assert finished.returncode == 0, finished.stderr
    hidden = json.loads(finished.stdout.splitlines()[-1])
    assert hidden["version"] == "None" and compat.DBT_PYTHON_VERSION is not None  # each mode as meant
    assert hidden["graph"] == describe() == SNAPSHOT.read_text()
    here, there = names(compat), hidden["names"]
    assert set(here["NodeStatus"]) <= set(there["NodeStatus"])
    assert here["TestStatus"] == there["TestStatus"]
    assert here["REFABLE_NODE_TYPES"] == there["REFABLE_NODE_TYPES"]
    assert here["SUCCESSFUL_NODE_STATUSES"] == there["SUCCESSFUL_NODE_STATUSES"]
    # dbt-core's "function" nodes (user-defined functions) are unknown without it: the project has none.
    assert set(here["NodeType"]) - set(there["NodeType"]) <= {"function"}
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))
    assert not manifest.get("functions")


COMPILE_AHEAD = """
import os, sys, tempfile
from pathlib import Path
from dbt_common.clients.jinja import template_cache
from pipelines.transform import warm

parsed = warm._parse_ahead(Path(sys.argv[1]), Path(sys.argv[2]), Path(tempfile.mkdtemp()))
macros = parsed.manifest.macros
quiet, _ = os.pipe()
compiled = warm._compile_ahead(parsed.manifest, [quiet])
cached = sum(macro.macro_sql in template_cache.file_cache for macro in macros.values())
template_cache.clear()
come, signal = os.pipe()
os.write(signal, b"x")
print(len(macros), compiled, cached, warm._compile_ahead(parsed.manifest, [come]), len(template_cache.file_cache))
"""


def test_the_waiting_dbt_compiles_every_macro_until_a_command_comes(tmp_path):
    """While it waits, the dbt process fills dbt's template cache with every macro; once a client (or
    the run's end) is there, it compiles nothing more."""
    done = subprocess.run(
        [sys.executable, "-c", COMPILE_AHEAD, str(tmp_path / "sin.duckdb"), str(tmp_path / "target")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    macros, compiled, cached, interrupted, left = map(int, done.stdout.split()[-5:])
    assert macros > 500  # dbt's, dbt-duckdb's and the project's own
    assert compiled == cached == macros
    assert interrupted == left == 0


ONLY_LINES_WRITTEN = """
import io, json, sys
from dbt_common.events import logger as dbt_logger
from dbt_common.events.base_types import EventLevel
from dbt_common.events.event_manager import EventManager
from dbt_common.events.logger import LineFormat, LoggerConfig
from dbt_common.events.types import Note, PrintEvent
from pipelines.transform import warm

def lines(stream):
    return [(e["info"]["name"], e["info"]["level"], e["info"]["msg"]) for e in map(json.loads, stream.getvalue().splitlines())]

def fire():
    standard, debug = io.StringIO(), io.StringIO()
    manager = EventManager()
    for name, level, stream in (("stdout_log", EventLevel.INFO, standard), ("file_log", EventLevel.DEBUG, debug)):
        manager.add_logger(LoggerConfig(name=name, line_format=LineFormat.Json, level=level, output_stream=stream))
    formatted = []
    create_line = dbt_logger._JsonLogger.create_line
    dbt_logger._JsonLogger.create_line = lambda self, msg: formatted.append(msg.info.name) or create_line(self, msg)
    manager.fire_event(Note(msg="a debug note"), level=EventLevel.DEBUG)
    manager.fire_event(Note(msg="an info note"))
    manager.fire_event(PrintEvent(msg="printed"))
    dbt_logger._JsonLogger.create_line = create_line
    return lines(standard), lines(debug), len(formatted)

before = fire()
warm.write_only_lines_written()
warm.write_only_lines_written()  # once is enough; twice changes nothing
after = fire()
print(json.dumps([before, after]))
"""


def test_dbt_formats_only_the_log_lines_a_logger_writes_and_writes_the_same_lines():
    """dbt's loggers as a build has them (standard output at info, the file at debug), with dbt's own
    events: the same lines written before and after, and the debug line no longer formatted for
    standard output (6 lines formatted before, 5 after)."""
    done = subprocess.run([sys.executable, "-c", ONLY_LINES_WRITTEN], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    before, after = json.loads(done.stdout.splitlines()[-1])
    standard = [["Note", "info", "an info note"], ["PrintEvent", "info", "printed"]]
    debug = [["Note", "debug", "a debug note"], *standard]
    assert before == [standard, debug, 6]
    assert after == [standard, debug, 5]
