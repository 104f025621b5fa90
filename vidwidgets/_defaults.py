"""Process-wide defaults that the layers above the client register for it.

The client must not know the simulator (it is the server side, and a shared bug would pass
every test), yet ``VideoClient()`` with no key has to run somewhere. So the client asks this
registry for "the default target when no key is given", and the package top level
(``vidwidgets/__init__.py``) registers the embedded simulator here. Standard library only:
registering costs nothing, and ``import vidwidgets`` stays cheap.

    >>> previous = default_target_factory()
    >>> set_default_target(lambda: "a target")
    >>> default_target_factory()()
    'a target'
    >>> set_default_target(previous)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["default_target_factory", "set_default_target"]

#: called (once per client) when a VideoClient has neither a key nor a base URL; it returns a
#: ``vidwidgets.client.DefaultTarget``
_factory: Callable[[], Any] | None = None


def set_default_target(factory: Callable[[], Any] | None) -> None:
    """Register what a ``VideoClient`` with no key and no base URL talks to (None: nothing)."""
    global _factory
    _factory = factory


def default_target_factory() -> Callable[[], Any] | None:
    """The registered factory, or None."""
    return _factory
