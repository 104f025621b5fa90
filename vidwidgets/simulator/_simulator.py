"""The public ``Simulator``: configure, start (async or in a thread), observe, stop."""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import socket
import threading
import time
from types import TracebackType
from typing import Any

from aiohttp import web

from vidwidgets.simulator._faults import Faults
from vidwidgets.simulator._server import Config, PluginOptions, RequestRecord, Server
from vidwidgets.simulator._tables import DIALECTS, GATEWAY_BUILDS, Dialect, GatewayBuild
from vidwidgets.simulator._tasks import TaskRecord, TimingOverrides


class Simulator:
    """A local stand-in for the 88API gateway (new-api) and the OpenAI video API.

    A real aiohttp server on loopback that creates tasks, runs their lifecycle on a (sped-up)
    clock, renders real H.264 MP4s and answers in one of four dialects:

    - ``"docs"``: the flat shape of the 88API docs (``task_id``, ``status: "succeeded"``, ``url``);
    - ``"newapi"``: what new-api's code really returns (``{"code":"success","data":{...}}``,
      UPPERCASE statuses, ``"30%"`` progress, ``result_url``, a coarse refresh loop);
    - ``"openai"``: the official Video API (``/v1/videos``, list, delete, remix, content);
    - ``"plugin"``: the late-2026 gateway with task plugins and every vendor of the table
      (Kling, Vidu, Hailuo, Veo, Seedance, Wan, Sora, Jimeng, each with its plugin's own
      rules): status reads that alternate between the short shape and the task row, the
      billing hold at ``"99%"``, result cleanup, signed CDN URLs on a second port,
      per-key tasks and models, ``/v1/models``, the generic task API (see
      [`PluginOptions`][vidwidgets.simulator.PluginOptions]). Dropped request fields are recorded in
      ``task.spec.dropped`` and the vendor request in ``task.spec.upstream``.

        >>> async with Simulator(dialect="newapi", speed=100) as sim:      # doctest: +SKIP
        ...     print(sim.base_url, sim.api_key)

        >>> sim = Simulator(dialect="openai", speed=50).start()           # doctest: +SKIP
        >>> sim.stop()                                                    # doctest: +SKIP

    Keyword Arguments:
        dialect: response dialect (see above).
        host: where to listen (loopback by default).
        port: the port to listen on; 0 picks a free port.
        api_key: the bearer key to accept (default: a generated ``sk-sim-...``).
        seed: seeds timings, failures and providers' unseeded videos (ids stay unique).
        speed: how many times faster than real life jobs run (tests: 50-200).
        failure_rate: share of jobs that end failed with a provider-like reason.
        refresh_period: newapi: the gateway's refresh loop period, in model seconds.
        expire_after: wall-clock seconds after which finished videos expire (None: never).
        video_scale: multiplies the output width and height (rounded to even numbers).
        fps: frames per second of the rendered videos.
        max_in_flight: more unfinished tasks than this → 429 "upstream saturated".
        faults: a [`Faults`][vidwidgets.simulator.Faults] plan (also settable later through
            ``sim.faults``).
        timing: a [`Timing`][vidwidgets.simulator.Timing] for every model, or a mapping from model
            name, platform ("kling", "jimeng", "vidu", "sora"; plugin dialect also "hailuo", "veo",
            "seedance", "wan") or ``"*"`` to a Timing.
        cdn_host: host name put in the video URLs (e.g. ``"localhost"`` while the API is on
            ``127.0.0.1``), so the "CDN" is a different host from the API.
        max_body_bytes: request bodies larger than this get 413 (gateways cap around 4 MB).
        gateway_build: which new-api build the gateway dialects imitate: ``"current"``,
            ``"legacy"`` (no ``result_url``; the success URL in ``fail_reason``), ``"row"``
            (``/v1/videos/{id}`` returns the task row, new-api #7194) or ``"vendor"`` (the
            provider's status strings pass through: ``succeed``, ``in_queue``, ``EXPIRED``...).
        prerender: render each successful task's video in the background as soon as it is
            created, so it is ready when due; False renders on first download only (saves CPU
            when many full-size jobs are never downloaded).
        plugin: the plugin dialect's knobs ([`PluginOptions`][vidwidgets.simulator.PluginOptions]);
            its ``keys`` are accepted by every dialect.
    """

    def __init__(
        self,
        *,
        dialect: Dialect = "newapi",
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        seed: int = 0,
        speed: float = 1.0,
        failure_rate: float = 0.0,
        refresh_period: float = 15.0,
        expire_after: float | None = 3600.0,
        video_scale: float = 1.0,
        fps: int = 24,
        max_in_flight: int | None = None,
        faults: Faults | None = None,
        timing: TimingOverrides = None,
        cdn_host: str | None = None,
        max_body_bytes: int = 4 * 1024 * 1024,
        gateway_build: GatewayBuild = "current",
        prerender: bool = True,
        plugin: PluginOptions | None = None,
    ) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"dialect must be one of {DIALECTS}, got {dialect!r}")
        if speed <= 0:
            raise ValueError("speed must be positive")
        if not 0 <= failure_rate <= 1:
            raise ValueError("failure_rate must be between 0 and 1")
        if gateway_build not in GATEWAY_BUILDS:
            raise ValueError(f"gateway_build must be one of {GATEWAY_BUILDS}")
        if video_scale <= 0 or fps <= 0:
            raise ValueError("video_scale and fps must be positive")
        self.host = host
        self.port = port
        self.cdn_host = cdn_host
        self._config = Config(
            dialect=dialect,
            api_key=api_key or "sk-sim-" + secrets.token_hex(16),
            seed=seed,
            speed=speed,
            failure_rate=failure_rate,
            refresh_period=refresh_period,
            expire_after=expire_after,
            video_scale=video_scale,
            fps=fps,
            max_in_flight=max_in_flight,
            timing=timing,
            max_body_bytes=max_body_bytes,
            gateway_build=gateway_build,
            prerender=prerender,
            faults=faults if faults is not None else Faults(seed=seed),
            plugin=plugin if plugin is not None else PluginOptions(),
        )
        self._server: Server | None = None
        self._runner: web.AppRunner | None = None
        self._cdn_runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:  # the key stays out of reprs
        where = self._server.api_base if self._runner and self._server else "not running"
        return f"<Simulator dialect={self.dialect!r} speed={self.speed:g} {where}>"

    # -- configuration, readable -------------------------------------------------------------

    @property
    def dialect(self) -> Dialect:
        return self._config.dialect

    @property
    def api_key(self) -> str:
        return self._config.api_key

    @property
    def speed(self) -> float:
        return self._config.speed

    @property
    def faults(self) -> Faults:
        """The fault plan; add rules while running with ``sim.faults.add(Fault...)``."""
        return self._config.faults

    @faults.setter
    def faults(self, plan: Faults) -> None:
        self._config.faults = plan

    @property
    def max_in_flight(self) -> int | None:
        return self._config.max_in_flight

    @max_in_flight.setter
    def max_in_flight(self, limit: int | None) -> None:
        self._config.max_in_flight = limit

    # -- observation -------------------------------------------------------------------------

    @property
    def _live(self) -> Server:
        if self._server is None:
            raise RuntimeError("the simulator is not running: use `async with` or .start()")
        return self._server

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash, no ``/v1``)."""
        return self._live.api_base

    @property
    def cdn_base_url(self) -> str:
        """Where video URLs point.

        It differs from ``base_url`` when ``cdn_host`` is set, and always in the plugin
        dialect, whose CDN listens on a second port (a different origin: the API key must
        never go there; ``sim.requests[i].headers`` shows what each CDN request carried).
        """
        return self._live.cdn_base

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request received, in order."""
        return self._live.requests

    @property
    def tasks(self) -> dict[str, TaskRecord]:
        """Every task created (deleted ones too, flagged ``deleted``), by id."""
        return self._live.tasks

    @property
    def create_count(self) -> int:
        """How many tasks were created (a duplicate submission shows up here)."""
        return self._live.create_count

    def finish_time(self, task_id: str) -> float:
        """Wall-clock time at which the API first reports the task finished."""
        return self._live.tasks[task_id].finished_at

    def finished(self) -> list[TaskRecord]:
        """Tasks the API reports as finished now, in order of finishing."""
        now = time.time()
        # tuple() copies in one C call: safe while the server thread adds tasks
        done = [t for t in tuple(self._live.tasks.values()) if t.is_finished(now)]
        return sorted(done, key=lambda t: t.finished_at)

    async def wait_finished(self, n: int = 1, timeout: float = 60.0) -> list[TaskRecord]:
        """Wait until at least ``n`` tasks are finished; returns the finished tasks."""
        deadline = time.monotonic() + timeout
        while len(done := self.finished()) < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(done)} of {n} tasks finished within {timeout} s")
            await asyncio.sleep(0.02)
        return done

    def wait_finished_sync(self, n: int = 1, timeout: float = 60.0) -> list[TaskRecord]:
        """Blocking ``wait_finished()`` (for the thread-backed simulator)."""
        deadline = time.monotonic() + timeout
        while len(done := self.finished()) < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(done)} of {n} tasks finished within {timeout} s")
            time.sleep(0.02)
        return done

    def video_url(self, task_id: str) -> str:
        """The no-auth "CDN" URL of a task's video (valid once it succeeded)."""
        return self._live.cdn_url(self._live.tasks[task_id])

    # -- async lifecycle ---------------------------------------------------------------------

    async def astart(self) -> Simulator:
        """Start serving on the running event loop."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already running")
        server = Server(self._config)
        runner = web.AppRunner(
            server.app(), access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        port = _bound_port(runner)
        server.api_base = f"http://{_url_host(self.host)}:{port}"
        server.cdn_base = server.api_base
        if self.dialect == "plugin":  # the CDN is an origin of its own: a second port
            self._cdn_runner = web.AppRunner(
                server.cdn_app(), access_log=None, handle_signals=False, shutdown_timeout=1.0
            )
            await self._cdn_runner.setup()
            await web.TCPSite(self._cdn_runner, self.host, 0).start()
            port = _bound_port(self._cdn_runner)
            server.cdn_base = f"http://{_url_host(self.host)}:{port}"
            runner_for_cdn = self._cdn_runner
        else:
            runner_for_cdn = runner
        if self.cdn_host:
            server.cdn_base = f"http://{_url_host(self.cdn_host)}:{port}"
            await _bind_extra(runner_for_cdn, self.cdn_host, port, self.host)
        self._server, self._runner = server, runner
        return self

    async def astop(self) -> None:
        """Stop serving; hanging requests are released and connections closed."""
        server, runner = self._server, self._runner
        if server is None or runner is None:
            return
        await server.close()
        await runner.cleanup()
        if self._cdn_runner is not None:
            await self._cdn_runner.cleanup()
        self._runner = self._cdn_runner = None

    async def __aenter__(self) -> Simulator:
        return await self.astart()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.astop()

    # -- thread-backed lifecycle -------------------------------------------------------------

    def start(self) -> Simulator:
        """Serve from a background thread (for synchronous code and notebooks). Returns self."""
        if self._thread is not None:
            raise RuntimeError("the simulator is already running")
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.astart())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        thread = threading.Thread(target=run, name="vidwidgets-simulator", daemon=True)
        thread.start()
        ready.wait()
        if failure:
            thread.join()
            raise failure[0]
        self._thread, self._loop = thread, loop
        return self

    def stop(self) -> None:
        """Stop the thread-backed server (no-op if it is not running)."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.astop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        self._thread = self._loop = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _bound_port(runner: web.AppRunner) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple):
            return int(address[1])
    raise RuntimeError("the simulator did not bind a TCP port")


def _url_host(host: str) -> str:
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        return host


async def _bind_extra(runner: web.AppRunner, host: str, port: int, api_host: str) -> None:
    """Also listen on ``host``'s addresses not already bound (e.g. ``localhost`` → ``::1``)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for *_, sockaddr in infos:
        address = str(sockaddr[0])
        if address == api_host:
            continue
        try:
            await web.TCPSite(runner, address, port).start()
        except OSError:
            continue  # the same address as the API (already bound) or unavailable
