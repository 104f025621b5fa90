"""What every apps test shares: widgets talk to a recording comm instead of a front end."""

from __future__ import annotations

import comm
import pytest

from tests.widgets._comm import RecordingComm


@pytest.fixture(autouse=True)
def recording_comm(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widgets made in a test send their messages to a `RecordingComm` the test can read."""
    monkeypatch.setattr(comm, "create_comm", lambda **kw: RecordingComm(**kw))
    monkeypatch.setattr(comm, "get_comm_manager", lambda **kw: {})
