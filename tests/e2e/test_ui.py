"""The Dagster web UI loads this project through workspace.yaml and lists its assets."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.e2e
def test_the_web_server_answers_and_lists_the_graph(tmp_path):
    port = free_port()
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(home), "SINSTATS_WAREHOUSE": str(tmp_path / "sin.duckdb")}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("dagster-webserver")),
            "-w",
            str(PROJECT / "workspace.yaml"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        query = json.dumps({"query": "{ assetNodes { assetKey { path } } }"}).encode()
        deadline = time.monotonic() + 90
        paths = None
        while time.monotonic() < deadline and paths is None:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/graphql",
                    data=query,
                    headers={"Content-Type": "application/json"},
                )
                with urllib.request.urlopen(request, timeout=5) as response:
                    nodes = json.load(response)["data"]["assetNodes"]
                    if nodes:
                        paths = {"/".join(n["assetKey"]["path"]) for n in nodes}
            except (OSError, KeyError, TypeError, ValueError):
                time.sleep(1)
        assert paths is not None, "the web server did not answer within 90 s"
        assert {"raw/notifications", "marts/fct_notifications", "open_data/sin_total_notifications"} <= paths
    finally:
        server.terminate()
        server.wait(timeout=30)
