"""SinstatsDbtCli overrides two private members of dagster-dbt's DbtCliResource (pipelines/transform/project.py).

These tests fail when an upgrade of dagster-dbt changes them, so the overrides are looked at again
rather than silently doing nothing (or the wrong thing).
"""

from __future__ import annotations

import functools
import inspect

from dagster_dbt import DbtCliResource

from pipelines.transform.project import SinstatsDbtCli, dbt_cli


def test_the_overridden_members_still_exist_upstream_with_the_same_shape():
    assert isinstance(inspect.getattr_static(DbtCliResource, "_cli_version"), functools.cached_property)
    upstream = inspect.signature(DbtCliResource._initialize_dbt_core_adapter)
    assert list(upstream.parameters) == ["self", "args"]


def test_upstream_cli_still_reaches_dbt_through_them():
    source = inspect.getsource(DbtCliResource.cli)
    assert "self._cli_version" in source
    assert "self._initialize_dbt_core_adapter(args)" in source


def test_our_version_is_the_installed_dbt_core_and_no_adapter_is_opened():
    from dbt.version import __version__

    resource = dbt_cli()
    assert isinstance(resource, SinstatsDbtCli)
    assert str(resource._cli_version) == __version__
    assert resource._initialize_dbt_core_adapter(["build"]) is None
