"""The release as a Dagster job, for statisticians who start it from the UI."""

import datetime as dt

from dagster import Config, OpExecutionContext, in_process_executor, job, op

from pipelines.release.build import build_release, default_cut_off
from pipelines.resources import SinstatsSettings


class ReleaseConfig(Config):
    year: int
    cut_off: str = ""  # YYYY-MM-DD; blank = 30 June after the reporting year


@op(description="Builds PUBLISH/releases/YEAR/ as at the cut-off, from the analysts' copy")
def build_release_bundle(context: OpExecutionContext, config: ReleaseConfig, paths: SinstatsSettings) -> None:
    cut_off = dt.date.fromisoformat(config.cut_off) if config.cut_off else default_cut_off(config.year)
    outcome = build_release(paths.settings(), config.year, cut_off, progress=context.log.info)
    context.log.info(outcome.summary())


@job(executor_def=in_process_executor, description="sinstats release YEAR [--cut-off DATE], from the UI")
def build_release_job():
    build_release_bundle()
