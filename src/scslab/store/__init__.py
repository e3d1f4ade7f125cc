"""Results database (DuckDB), Parquet export and per-subject credit files."""

from scslab.store.duck import DB_NAME, TABLES, export_parquet, list_runs, write_run
from scslab.store.inspect import RunIndex, credit_file, format_credit_file
from scslab.store.load import load_results
from scslab.store.lookup import add_lookup_indexes

__all__ = [
    "DB_NAME",
    "TABLES",
    "RunIndex",
    "add_lookup_indexes",
    "credit_file",
    "export_parquet",
    "format_credit_file",
    "list_runs",
    "load_results",
    "write_run",
]
