"""Studio: form, Generate, progress and player in one app, with this session's runs in a strip.

Generation runs as asyncio tasks on the kernel's event loop, so the kernel stays free while jobs
poll and several runs can be in flight (the client's ``max_concurrency`` queues the rest).
Widget callbacks may arrive on another thread (ipykernel subshells); they hand their work to the
loop with ``vidwidgets.client.submit_on``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import ipywidgets as w
import traitlets

from vidwidgets.client import (
    CostEstimate,
    JobStatus,
    VideoAPIError,
    VideoJob,
    VideoRequest,
    call_soon_on,
    running_on,
    submit_on,
)
from vidwidgets.widgets import JobProgress, ParameterForm, VideoPlayer

__all__ = ["Studio", "StudioRun"]

DEFAULT_BASE_URL = "https://88api.ai"
# Font Awesome icons (bundled with ipywidgets): emoji would need fonts many browsers lack.
_ICONS = {
    "idle": "",
    "submitting": "hourglass-start",
    "queued": "hourglass-start",
    "in_progress": "hourglass-half",
    "succeeded": "check",
    "failed": "times",
    "cancelled": "ban",
}

_STUDIO_CSS = """<style>
.vw-studio { gap: 6px; }
.vw-studio .vw-title { font-size: 15px; font-weight: 600; }
.vw-studio .vw-sim-badge, .vw-studio .vw-live-badge {
  padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.vw-studio .vw-sim-badge { background: #fff3cd; color: #7a5b00; }
.vw-studio .vw-live-badge { background: #e3f2e5; color: #1b5e20; }
.vw-studio .vw-runs { flex-wrap: wrap; gap: 4px; }
.vw-studio .vw-progress-slot > * { flex: 1 1 auto; }
.vw-studio .vw-run { width: auto; min-width: 56px; }
.vw-studio .vw-run-selected { outline: 2px solid var(--jp-brand-color1, #1976d2); }
.vw-studio .vw-connection-error { color: var(--jp-error-color1, #c62828); }
.vw-studio .vw-key-status { font-size: 12px; color: var(--jp-ui-font-color2, #666); }
.vw-studio .vw-price { font-size: 12px; color: var(--jp-ui-font-color2, #555);
  font-variant-numeric: tabular-nums; }
</style>"""


class _SecretField(w.Password):  # type: ignore[misc]
    """A Password field whose value is never echoed back to other front ends.

    ipywidgets 8 echoes every front-end update to all views; a key should travel once, to the
    kernel, where the Studio moves it into a plain attribute and clears the field.
    """

    value = traitlets.Unicode("").tag(sync=True, echo_update=False)


@dataclass(eq=False)
class StudioRun:
    """One generation of this session: its request, progress widget, task and results."""

    number: int
    request: VideoRequest
    progress: JobProgress
    task: asyncio.Future[VideoJob] | None = None
    job: VideoJob | None = None
    path: Path | None = None
    poster: Path | None = None
    # set right after construction (its click handler needs the run); None never escapes
    button: w.Button = field(default=None, repr=False)

    @property
    def state(self) -> str:
        return str(self.progress.state)


class _PriceLine:
    """The price of the next run, beside Generate: "≈ $3.20", the estimate's basis as tooltip.

    Looked up on the loop once the fields have been still for ``delay`` seconds, so typing
    never waits for it; a lookup that fails says "price unknown" (never $0) and the form goes on.
    """

    delay = 0.3

    def __init__(self, loop: asyncio.AbstractEventLoop, client: Callable[[], Any]) -> None:
        self.label = w.Label("")
        self.label.add_class("vw-price")
        self.estimate: CostEstimate | None = None
        #: the latest lookup (tests and scripts await it)
        self.task: asyncio.Task[None] | None = None
        self._loop = loop
        self._client = client
        self._request: VideoRequest | None = None
        self._timer: asyncio.TimerHandle | None = None

    def update(self, request: VideoRequest | None = None) -> None:
        """Price ``request`` soon (None: the last one again, e.g. for a new client)."""
        if request is not None:
            self._request = request
        if self._request is not None:
            call_soon_on(self._loop, self._debounce)  # callbacks may come on another thread

    def _debounce(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_later(self.delay, self._start)

    def _start(self) -> None:
        self._timer = None
        if self.task is not None and not self.task.done():
            self.task.cancel()  # an answer for fields that have changed since
        if self._request is not None:
            self.task = self._loop.create_task(self._lookup(self._request))

    async def _lookup(self, request: VideoRequest) -> None:
        try:
            estimate = await self._client().estimate_cost(request)
        except Exception as exc:  # the form must keep working when prices cannot be read
            estimate = CostEstimate(None, f"price lookup failed: {exc}", request.model)
        self.estimate = estimate
        usd = estimate.usd
        self.label.value = "price unknown" if usd is None else f"≈ ${usd:,.2f}"
        self.label.tooltip = estimate.basis  # the title: the label's accessible description


class Studio(w.VBox):  # type: ignore[misc]
    """Form + Generate + progress + player, with this session's runs to switch between.

    With no client and no ``VIDWIDGETS_API_KEY`` it runs on the embedded simulator and says so
    with a badge. Keyword arguments fill the form (any ``VideoRequest`` field). The form's
    model picker offers the models the client's key can use, read in the background
    (``studio.models_task``), and the catalog where the gateway cannot list them.

        >>> import vidwidgets as vw
        >>> studio = vw.Studio(model="kling-v1", prompt="a red fox running through snow")
        >>> studio                                  # doctest: +SKIP
        >>> job = await studio.generate()           # doctest: +SKIP
        >>> studio.player.play()                    # doctest: +SKIP

    ``generate()`` returns the run's asyncio task; ``studio.runs`` lists every run, and
    ``studio.cancel()`` cancels the selected one. A key typed into the connection panel is moved
    into a plain attribute at once: it is never a synced trait, never shown, never saved.
    """

    def __init__(
        self,
        client: Any = None,
        *,
        download_dir: str | os.PathLike[str] | None = None,
        **form_defaults: Any,
    ) -> None:
        super().__init__()
        self.add_class("vw-studio")
        try:
            # In a notebook cell this is the kernel's loop: runs go on while the kernel idles.
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            # A plain script has no running loop: use vidwidgets' shared background loop.
            from vidwidgets._runtime import background_loop

            self._loop = background_loop()
        # No key anywhere: VideoClient() runs on the process-wide embedded simulator.
        self._client: Any = client if client is not None else self._new_client()
        self._simulator_client: Any = self._client if self.is_simulator else None
        self._api_key: str | None = None  # typed in the UI; a plain attribute, never a trait
        self._download_dir = Path(download_dir) if download_dir is not None else None
        self.runs: list[StudioRun] = []
        self._selected: StudioRun | None = None

        self._build(form_defaults)
        self._update_badge()

    # -- construction -------------------------------------------------------------------------

    def _build(self, form_defaults: Mapping[str, Any]) -> None:
        style = w.HTML(_STUDIO_CSS, layout=w.Layout(display="none"))
        title = w.Label("vidwidgets Studio")
        title.add_class("vw-title")
        # One label; its class says which: vw-sim-badge (simulator) or vw-live-badge.
        self.badge = w.Label()
        self.connection_toggle = w.ToggleButton(description="Connection", icon="plug")
        self.connection_toggle.add_class("vw-connection-toggle")
        self.connection_toggle.observe(self._on_toggle, "value")
        header = w.HBox(
            [title, self.badge, self.connection_toggle],
            layout=w.Layout(align_items="center", justify_content="space-between"),
        )
        # The panel's widgets are made when it is first opened: most sessions never open it,
        # and every widget is saved into an executed notebook's widget state.
        self.connection_panel = w.VBox([], layout=w.Layout(display="none"))
        self.connection_panel.add_class("vw-connection")

        self.form = ParameterForm(**form_defaults)
        self.form.on_submit(self._on_submit)
        self._price = _PriceLine(self._loop, lambda: self._client)
        self.price_label = self._price.label
        self.form.place_beside_button(self.price_label)
        self.form.on_change(self._price.update)
        if self.form.valid:
            self._price.update(self.form.request)
        # in the background: the picker shows the catalog until the key's list arrives
        self.form.load_models(self._client, loop=self._loop)

        self.runs_strip = w.HBox([])
        self.runs_strip.add_class("vw-runs")
        self.progress_slot = w.Box([])
        self.progress_slot.add_class("vw-progress-slot")
        self.player = VideoPlayer(placeholder="Press Generate: the video plays here.")
        self.player.add_class("vw-studio-player")
        self.children = (
            style,
            header,
            self.connection_panel,
            self.form,
            self.runs_strip,
            self.progress_slot,
            self.player,
        )

    def _on_toggle(self, change: Mapping[str, Any]) -> None:
        if change["new"]:
            self.open_connection()
        else:
            self.connection_panel.layout.display = "none"

    def open_connection(self) -> None:
        """Show the connection panel (API format, base URL, key) — the Connection button."""
        self._ensure_connection()
        self.connection_panel.layout.display = None
        if not self.connection_toggle.value:
            self.connection_toggle.value = True

    def _ensure_connection(self) -> None:
        if not self.connection_panel.children:
            self._build_connection()

    def _build_connection(self) -> None:
        env_base = os.environ.get("VIDWIDGETS_BASE_URL") or DEFAULT_BASE_URL
        self.api_format = w.Dropdown(
            options=[("88API (new-api gateway)", "88api"), ("OpenAI Video API", "openai")],
            value=getattr(self._client, "api_format", "88api"),
            description="API format",
        )
        self.api_format.add_class("vw-api-format")
        self.base_url = w.Text(value=env_base, description="Base URL", continuous_update=False)
        self.base_url.add_class("vw-base-url")
        # continuous_update=False: the key reaches the kernel once (on Enter or blur), not one
        # keystroke at a time.
        self.key_field = _SecretField(
            description="API key",
            placeholder="paste the key; it is not kept in the widget",
            continuous_update=False,
        )
        self.key_field.add_class("vw-api-key")
        self.key_field.observe(self._on_key, "value")
        self.key_status = w.Label()
        self.key_status.add_class("vw-key-status")
        self.connect_button = w.Button(description="Connect", icon="check")
        self.connect_button.add_class("vw-connect")
        self.connect_button.on_click(lambda _b: self.connect())
        self.simulator_button = w.Button(description="Use simulator")
        self.simulator_button.add_class("vw-use-simulator")
        if self._simulator_client is None:
            self.simulator_button.layout.display = "none"
        self.simulator_button.on_click(lambda _b: self.use_simulator())
        self.connection_error = w.Label()
        self.connection_error.add_class("vw-connection-error")
        self.connection_panel.children = (
            self.api_format,
            self.base_url,
            self.key_field,
            self.key_status,
            w.HBox([self.connect_button, self.simulator_button]),
            self.connection_error,
        )
        self._update_key_status()

    # -- the client ---------------------------------------------------------------------------

    @property
    def client(self) -> Any:
        """The ``VideoClient`` in use (the embedded simulator when no key is configured)."""
        return self._client

    @property
    def models_task(self) -> asyncio.Future[Any] | concurrent.futures.Future[Any] | None:
        """The background read of the models the key can use.

        It is done once the picker shows them, or the catalog with a note when the gateway
        cannot list them.
        """
        return self.form.models_task

    @property
    def price(self) -> CostEstimate | None:
        """The estimate of the next run, as the label beside Generate shows it (None: not yet)."""
        return self._price.estimate

    @property
    def is_simulator(self) -> bool:
        return bool(getattr(self._client, "is_simulator", False))

    def _new_client(self, **kwargs: Any) -> Any:
        from vidwidgets.client import VideoClient

        return VideoClient(**kwargs)

    def connect(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        api_format: str | None = None,
    ) -> None:
        """Switch to a real API (the panel's Connect button); runs already going keep theirs."""
        self._ensure_connection()  # its fields are the defaults, and it shows what went wrong
        if api_key:
            self._api_key = api_key
        key = self._api_key or os.environ.get("VIDWIDGETS_API_KEY")
        url = (base_url or self.base_url.value or DEFAULT_BASE_URL).strip()
        fmt = api_format or self.api_format.value
        self.connection_error.value = ""
        if not key:
            self.connection_error.value = "Enter an API key first (or set VIDWIDGETS_API_KEY)."
            return
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.connection_error.value = "The base URL must be an http(s) URL."
            return
        self._replace_client(self._new_client(base_url=url, api_key=key, api_format=fmt))

    def use_simulator(self) -> None:
        """Go back to the simulator the Studio started on (forgets a key typed in the panel)."""
        self._ensure_connection()
        if self._simulator_client is None:
            self.connection_error.value = "This Studio did not start on the simulator."
            return
        self._api_key = None
        self._update_key_status()
        self._replace_client(self._simulator_client)

    def _replace_client(self, client: Any) -> None:
        # The previous client is left open: runs in flight keep using it, and its pooled
        # connections close with the process (or its owner's aclose()).
        self._client = client
        self._update_badge()
        self.form.load_models(client, loop=self._loop)  # the new key may use other models
        self._price.update()  # another gateway, other prices

    def _on_key(self, change: Mapping[str, Any]) -> None:
        key = str(change["new"])
        if not key:
            return
        self._api_key = key.strip()
        # Cleared at once: the synced value must not keep the key for widget state or embed.
        self.key_field.value = ""
        self._update_key_status()

    def _update_key_status(self) -> None:
        if self._api_key:
            text = "A key is set (kept only in this kernel's memory). Press Connect to use it."
        elif os.environ.get("VIDWIDGETS_API_KEY"):
            text = "Using VIDWIDGETS_API_KEY from the environment."
        else:
            text = "No key: the embedded simulator answers."
        self.key_status.value = text

    def _update_badge(self) -> None:
        if self.is_simulator:
            self.badge.value = "● SIMULATOR — no API key: videos are rendered locally"
            self.badge.remove_class("vw-live-badge")
            self.badge.add_class("vw-sim-badge")
        else:
            client = self._client
            url = str(getattr(client, "base_url", "") or DEFAULT_BASE_URL)
            fmt = str(getattr(client, "api_format", "88api"))
            self.badge.value = f"● {fmt} · {urlsplit(url).netloc or url}"
            self.badge.remove_class("vw-sim-badge")
            self.badge.add_class("vw-live-badge")

    # -- runs ---------------------------------------------------------------------------------

    @property
    def selected(self) -> StudioRun | None:
        return self._selected

    @property
    def progress(self) -> JobProgress | None:
        """The selected run's progress widget."""
        return self._selected.progress if self._selected is not None else None

    def generate(
        self, request: VideoRequest | None = None
    ) -> asyncio.Future[VideoJob] | concurrent.futures.Future[VideoJob]:
        """Start a run of ``request`` (default: the form's) and return its task.

        The task runs on the kernel's loop; await it for the finished ``VideoJob`` (it raises
        the client's error on failure). Called from another thread, it hands the start to the
        loop and returns a ``concurrent.futures.Future`` for the same result.
        """
        if not running_on(self._loop):

            async def start() -> VideoJob:
                task = self.generate(request)
                assert isinstance(task, asyncio.Future)  # on the loop thread now
                job: VideoJob = await task
                return job

            return submit_on(self._loop, start())
        if request is None:
            request = self.form.request  # raises ValidationError while the form is invalid
        number = len(self.runs) + 1
        progress = JobProgress(title=f"#{number} {request.model}: {request.prompt[:60]}")
        run = StudioRun(number=number, request=request, progress=progress)
        run.button = self._run_button(run)
        self.runs.append(run)
        self.runs_strip.children = (*self.runs_strip.children, run.button)
        progress.observe(lambda _c: self._refresh_button(run), "state")
        task = self._loop.create_task(self._execute(run))
        run.task = task
        progress.attach(task)
        self.select(run)
        return task

    def cancel(self, run: StudioRun | None = None) -> bool:
        """Cancel ``run`` (default: the selected one)."""
        run = run or self._selected
        return run.progress.cancel() if run is not None else False

    def select(self, run: StudioRun | int) -> None:
        """Show ``run`` (or run number ``n``) in the progress area and the player."""
        if isinstance(run, int):
            run = self.runs[run - 1]
        previous, self._selected = self._selected, run
        if previous is not None:
            previous.button.remove_class("vw-run-selected")
        run.button.add_class("vw-run-selected")
        self.progress_slot.children = (run.progress,)
        self._show_video(run)

    def _show_video(self, run: StudioRun) -> None:
        if run.path is not None:
            self.player.set_file(run.path, poster=run.poster)
        else:
            self.player.clear(f"Run #{run.number}: the video plays here when it is ready.")

    def _run_button(self, run: StudioRun) -> w.Button:
        button = w.Button()
        button.add_class("vw-run")
        button.on_click(lambda _b: self.select(run))
        self._refresh_button(run, button)
        return button

    def _refresh_button(self, run: StudioRun, button: w.Button | None = None) -> None:
        button = button or run.button
        state = run.state
        button.description = f"#{run.number}"
        button.icon = _ICONS.get(state, "")
        # the icon and colour show the state; the tooltip (the button's description for a
        # screen reader) says it in words
        button.tooltip = f"Run #{run.number}, {state.replace('_', ' ')}: {run.request.prompt[:200]}"
        for name in _ICONS:
            button.remove_class(f"vw-run-{name}")
        button.add_class(f"vw-run-{state}")
        button.button_style = {"succeeded": "success", "failed": "danger"}.get(state, "")

    async def _execute(self, run: StudioRun) -> VideoJob:
        client = self.client
        secret = self._api_key
        progress = run.progress

        def on_update(snapshot: VideoJob) -> None:
            run.job = snapshot
            progress.update(snapshot)
            if snapshot.succeeded and snapshot.path is None:
                progress.set_note("downloading the video…")

        try:
            # generate() = create + wait + download, at most client.max_concurrency at once:
            # further runs wait their turn here ("Submitting…"), which is what queues them.
            job: VideoJob = await client.generate(
                run.request, path=self._target(), on_update=on_update
            )
            run.job = job
            if job.path is None:  # pragma: no cover - generate() always downloads
                raise RuntimeError(f"job {job.id} finished without a downloaded file")
            run.path = Path(job.path)
            poster: Path | None = None
            with contextlib.suppress(VideoAPIError, OSError, ValueError):
                poster = await client.download(
                    job,
                    path=run.path.with_name(run.path.stem + ".thumbnail.jpg"),
                    variant="thumbnail",
                )
            if poster is None:
                # The 88API gateway has no thumbnails: take the first frame instead (off the loop).
                poster = await asyncio.to_thread(_first_frame, run.path)
            run.poster = poster
            progress.update(job)
            progress.set_note("")
            if self._selected is run:
                self._show_video(run)
            return job
        except asyncio.CancelledError:
            progress.mark_cancelled()
            last = run.job
            if last is not None and not last.is_terminal:
                # Best effort: stop the server too, where the API supports it.
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.cancel(last), timeout=10)
            raise
        except Exception as exc:
            progress.set_note("")
            progress.fail(exc, secret=secret)
            raise
        finally:
            self._refresh_button(run)

    def _target(self) -> Path | None:
        """Where videos go: ``download_dir`` (named by task id), else the client's output_dir."""
        if self._download_dir is None:
            return None
        self._download_dir.mkdir(parents=True, exist_ok=True)
        return self._download_dir

    # -- threads ------------------------------------------------------------------------------

    def _on_submit(self, request: VideoRequest) -> None:
        # generate() hops onto the loop itself when the click arrives on another thread.
        self.generate(request)

    def __repr__(self) -> str:
        mode = "simulator" if self.is_simulator else "live"
        done = sum(1 for r in self.runs if r.progress.state == JobStatus.SUCCEEDED.value)
        return f"Studio({mode}, runs={len(self.runs)}, succeeded={done})"


def _first_frame(video: Path) -> Path | None:
    """Write the video's first frame next to it as a JPEG poster; None if that fails."""
    target = video.with_suffix(".poster.jpg")
    try:
        import av

        with av.open(str(video)) as container:
            frame = next(container.decode(video=0))
            frame.to_image().save(target, format="JPEG", quality=85)  # type: ignore[no-untyped-call]
    except Exception:  # a poster is a nicety: never fail a finished run over it
        return None
    return target
