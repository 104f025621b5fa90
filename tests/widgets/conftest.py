"""Widgets without a browser: every comm records what it would send to the front end.

Like ipywidgets' own tests, ``comm.create_comm`` is swapped for a recording comm (see
``_comm.py``), so a test sees each state update and custom message with its binary buffers, and
plays the browser's part with ``widget._handle_msg(...)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import comm
import pytest

from ._comm import RecordingComm


@pytest.fixture(autouse=True)
def recording_comm(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(comm, "create_comm", lambda **kw: RecordingComm(**kw))
    monkeypatch.setattr(comm, "get_comm_manager", lambda **kw: {})
    return
