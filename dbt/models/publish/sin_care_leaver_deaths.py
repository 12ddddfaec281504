"""sin_care_leaver_deaths: national care leaver deaths by age group, from 2025, suppressed."""


def model(dbt, session):
    dbt.config(materialized="table")
    import polars as pl

    from pipelines.publish.tables import care_leaver_equations, suppressed_counts

    cells = dbt.ref("int_care_leaver_cells_counted").pl().sort("time_period", "publish_order")
    england = dbt.ref("countries").pl().filter(pl.col("country_name") == "England").row(0, named=True)
    equations, known = care_leaver_equations(cells)
    published = suppressed_counts(cells, "number_notifications", equations, known)
    return published.select(
        pl.col("time_period").cast(pl.String),
        pl.lit("Reporting year").alias("time_identifier"),
        pl.lit("National").alias("geographic_level"),
        pl.lit(england["country_code"]).alias("country_code"),
        pl.lit(england["country_name"]).alias("country_name"),
        "age_group",
        "number_notifications",
    )
