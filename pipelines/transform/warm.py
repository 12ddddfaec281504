"""dbt started before it is needed, so that its start-up overlaps the run's own.

Starting dbt costs about 2 s before it does any work (Python, then dbt-core and its DuckDB adapter
importing themselves) and 1 s more reading the project. `sinstats run` therefore starts a dbt
process first thing (`start`), which imports dbt and parses the project while the run imports
Dagster and loads the extracts, on the other core, and then waits. When the run's dbt step comes,
Dagster's dbt resource runs `sinstats-dbt` (`client`) as its dbt executable: it connects to the
waiting process over a Unix socket (in a folder only this user can open) and hands it the command's
arguments, environment, working folder and standard streams (the file descriptors themselves); the
waiting process runs that dbt command as `dbt` would (dbt's own programmatic entry point,
`dbtRunner`), from its parse when the project and dbt's settings are still those it parsed with,
and tells the client its exit code, which the client exits with. Dagster reads the same output
from the same pipe either way.

The waiting process serves one command, then leaves. Where no process is waiting (a second dbt
command in the same run, a run started by the schedule, a test calling the pipeline in-process, a
waiting process that failed), `sinstats-dbt` replaces itself with the real `dbt` (exec), so every
command runs either way, with the same output and exit code. The waiting process never outlives
the run's process: the run kills it as it ends, and the kernel kills it if the run dies first
(`_end_with`), even in the middle of its command.

Standard library only: `sinstats run` starts the process before importing Dagster, and the client
starts with every dbt command.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import gc
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pipelines.settings import DBT_PROJECT_DIR, RUN_VARIABLES
from pipelines.transform.manifest import DBT_EXECUTABLE, dbt_environment, newest_source_mtime

SOCKET_NAME = "dbt.sock"  # in a folder of its own (mkdtemp: this user's only)
SOCKET_VARIABLE = "SINSTATS_DBT_SOCKET"  # where the waiting process listens; set by `start`
CLIENT = Path(sys.executable).with_name("sinstats-dbt")  # the dbt executable Dagster runs
HEADER = struct.Struct("!Q")  # the request's length, sent with the three file descriptors
LEFT_EARLY = 3  # the client's exit code when the waiting process ended during a command
PR_SET_PDEATHSIG = 1  # prctl(2)


@dataclass
class Waiting:
    """A dbt process started ahead of its command, and where it listens."""

    process: subprocess.Popen[bytes]
    folder: Path

    @property
    def socket(self) -> Path:
        return self.folder / SOCKET_NAME

    def stop(self) -> None:
        """End it now, and remove its folder. (Its one command, if it took one, is over: a run stops
        it as it ends. A run with nothing new never gives it one, and must not wait for its parse.)"""
        self.process.kill()
        self.process.wait()
        if self.process.stdin is not None:
            self.process.stdin.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def spawn(warehouse: Path, target: Path) -> Waiting:
    """A dbt process that imports dbt, parses the project for `warehouse` (whose dbt target folder is
    `target`), and waits for one command."""
    folder = Path(tempfile.mkdtemp(prefix="sinstats-dbt-"))
    path = folder / SOCKET_NAME
    # Listening before this returns: a client that comes early waits for dbt, and never misses it.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(path))
        listener.listen(1)
        arguments = [str(listener.fileno()), str(path), str(warehouse), str(target), str(os.getpid())]
        process = subprocess.Popen(
            [sys.executable, "-m", __name__, *arguments],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=[listener.fileno()],
        )
    return Waiting(process, folder)


_started: list[Waiting] = []


def start(warehouse: Path, target: Path) -> None:
    """For this process's run: a dbt process waiting for its dbt command, which this process's
    children (Dagster's dbt resource, through `sinstats-dbt`) find through $SINSTATS_DBT_SOCKET."""
    if _started:
        return
    waiting = spawn(warehouse, target)
    _started.append(waiting)
    os.environ[SOCKET_VARIABLE] = str(waiting.socket)
    atexit.register(waiting.stop)


def keep_dbt_out() -> None:
    """Keep dbt-core out of this process (`sinstats run`'s), before Dagster is imported: dbt runs in
    its own process here (the waiting one, or `dbt` itself), never in this one. dagster-dbt imports
    dbt-core when it can, for a few status and node-type names it also defines itself (it supports
    dbt installed elsewhere, as with dbt Fusion); hiding dbt-core saves that import, about 1.1 s of
    every run. tests/integration/test_warm.py checks that the names agree and that the asset graph
    is the same either way; the end-to-end tests of `sinstats run` run this way."""
    if "dbt" not in sys.modules:
        sys.modules["dbt"] = None  # type: ignore[assignment]


# The waiting process ----------------------------------------------------------------------------


def _receive_exactly(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the client left")
        data += chunk
    return data


# dbt's settings a parse does not depend on: those Dagster's dbt resource sets for each command, and
# the run's own (`Settings.as_env`, this process's socket). Every other DBT_ and SINSTATS_ variable
# (the warehouse profiles.yml reads among them) must be as the parse had it for its manifest to be used.
PER_COMMAND = frozenset(
    {"DBT_TARGET_PATH", "DBT_LOG_PATH", "DBT_LOG_FORMAT", "DBT_INDIRECT_SELECTION", SOCKET_VARIABLE, *RUN_VARIABLES}
)
PARSE_FILES = ("manifest.json", "semantic_manifest.json", "partial_parse.msgpack")


def parse_settings(env: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(("DBT_", "SINSTATS_")) and k not in PER_COMMAND}


@dataclass
class Parsed:
    """The project as parsed in advance, and what that parse depended on."""

    manifest: Any
    settings: dict[str, str]
    stamp: float  # the newest project file's time when the parse began
    folder: Path  # where the parse wrote its artefacts (manifest.json, partial_parse.msgpack)

    def serves(self, request: Mapping[str, Any]) -> bool:
        return (
            Path(request["cwd"]) == DBT_PROJECT_DIR
            and parse_settings(request["env"]) == self.settings
            and newest_source_mtime(DBT_PROJECT_DIR) == self.stamp
        )


def _parse_ahead(warehouse: Path, target: Path, folder: Path) -> Parsed | None:
    """Parse the project as the run's dbt command will (same project, profile and warehouse), in a
    folder of its own: the run's target folder is only written once the run holds the warehouse. Starts
    from that folder's partial parse, so an unchanged project is read, not parsed again."""
    from dbt.cli.main import dbtRunner

    env = {
        **dbt_environment(warehouse),
        "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),
        "DBT_TARGET_PATH": str(folder),
        "DBT_LOG_PATH": str(folder),
    }
    os.environ.clear()
    os.environ.update(env)
    os.chdir(DBT_PROJECT_DIR)
    with contextlib.suppress(OSError):
        shutil.copyfile(target / "partial_parse.msgpack", folder / "partial_parse.msgpack")
    stamp = newest_source_mtime(DBT_PROJECT_DIR)
    result = dbtRunner().invoke(["parse"])
    if not result.success:  # the command itself will parse again, and say why it fails
        return None
    return Parsed(result.result, parse_settings(env), stamp, folder)


def _compile_ahead(manifest: Any, waiting_on: list[Any]) -> int:
    """Until a file in `waiting_on` is readable (a client came, or the run ended): compile the Jinja
    template of each macro into dbt's own template cache, as a command compiles each one the first
    time it is called (about 0.9 s for all the project's 569, otherwise spent inside the build). The
    macros the models, tests and materialisations call come first. Returns how many were compiled."""
    from dbt_common.clients.jinja import template_cache

    macros = manifest.macros
    pending = [m for node in manifest.nodes.values() for m in node.depends_on.macros]
    pending += [unique_id for unique_id, macro in macros.items() if macro.name.startswith("materialization_")]
    ordered: dict[str, None] = {}
    while pending:
        unique_id = pending.pop()
        if unique_id in macros and unique_id not in ordered:
            ordered[unique_id] = None
            pending.extend(macros[unique_id].depends_on.macros)
    ordered.update(dict.fromkeys(macros))
    compiled = 0
    for unique_id in ordered:
        if select.select(waiting_on, [], [], 0)[0]:
            break
        with contextlib.suppress(Exception):  # the command compiles it again, and says what is wrong
            template_cache.get_node_template(macros[unique_id])
            compiled += 1
    return compiled


def write_only_lines_written() -> None:
    """Have dbt format a log line only for a logger that will write it. dbt's event manager formats
    every event for every logger (JSON, with secrets scrubbed from it) and only then hands the line
    to Python's logging, which drops it below the logger's level: the standard-output logger (level
    info) formatted every debug event of a build in vain, about a tenth of the build's own time.
    Here a line whose level the logger is not enabled for is not formatted at all; every line
    written is as before (`tests/integration/test_warm.py`). Only in this process, once."""
    from dbt_common.events import logger as dbt_logger

    base = dbt_logger._Logger
    if getattr(base.write_line, "only_lines_written", False):
        return
    write_line = base.write_line
    # dbt's own map from its level names to Python's levels (an unknown one is left to dbt to report).
    python_levels = {level.value: python for level, python in dbt_logger._log_level_map.items()}

    def write_if_enabled(self: Any, msg: Any) -> None:
        python = getattr(self, "_python_logger", None)
        if python is not None:
            level = python_levels.get("error" if dbt_logger._is_print_event(msg) else msg.info.level)
            if level is not None and not python.isEnabledFor(level):
                return
        write_line(self, msg)

    write_if_enabled.only_lines_written = True  # type: ignore[attr-defined]
    base.write_line = write_if_enabled  # type: ignore[method-assign]


def leave_the_parse_manifest() -> None:
    """Have a command served from the parse made ahead leave that parse's manifest.json in the target
    folder, where `_run_dbt` put it, rather than write the whole manifest again at its end: that was
    the last quarter of a second of every daily build at 1,000,000 rows, after its last node. What
    the command would add, the compiled SQL of the nodes it ran, is in the target's `compiled/`
    and `run/` folders as always, and run_results.json is written as before. Nothing of sinstats
    reads the compiled SQL from that manifest: Dagster's graph is built from dbt/target's, and the
    documentation page's fingerprint leaves the build's fields out (pipelines/pages/assets.py).
    `tests/integration/test_warm.py` builds a model both ways. Only in this process, which runs
    one command."""
    from dbt.task import runnable

    runnable.write_manifest = lambda *_arguments, **_keywords: None  # type: ignore[attr-defined]


def _run_dbt(request: dict[str, Any], parsed: Parsed | None) -> int:
    """One dbt command, as the `dbt` executable would run it, on the standard streams now in place;
    from the parse made in advance when the project and its settings are still those it parsed."""
    from dbt.cli.main import dbtRunner

    manifest = None
    if parsed is not None and parsed.serves(request):
        target = Path(request["cwd"], request["env"].get("DBT_TARGET_PATH", "target"))
        target.mkdir(parents=True, exist_ok=True)
        for name in PARSE_FILES:  # as the command would have written them after its parse
            with contextlib.suppress(FileNotFoundError):
                shutil.copyfile(parsed.folder / name, target / name)
        manifest = parsed.manifest
        with contextlib.suppress(ImportError, AttributeError):  # another dbt: it writes it, as before
            leave_the_parse_manifest()
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    with contextlib.suppress(ImportError, AttributeError):  # another dbt: it formats every line, as before
        write_only_lines_written()
    try:
        result = dbtRunner(manifest=manifest).invoke(request["args"])
    except BaseException as error:  # what `dbt` would print as it fell over
        print(f"dbt: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    # dbt's exit codes: 0 success, 1 a node failed or errored, 2 dbt itself failed.
    if result.success:
        return 0
    if result.exception is not None:
        print(f"dbt: {type(result.exception).__name__}: {result.exception}", file=sys.stderr)
        return 2
    return 1


def _end_with(parent: int) -> None:
    """Be killed when `parent` ends, however it ends, even during a dbt command: a dbt left running
    after its run was killed would write to a warehouse the next run may already hold. (A `dbt` the
    run started itself would end with the run's process group, as this process does.) Linux only;
    elsewhere, this process ends when it finds its standard input closed."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it ended before the line above
        os._exit(0)


def serve(listening: int, path: Path, warehouse: Path, target: Path, parent: int) -> None:
    """Import dbt and parse the project, then run the one command a client brings to the socket
    `listening` (at `path`), or leave when the process that started this one (`parent`) ends."""
    _end_with(parent)
    listener = socket.socket(fileno=listening)
    try:
        parsed = _parse_ahead(warehouse, target, Path(tempfile.mkdtemp(dir=path.parent)))
    except Exception:  # the command will parse again, and say what is wrong
        parsed = None
    if parsed is not None:
        _compile_ahead(parsed.manifest, [listener, sys.stdin])
    ready, _, _ = select.select([listener, sys.stdin], [], [])
    if listener not in ready:
        return
    connection, _ = listener.accept()
    path.unlink()  # the next client finds no one waiting, and runs dbt itself
    listener.close()
    connection.sendall(f"{os.getpid()}\n".encode())
    header, descriptors, _, _ = socket.recv_fds(connection, HEADER.size, 3)
    (size,) = HEADER.unpack(header)
    request = json.loads(_receive_exactly(connection, size))
    for descriptor, standard in zip(descriptors, (0, 1, 2), strict=True):
        os.dup2(descriptor, standard)
        os.close(descriptor)
    # Line by line, as `dbt` writes to a pipe with PYTHONUNBUFFERED: Dagster shows each node as it ends.
    sys.stdout = open(1, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
    code = _run_dbt(request, parsed)
    sys.stdout.flush()
    sys.stderr.flush()
    # Let go of the client's streams at once: Dagster reads dbt's output until every holder of the
    # pipe has closed it, and this process's teardown (half a second of freeing dbt) need not be waited for.
    nothing = os.open(os.devnull, os.O_RDWR)
    for standard in (0, 1, 2):
        os.dup2(nothing, standard)
    # What `dbt` does as it exits that matters: dbt-duckdb closes the warehouse (its exit handler).
    # Then the client may go: the run opens the warehouse next.
    atexit._run_exitfuncs()
    gc.collect()
    connection.sendall(f"{code}\n".encode())
    connection.close()
    os._exit(0)


# The client: `sinstats-dbt` -----------------------------------------------------------------------


def _connect() -> tuple[socket.socket, BinaryIO, int] | None:
    """A connection to the waiting process, its replies and its pid; None when no process is waiting."""
    path = os.environ.get(SOCKET_VARIABLE)
    if not path:
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(path)
        replies = connection.makefile("rb")
        greeting = replies.readline().strip()  # sent once its imports and parse are done
    except OSError:
        connection.close()
        return None
    if not greeting.isdigit():  # it failed while importing dbt
        connection.close()
        return None
    return connection, replies, int(greeting)


def client() -> None:
    """`sinstats-dbt ARGS`: `dbt ARGS`, run by the waiting process when there is one."""
    args = sys.argv[1:]
    found = _connect()
    if found is None:
        os.execv(DBT_EXECUTABLE, [str(DBT_EXECUTABLE), *args])
    connection, replies, pid = found
    request = json.dumps({"args": args, "env": dict(os.environ), "cwd": os.getcwd()}).encode()

    def forward(signum: int, _frame: object) -> None:  # Dagster stops dbt with SIGINT, then SIGTERM
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    socket.send_fds(connection, [HEADER.pack(len(request))], [0, 1, 2])
    connection.sendall(request)
    answer = replies.readline().strip()
    if not answer.isdigit():
        print("sinstats-dbt: the dbt process ended before its command finished", file=sys.stderr)
        sys.exit(LEFT_EARLY)
    sys.exit(int(answer))


if __name__ == "__main__":
    serve(int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5]))
