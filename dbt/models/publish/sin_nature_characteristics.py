"""sin_nature_characteristics: national counts by quarter, characteristic and nature, suppressed.

Disclosure control is Python (pipelines/publish/tables.py): secondary suppression repeats
until nothing changes, which SQL says badly.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    import polars as pl

    from pipelines.publish.tables import characteristics_equations, suppressed_counts

    cells = (
        dbt.ref("int_characteristic_cells_counted")
        .pl()
        .sort("time_period", "quarter_order", "topic_order", "item_order", "nature_order")
    )
    england = dbt.ref("countries").pl().filter(pl.col("country_name") == "England").row(0, named=True)
    equations, known = characteristics_equations(cells)
    published = suppressed_counts(cells, "number_notifications", equations, known)
    return published.select(
        pl.col("time_period").cast(pl.String),
        pl.lit("Reporting year").alias("time_identifier"),
        pl.lit("National").alias("geographic_level"),
        pl.lit(england["country_code"]).alias("country_code"),
        pl.lit(england["country_name"]).alias("country_name"),
        "quarter",
        "breakdown_topic",
        "breakdown",
        "nature_of_notification",
        "number_notifications",
    )
