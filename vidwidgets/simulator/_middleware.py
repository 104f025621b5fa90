"""The middleware every request passes: the request log, auth, and fault injection.

``Gate`` wraps every handler of a ``Server``: it records the request (``sim.requests``), answers
401 for a missing or wrong key on ``/v1/`` routes, and applies the fault plan before or after the
handler runs.
"""

from __future__ import annotations

import asyncio
import random
import re
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from aiohttp import web
from aiohttp.typedefs import Middleware

from vidwidgets.simulator import _responses as R
from vidwidgets.simulator._faults import BEFORE_KINDS, Fault
from vidwidgets.simulator._plugin import ARTIFACT_ERRORS, artifact_error
from vidwidgets.simulator._tables import (
    INVALID_TOKEN_MESSAGE,
    MISSING_TOKEN_MESSAGE,
    SATURATED_MESSAGE,
    STATUS_MESSAGES,
)

if TYPE_CHECKING:
    from vidwidgets.simulator._server import Server

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class RequestRecord:
    """One request as the server saw it (``sim.requests``)."""

    method: str
    path: str
    query: dict[str, str]
    host: str
    #: ``time.monotonic()`` and ``time.time()`` when the request arrived
    time: float
    wall: float
    had_authorization: bool
    status: int | None = None  # None: no response (reset, hang)
    task_id: str | None = None
    fault: str | None = None  # label of the injected fault, e.g. "http_503", "reset", "capacity"
    elapsed: float = 0.0
    #: every header the request carried (e.g. to prove the key never went to the CDN)
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # keys stay out of reprs


#: faults that never send a status line (their requests are logged with status None)
_SILENT: Final = frozenset({"reset", "hang"})

#: the record of the request being handled (middleware and handler share one task)
_current: ContextVar[RequestRecord] = ContextVar("vidsim_request")

_TASK_PATH: Final = re.compile(r"^/v1/(?:videos|video/generations|tasks)/([^/]+)")
#: the task API's artifact links: the ``access`` parameter stands in for the key
_ARTIFACT_LINK: Final = re.compile(r"^/v1/tasks/[^/]+/artifacts/[^/]+/content$")
_CDN_PATH: Final = re.compile(r"^/cdn/[^/]+/([^/.]+)\.")


def request_key(request: web.Request) -> str:
    """The bearer key a request carried ("" without one)."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def current_request() -> RequestRecord:
    """The log record of the request being handled (handlers add the task id, a fault label)."""
    return _current.get()


class Gate:
    """The middleware of one server: log, authenticate, inject faults."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def middleware(self) -> Middleware:
        """The aiohttp middleware function."""

        @web.middleware
        async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
            return await self.observe(request, handler)

        return observe

    async def observe(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.monotonic()
        record = RequestRecord(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            host=request.host,
            time=started,
            wall=time.time(),
            had_authorization="Authorization" in request.headers,
            headers=dict(request.headers),
        )
        match = _TASK_PATH.match(request.path) or _CDN_PATH.match(request.path)
        if match:
            record.task_id = match.group(1)
        self.server.requests.append(record)
        _current.set(record)
        try:
            response = await self._dispatch(request, handler, record)
        except web.HTTPException as exc:  # e.g. 413 from aiohttp's body size cap
            record.status = exc.status
            raise
        finally:
            record.elapsed = time.monotonic() - started
        if record.status is None and record.fault not in _SILENT:
            record.status = response.status
        return response

    async def _dispatch(
        self, request: web.Request, handler: Handler, record: RequestRecord
    ) -> web.StreamResponse:
        if request.path.startswith("/v1/") and not _ARTIFACT_LINK.match(request.path):
            denied = self._check_auth(request)
            if denied is not None:
                return denied
        fault = self.server.config.faults.pick(request.method, request.path)
        if fault is not None:
            record.fault = fault.label
            if fault.kind in BEFORE_KINDS:
                early = await self._inject_before(request, fault)
                if early is not None:
                    return early
        try:
            response = await handler(request)
        except web.HTTPNotFound:
            response = self._not_found(request)
        except web.HTTPMethodNotAllowed:
            response = self._not_found(request, status=405)
        if fault is not None and fault.kind not in BEFORE_KINDS:
            return await self._inject_after(request, fault, response)
        return response

    def _check_auth(self, request: web.Request) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() == "bearer" and key.strip() in self.server.config.keys:
            return None
        missing = not key.strip()
        if self.server.config.dialect == "openai":
            message = (
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
                if missing
                else f"Incorrect API key provided: {_mask(key)}."
            )
            body = R.openai_error(401, message, None, None if missing else "invalid_api_key")
        else:
            message = MISSING_TOKEN_MESSAGE if missing else INVALID_TOKEN_MESSAGE
            body = R.gateway_error(f"{message} (request id: {_request_id()})")
        return web.json_response(body, status=401)

    def _not_found(self, request: web.Request, status: int = 404) -> web.Response:
        message = f"Invalid URL ({request.method} {request.path})"
        if self.server.config.dialect == "openai":
            return web.json_response(R.openai_error(status, message), status=status)
        if request.path.startswith("/cdn/"):
            return web.Response(status=status, text="Not Found")
        return web.json_response(
            {
                "error": {
                    "message": message,
                    "type": "invalid_request_error",
                    "param": "",
                    "code": "",
                }
            },
            status=status,
        )

    async def _inject_before(self, request: web.Request, fault: Fault) -> web.StreamResponse | None:
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            return None
        if fault.kind == "reset":
            return drop_connection(request, reset=True)
        if fault.kind == "hang":
            await self.server.closing.wait()
            return drop_connection(request, reset=True)
        if fault.kind == "artifact":
            headers = {} if fault.retry_after is None else {"Retry-After": f"{fault.retry_after:g}"}
            return web.json_response(
                artifact_error(fault.code), status=ARTIFACT_ERRORS[fault.code], headers=headers
            )
        if fault.kind == "saturated":
            return self.server.error_response(
                429,
                SATURATED_MESSAGE,
                code="upstream_saturated",
                retry_after=fault.retry_after,
                middleware=True,
            )
        status = fault.status
        message = STATUS_MESSAGES.get(status, f"injected error {status}")
        if fault.kind == "rate_limited":
            message = "Rate limit reached, please retry later"
        code = "rate_limit_exceeded" if status == 429 else f"upstream_error_{status}"
        return self.server.error_response(
            status, message, code=code, retry_after=fault.retry_after, middleware=True
        )

    async def _inject_after(
        self, request: web.Request, fault: Fault, response: web.StreamResponse
    ) -> web.StreamResponse:
        if not isinstance(response, web.Response) or not isinstance(response.body, bytes):
            return response
        body = response.body
        if fault.kind == "wrong_content_type":
            response.headers["Content-Type"] = fault.content_type
            return response
        if fault.kind == "malformed_json":
            return web.Response(
                status=response.status,
                body=body[: max(1, len(body) // 2)],
                content_type="application/json",
            )
        # truncated: promise the whole body, send part of it, close the connection
        keep = int(len(body) * fault.keep) if fault.keep < 1 else int(fault.keep)
        stream = web.StreamResponse(status=response.status, headers=response.headers)
        stream.content_length = len(body)
        await stream.prepare(request)
        await stream.write(body[: min(keep, len(body) - 1)])
        drop_connection(request, reset=False)
        return stream


def drop_connection(request: web.Request, *, reset: bool) -> web.Response:
    """Close the connection: with an RST (``reset``) or after flushing what was written.

    Returns a response for aiohttp to fail writing; it treats that as a client disconnect and
    stays quiet (an exception from the handler would be logged as a server error).
    """
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if reset and sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        else:
            transport.close()
    return web.Response(status=500)


def _mask(key: str) -> str:
    return key[:3] + "*" * max(0, len(key) - 7) + key[-4:] if len(key) > 8 else "***"


def _request_id() -> str:
    return time.strftime("%Y%m%d%H%M%S") + f"{random.randrange(10**8):08d}"
