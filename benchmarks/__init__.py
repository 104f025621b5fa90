"""vidwidgets' benchmarks: each figure side by side with a baseline measured in the same run.

Run them with ``make bench`` or ``python -m benchmarks [NAME ...] [--quick]``. Each module
has ``run(quick: bool) -> BenchResult``; the order below is the order of the table.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: benchmark name -> module (the issue's numbering: 1 polling ... 7 browser; 8 metrics, issue 13)
BENCHMARKS: dict[str, str] = {
    "polling": "benchmarks.polling",
    "batch": "benchmarks.batch",
    "download": "benchmarks.download",
    "kernel": "benchmarks.kernel",
    "import": "benchmarks.imports",
    "notebook": "benchmarks.notebook",
    "browser": "benchmarks.browser",
    "metrics": "benchmarks.metrics",
}


def load(name: str) -> ModuleType:
    """The module of one benchmark (imported on demand: each has its own heavy imports)."""
    return importlib.import_module(BENCHMARKS[name])
