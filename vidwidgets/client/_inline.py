"""Inlining images for models that take them only as data URLs.

That is Veo: an http URL is silently ignored by the gateway's plugin, so the video would come
out without its first frame.

This is the one step of preparing a create that needs I/O: a local file is read, an http(s) URL
is fetched with aiohttp, both at most ``MAX_IMAGE_BYTES`` (a gateway body limit near 4 MB) and
both checked to be an image. The fetch uses a session of its own unless one is given: the image
host is not the API's host, so the API key must never go there.

    >>> import asyncio
    >>> from vidwidgets.client._types import VideoRequest
    >>> request = VideoRequest(model="kling-v1", prompt="fox", image="https://a.example/f.png")
    >>> asyncio.run(inline_images(request)) is request  # Kling reads URLs: nothing to do
    True
"""

from __future__ import annotations

import os

import aiohttp

from vidwidgets.client._exceptions import ValidationError
from vidwidgets.client._mapping import image_data_url
from vidwidgets.client._models import MAX_IMAGE_BYTES
from vidwidgets.client._types import VideoRequest

__all__ = ["inline_images"]

#: the image fields a request carries, in the order they are sent
IMAGE_FIELDS = ("image", "end_image")
_CHUNK = 64 * 1024


async def inline_images(
    request: VideoRequest,
    *,
    session: aiohttp.ClientSession | None = None,
    max_bytes: int = MAX_IMAGE_BYTES,
    timeout: float = 30.0,
) -> VideoRequest:
    """``request`` with its images as data URLs when its model takes only inline images.

    Other models' requests come back unchanged (the same object), as do images that are data
    URLs already.

    Args:
        request: the request to send.
        session: an aiohttp session *without* the API's credentials; by default a fresh one.
        max_bytes: the largest image accepted, fetched or read.
        timeout: seconds for one image fetch in all.

    Returns:
        The request to send, validated again if anything changed.

    Raises:
        ValidationError: naming the image field, when an image cannot be read or fetched, is
            too large, or is not a PNG, JPEG, WebP or GIF image. Nothing is sent.

    Example:
        >>> inlined = await inline_images(VideoRequest(  # doctest: +SKIP
        ...     model="veo-3.1-generate-preview", prompt="fox", image="https://a.example/f.png"))
        >>> inlined.image[:22]  # doctest: +SKIP
        'data:image/png;base64,'
    """
    if not request.spec.inline_images:
        return request
    changes: dict[str, str] = {}
    for name in IMAGE_FIELDS:
        value = getattr(request, name)
        if value is None or os.fspath(value).startswith("data:"):
            continue
        text = os.fspath(value)
        if text.startswith(("http://", "https://")):
            data = await _fetch(text, name, request.model, session, max_bytes, timeout)
            changes[name] = image_data_url(data, name, text)
        else:
            changes[name] = image_data_url(_read(text, name, max_bytes), name, text)
    return request.replace(**changes) if changes else request


def _read(path: str, name: str, max_bytes: int) -> bytes:
    try:  # never more than the limit in memory, whatever the file has become
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ValidationError(
            name,
            path,
            "an existing image file, an http(s) URL or a data URI",
            hint=f"The file could not be read ({exc.strerror or type(exc).__name__}).",
        ) from exc
    _check_size(len(data), name, path, max_bytes)
    return data


def _check_size(size: int, name: str, where: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise ValidationError(
            name,
            where,
            f"an image of at most {max_bytes / 2**20:.1f} MiB to inline",
            hint="Gateways cap request bodies near 4 MB: shrink the image first.",
        )


async def _fetch(
    url: str,
    name: str,
    model: str,
    session: aiohttp.ClientSession | None,
    max_bytes: int,
    timeout: float,
) -> bytes:
    own = session is None
    http = aiohttp.ClientSession() if session is None else session
    try:
        return await _download(http, url, name, model, max_bytes, timeout)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise ValidationError(
            name,
            url,
            f"an image URL the client can fetch to inline for {model}",
            model=model,
            hint=f"Fetching it failed ({type(exc).__name__}); pass a local file instead.",
        ) from exc
    finally:
        if own:
            await http.close()


async def _download(
    http: aiohttp.ClientSession, url: str, name: str, model: str, max_bytes: int, timeout: float
) -> bytes:
    async with http.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
        if response.status != 200:
            raise ValidationError(
                name,
                url,
                f"an image URL that answers 200 (it answered {response.status})",
                model=model,
            )
        if response.content_length is not None and response.content_length > max_bytes:
            _check_size(response.content_length, name, url, max_bytes)  # before reading
        data = bytearray()
        async for chunk in response.content.iter_chunked(_CHUNK):
            data += chunk
            _check_size(len(data), name, url, max_bytes)  # stop reading at the limit
        return bytes(data)
