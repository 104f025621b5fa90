"""Persistent prompt experiments, run concurrently, resumed, and reused.

A folder per experiment, a concurrent runner that resumes by task id and reuses finished
videos, and the records behind the Comparison grid and the CLI.

    >>> from vidwidgets.experiments import ExperimentStore, run_cells
    >>> exp = ExperimentStore().experiment("fox-prompts")                # doctest: +SKIP
    >>> records = await run_cells(client, exp, requests)                 # doctest: +SKIP
    >>> exp.to_dataframe()                                               # doctest: +SKIP
"""

from vidwidgets._exports import publish
from vidwidgets.experiments._arena_rank import OUTCOMES, BradleyTerry, RankRow, check_outcome
from vidwidgets.experiments._captions import (
    caption,
    captions,
    differing_fields,
    record_captions,
    word_diff,
)
from vidwidgets.experiments._costs import RunCost, Spend, format_usd
from vidwidgets.experiments._filmstrip import Filmstrip, filmstrip, strip_path
from vidwidgets.experiments._measuring import format_metric
from vidwidgets.experiments._media import probe_video
from vidwidgets.experiments._paths import atomic_write_bytes, safe_name
from vidwidgets.experiments._runner import (
    Cell,
    CellRun,
    ExperimentRunner,
    as_cells,
    run_cells,
)
from vidwidgets.experiments._store import (
    Experiment,
    ExperimentStore,
    PruneReport,
    RunRecord,
    Usage,
    cell_key,
    default_runs_dir,
    public_server_url,
)
from vidwidgets.experiments._takes import (
    check_samples,
    check_seed_axis,
    seed_for,
    take_numbers,
)

__all__ = [
    "OUTCOMES",
    "BradleyTerry",
    "Cell",
    "CellRun",
    "Experiment",
    "ExperimentRunner",
    "ExperimentStore",
    "Filmstrip",
    "PruneReport",
    "RankRow",
    "RunCost",
    "RunRecord",
    "Spend",
    "Usage",
    "as_cells",
    "atomic_write_bytes",
    "caption",
    "captions",
    "cell_key",
    "check_outcome",
    "check_samples",
    "check_seed_axis",
    "default_runs_dir",
    "differing_fields",
    "filmstrip",
    "format_metric",
    "format_usd",
    "probe_video",
    "public_server_url",
    "record_captions",
    "run_cells",
    "safe_name",
    "seed_for",
    "strip_path",
    "take_numbers",
    "word_diff",
]

# reprs, tracebacks and pickle name the top-level exports vidwidgets.X
publish(__name__, globals())
