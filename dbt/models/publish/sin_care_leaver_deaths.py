"""sin_care_leaver_deaths: national care leaver deaths by age group, from 2025, suppressed."""


def model(dbt, session):
    dbt.config(materialized="table")
    from pipelines.publish.tables import care_leaver_equations, national_file, suppressed_counts

    cells = dbt.ref("int_care_leaver_cells_counted").pl().sort("time_period", "publish_order")
    equations, known = care_leaver_equations(cells)
    published = suppressed_counts(cells, "number_notifications", equations, known)
    return national_file(published, dbt.ref("countries").pl(), ["age_group", "number_notifications"])
