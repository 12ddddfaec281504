"""Disclosure control (docs/rules.md §4): a stage of its own between the dbt cell tables and the file writer."""
