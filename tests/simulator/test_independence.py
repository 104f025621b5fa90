"""The simulator is an independent implementation of the server: it never uses the client."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import vidwidgets.simulator

PACKAGE = Path(vidwidgets.simulator.__file__).parent


def test_simulator_sources_import_nothing_from_the_client() -> None:
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert name != "vidwidgets", f"{path}: imports from the top-level package"
                assert not name.startswith("vidwidgets.client"), f"{path}: imports {name}"


def test_importing_and_running_the_simulator_loads_no_client_module() -> None:
    code = (
        "import sys\n"
        "from vidwidgets.simulator import Simulator\n"
        "Simulator(speed=100).start().stop()\n"
        "print([m for m in sys.modules if m.startswith(('vidwidgets.client', 'vidwidgets.widgets'))])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"
