#!/usr/bin/env python3
"""Fetch axe-core's ``axe.min.js`` from the npm registry into ``.cache/axe-core/`` (no Node).

The browser tests inject axe-core into the JupyterLab page to check our widgets against WCAG 2
A/AA. A fresh CI machine has Python and the package registries but no Node, so this script does
what ``npm pack`` would: it downloads the pinned release tarball, checks it against the pinned
``sha512`` integrity (the value the registry publishes as ``dist.integrity``), and unpacks only
``package/axe.min.js``. Once cached it needs no network: a second run checks the cached file's
own pinned hash and exits. Standard library only, so ``make`` can run it before any venv exists.

Usage::

    python3 scripts/fetch_axe.py            # prints the path of axe.min.js
    python3 scripts/fetch_axe.py --quiet    # the same, printing nothing

To move to another axe-core release, change ``VERSION``, ``INTEGRITY`` (from
``https://registry.npmjs.org/axe-core/<version>``, ``dist.integrity``) and ``SCRIPT_SHA256``
(printed by a run that finds the old one wrong).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "4.14.1"
#: dist.integrity of axe-core@4.14.1 on registry.npmjs.org: the tarball must hash to this
INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
#: sha256 of package/axe.min.js inside that tarball: checks the cache without the network
SCRIPT_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
REGISTRY = os.environ.get("NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")
MEMBER = "package/axe.min.js"
REPO = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("AXE_CACHE_DIR", REPO / ".cache" / "axe-core"))
TIMEOUT = 60  # seconds per request; the tarball is about 1 MB


class FetchError(RuntimeError):
    """The tarball could not be fetched, or it is not the release that is pinned."""


def cached_path() -> Path:
    """Where ``axe.min.js`` of the pinned version lives once fetched."""
    return CACHE / VERSION / "axe.min.js"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_integrity(data: bytes, integrity: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise FetchError(
            f"axe-core-{VERSION}.tgz does not match its pinned integrity: "
            f"expected {integrity}, got {algorithm}-{actual}; not unpacking it"
        )


def _get(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            body: bytes = response.read()
            return body
    except OSError as exc:  # URLError, HTTPError and timeouts are all OSErrors
        raise FetchError(f"could not fetch {url}: {exc}") from exc


def _tarball_url() -> str:
    """The tarball's URL from the registry, after checking the registry agrees with our pin."""
    meta = json.loads(_get(f"{REGISTRY}/axe-core/{VERSION}"))
    published = meta["dist"]["integrity"]
    if published != INTEGRITY:
        raise FetchError(
            f"the registry publishes axe-core@{VERSION} with integrity {published}, "
            f"but scripts/fetch_axe.py pins {INTEGRITY}"
        )
    url: str = meta["dist"]["tarball"]
    return url


def _unpack(tarball: bytes) -> bytes:
    # Read the one member we need as bytes: nothing from the archive is written under its
    # own name, so no path in it can escape the cache.
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        member = archive.extractfile(MEMBER)
        if member is None:
            raise FetchError(f"axe-core-{VERSION}.tgz has no {MEMBER}")
        return member.read()


def ensure() -> Path:
    """Return the path of the pinned ``axe.min.js``, downloading and checking it if needed.

    Raises:
        FetchError: The registry cannot be reached and nothing is cached, or what it sent is
            not the pinned release.
    """
    target = cached_path()
    if target.is_file() and _sha256(target.read_bytes()) == SCRIPT_SHA256:
        return target
    tarball = _get(_tarball_url())
    _check_integrity(tarball, INTEGRITY)
    script = _unpack(tarball)
    if _sha256(script) != SCRIPT_SHA256:
        raise FetchError(
            f"{MEMBER} of the verified axe-core-{VERSION}.tgz hashes to {_sha256(script)}, "
            f"but scripts/fetch_axe.py pins SCRIPT_SHA256 = {SCRIPT_SHA256}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(script)
    partial.replace(target)  # atomic: a reader never sees half a file
    return target


def main(argv: list[str] | None = None) -> int:
    """Fetch (or find) axe.min.js and print its path; 1 with the reason on stderr if not."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)
    try:
        path = ensure()
    except FetchError as exc:
        print(f"fetch_axe: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
