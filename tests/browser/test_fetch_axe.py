"""scripts/fetch_axe.py: the pinned tarball or nothing, and no network once cached.

No browser here: a loopback HTTP server stands in for registry.npmjs.org and serves a small
tarball laid out like npm's (``package/axe.min.js``); the script's pins are pointed at it.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fetch_axe.py"
AXE_JS = b"/*! axe v0.0.0-test */ window.axe = {};\n"


def load_script() -> Any:
    spec = importlib.util.spec_from_file_location("fetch_axe", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def npm_tarball(script: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("package/axe.min.js")
        info.size = len(script)
        archive.addfile(info, io.BytesIO(script))
    return buffer.getvalue()


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


class Registry(BaseHTTPRequestHandler):
    """``/axe-core/<version>`` (metadata) and ``/axe-core.tgz``; counts what it served."""

    tarball: ClassVar[bytes] = b""
    published: ClassVar[str] = ""
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        host = f"http://{self.headers['Host']}"
        if self.path == "/axe-core.tgz":
            body = self.tarball
        else:
            dist = {"integrity": self.published, "tarball": f"{host}/axe-core.tgz"}
            body = json.dumps({"dist": dist}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def registry() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    Registry.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fetch(registry: str, tmp_path: Path) -> Any:
    """The script, pinned to the test tarball, fetching from the loopback registry."""
    module = load_script()
    tarball = npm_tarball(AXE_JS)
    Registry.tarball = tarball
    Registry.published = integrity(tarball)
    module.REGISTRY = registry
    module.CACHE = tmp_path / "cache"
    module.INTEGRITY = integrity(tarball)
    module.SCRIPT_SHA256 = hashlib.sha256(AXE_JS).hexdigest()
    return module


def test_the_pinned_tarball_is_fetched_checked_and_unpacked(fetch: Any) -> None:
    path = fetch.ensure()
    assert path == fetch.CACHE / fetch.VERSION / "axe.min.js"
    assert path.read_bytes() == AXE_JS


def test_once_cached_it_needs_no_network(fetch: Any) -> None:
    fetch.ensure()
    served = len(Registry.requests)
    fetch.REGISTRY = "http://127.0.0.1:9"  # nothing listens there
    assert fetch.ensure().read_bytes() == AXE_JS
    assert len(Registry.requests) == served


def test_a_tarball_that_is_not_the_pinned_one_is_refused(fetch: Any) -> None:
    Registry.tarball = npm_tarball(b"window.axe = {run: () => 'not the real axe'};\n")
    with pytest.raises(fetch.FetchError, match="does not match its pinned integrity"):
        fetch.ensure()
    assert not fetch.CACHE.exists()


def test_a_registry_publishing_another_integrity_is_refused(fetch: Any) -> None:
    Registry.published = integrity(b"another release")
    with pytest.raises(fetch.FetchError, match="the registry publishes"):
        fetch.ensure()


def test_a_damaged_cache_is_fetched_again(fetch: Any) -> None:
    path = fetch.ensure()
    path.write_bytes(b"half a file")
    assert fetch.ensure().read_bytes() == AXE_JS


def test_without_cache_or_registry_main_says_why(
    fetch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    fetch.REGISTRY = "http://127.0.0.1:9"
    assert fetch.main(["--quiet"]) == 1
    assert "could not fetch http://127.0.0.1:9/axe-core/" in capsys.readouterr().err
