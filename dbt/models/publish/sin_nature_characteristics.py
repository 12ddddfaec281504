"""sin_nature_characteristics: national counts by quarter, characteristic and nature, suppressed.

Disclosure control is Python (pipelines/publish/tables.py): secondary suppression repeats
until nothing changes, which SQL says badly.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from pipelines.publish.tables import characteristics_equations, national_file, suppressed_counts

    cells = (
        dbt.ref("int_characteristic_cells_counted")
        .pl()
        .sort("time_period", "quarter_order", "topic_order", "item_order", "nature_order")
    )
    equations, known = characteristics_equations(cells)
    published = suppressed_counts(cells, "number_notifications", equations, known)
    return national_file(
        published,
        dbt.ref("countries").pl(),
        ["quarter", "breakdown_topic", "breakdown", "nature_of_notification", "number_notifications"],
    )
