"""Dashboards: figure builders (table in, plotly figure out) and the assembly of offline pages."""
