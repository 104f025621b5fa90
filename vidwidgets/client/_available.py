"""The models a key can use, as the gateway lists them (``GET /v1/models``).

The catalog (``_models``) says what each model accepts; this says which of them (and which
others) this key may use on this gateway right now — the answer ``model_not_found`` points to.
The body is OpenAI's list shape, which new-api extends with ``supported_endpoint_types``:

    >>> parse_models({"object": "list", "data": [{"id": "kling-v1", "object": "model",
    ...     "owned_by": "kling", "supported_endpoint_types": ["openai-video"]}]})
    [AvailableModel(id='kling-v1', owned_by='kling', endpoint_types=('openai-video',))]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import aiohttp

from vidwidgets.client._exceptions import APIStatusError, ProtocolError, VideoAPIError
from vidwidgets.client._http import Response, Transport

__all__ = ["MODELS_PATH", "AvailableModel", "fetch_models", "parse_models"]

MODELS_PATH: Final[str] = "/v1/models"
#: statuses of a gateway that has no models route (as opposed to one that refused the key)
_NO_ROUTE: Final[frozenset[int]] = frozenset({404, 405, 501})


@dataclass(frozen=True)
class AvailableModel:
    """One model the key may use, as ``GET /v1/models`` lists it.

    Attributes:
        id: the model name to put in ``VideoRequest(model=...)``.
        owned_by: the vendor or channel owner the gateway names (``""`` when it does not).
        endpoint_types: the gateway's ``supported_endpoint_types`` (e.g. ``"openai-video"``).

    Example:
        >>> AvailableModel("viduq1", "vidu", ("openai-video",)).id
        'viduq1'
    """

    id: str
    owned_by: str = ""
    endpoint_types: tuple[str, ...] = ()


def _text(value: Any) -> str:
    return value[:200] if isinstance(value, str) else ""


def parse_models(body: Any) -> list[AvailableModel]:
    """The models of a ``{"object": "list", "data": [...]}`` answer (malformed items skipped).

    Raises:
        ProtocolError: the answer is not a list of models.
    """
    items = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        raise ProtocolError("GET /v1/models did not answer a list of models", code="bad_models")
    models = []
    for item in items:
        if not isinstance(item, Mapping) or not _text(item.get("id")):
            continue
        types = item.get("supported_endpoint_types")
        endpoint_types = (
            tuple(_text(t) for t in types if _text(t)) if isinstance(types, list) else ()
        )
        models.append(
            AvailableModel(_text(item["id"]), _text(item.get("owned_by")), endpoint_types)
        )
    return models


async def fetch_models(
    transport: Transport, session: aiohttp.ClientSession
) -> list[AvailableModel]:
    """``GET /v1/models`` with the key.

    Raises:
        VideoAPIError: code ``not_supported`` when the gateway has no such route (use the
            catalog, ``vidwidgets.MODELS``, instead); any other error as the transport maps it.
    """
    try:
        response: Response = await transport.request(session, "models", "GET", MODELS_PATH)
    except APIStatusError as exc:
        if exc.status in _NO_ROUTE:  # a listing has no id that could be unknown: no route
            raise VideoAPIError(
                f"{transport.base_url} does not list models (no GET {MODELS_PATH})",
                status=exc.status,
                code="not_supported",
                hint="This gateway cannot say which models the key may use: choose from the "
                "catalog (vidwidgets.MODELS) instead.",
            ) from exc
        raise
    return parse_models(response.body)
