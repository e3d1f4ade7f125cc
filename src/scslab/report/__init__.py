"""HTML report of a run: Jinja2 template with offline (inlined) Plotly figures."""

from scslab.report.html import render_report, write_report

__all__ = ["render_report", "write_report"]
