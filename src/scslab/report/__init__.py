"""HTML report of a run: Jinja2 template with offline (inlined) Plotly figures."""

from scslab.report.html import figure_sections, indicator_rows, render_report, summary_rows, write_report
from scslab.report.story import cost_section, headline, lens_section, summary_label

__all__ = [
    "cost_section",
    "figure_sections",
    "headline",
    "indicator_rows",
    "lens_section",
    "render_report",
    "summary_label",
    "summary_rows",
    "write_report",
]
