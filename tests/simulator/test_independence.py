"""The simulator is an independent implementation of the server: it never uses the client."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import vidwidgets.simulator

PACKAGE = Path(vidwidgets.simulator.__file__).parent


def test_simulator_sources_do_not_mention_the_client() -> None:
    for path in PACKAGE.glob("*.py"):
        text = path.read_text()
        assert "vidwidgets.client" not in text, path
        assert "from vidwidgets import" not in text, path


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
