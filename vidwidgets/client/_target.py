"""Where a client's requests go: its base URL and key, or the registered default target.

With a key or a base URL (arguments or ``$VIDWIDGETS_API_KEY`` / ``$VIDWIDGETS_BASE_URL``) the
target is that server. With neither, the client asks ``vidwidgets._defaults`` for the default
target — the package top level registers the embedded simulator there — so this layer never
imports the simulator. A default target is started only on first use (the base URL, a request),
never by constructing a client.

    >>> t = DefaultTarget("demo", "88api", lambda: Endpoint("http://127.0.0.1:9", None))
    >>> t.start().base_url
    'http://127.0.0.1:9'
"""

from __future__ import annotations

import ipaddress
import os
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from vidwidgets._defaults import default_target_factory
from vidwidgets.client._exceptions import ValidationError, VideoAPIError

__all__ = ["DEFAULT_BASE_URL", "DefaultTarget", "Endpoint", "Target", "check_base_url"]

DEFAULT_BASE_URL = "https://88api.ai"


@dataclass(frozen=True)
class Endpoint:
    """A running API: its address, its key and how much faster than real time it runs."""

    base_url: str
    api_key: str | None
    time_scale: float = 1.0


@dataclass(frozen=True)
class DefaultTarget:
    """What a client with no key and no base URL talks to.

    Args:
        label: how ``repr(client)`` names it, e.g. ``"embedded simulator"``.
        api_format: the format it speaks when the user asks for none (known without starting).
        start: starts it (once per client, on first use) and returns its ``Endpoint``.
    """

    label: str
    api_format: str
    start: Callable[[], Endpoint]


class Target:
    """The resolved target of one client; a default target starts on first ``endpoint()``."""

    def __init__(self, base_url: str | None, api_key: str | None) -> None:
        env_key = os.environ.get("VIDWIDGETS_API_KEY") or None
        env_url = os.environ.get("VIDWIDGETS_BASE_URL") or None
        key = api_key if api_key is not None else env_key
        self.default: DefaultTarget | None = None
        self._endpoint: Endpoint | None = None
        if key is None and base_url is None and env_url is None:
            self.default = _registered_default()
        else:
            url = check_base_url(base_url or env_url or DEFAULT_BASE_URL)
            self._endpoint = Endpoint(url, key)

    @property
    def is_default(self) -> bool:
        return self.default is not None

    def describe(self) -> str:
        """The base URL, or the default target's label (never the key, never starting it)."""
        if self.default is not None:
            return self.default.label
        assert self._endpoint is not None
        return self._endpoint.base_url

    def endpoint(self) -> Endpoint:
        if self._endpoint is None:
            assert self.default is not None
            self._endpoint = self.default.start()
        return self._endpoint


def _registered_default() -> DefaultTarget:
    factory = default_target_factory()
    target = factory() if factory is not None else None
    if not isinstance(target, DefaultTarget):
        raise VideoAPIError(
            "no API key is configured and no default target is registered",
            code="no_target",
            hint="Pass api_key= and base_url=, or set VIDWIDGETS_API_KEY.",
        )
    return target


def is_loopback(url: str) -> bool:
    """Whether ``url`` points at this machine (``localhost`` or a loopback address)."""
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """``url`` without a trailing ``/`` or ``/v1`` (routes carry ``/v1`` themselves).

    >>> check_base_url("https://88api.ai/v1/")
    'https://88api.ai'
    """
    text = url.strip().rstrip("/")
    if not text.lower().startswith(("http://", "https://")):
        raise ValidationError("base_url", url, "an http(s) URL such as 'https://88api.ai'")
    if text.endswith("/v1"):
        text = text[: -len("/v1")]
    return text
