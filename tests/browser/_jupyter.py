"""Real Jupyter servers and the few UI moves every browser test needs.

`JupyterServer` starts ``jupyter lab`` or ``jupyter notebook`` (Notebook 7) the way
`jupyterlab.galata.configure_jupyter_server` does: a free loopback port, a temporary root
directory, no token or password, the app object exposed as ``window.jupyterapp``, and no news
toast (``news_url=None`` plus the notification setting "Never"). Every Jupyter directory (config,
data, runtime, user settings, workspaces) lives under one temporary directory, so nothing on the
machine leaks in and nothing is left behind; the kernelspec ``python3`` there runs this
interpreter, which is the one the test notebooks name in their metadata (so no "Select Kernel"
dialog appears).

The UI helpers work in both front ends: they talk to ``window.jupyterapp`` (the notebook's
session context and the ``notebook:run-all-cells`` command) and wait on conditions only.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from playwright.sync_api import Page

Flavor = Literal["lab", "notebook"]

KERNEL_NAME = "python3"
SERVER_START_TIMEOUT = 120.0  # seconds; two shared cores, a cold JupyterLab takes ~10 s
KERNEL_IDLE_TIMEOUT_MS = 90_000
RUN_ALL_TIMEOUT_MS = 180_000

# The notification plugin asks "Would you like to receive official Jupyter news?" in a toast that
# can cover widgets; "Never" (and no update check) keeps it away in JupyterLab and Notebook 7.
_NOTIFICATION_SETTINGS = {"fetchNews": "false", "checkForUpdates": False}

# Loopback only: an HTTP_PROXY in the environment must not swallow requests to our servers.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def write_kernelspec(data_dir: Path, name: str = KERNEL_NAME) -> Path:
    """Install a kernelspec `name` for this interpreter under `data_dir/kernels/`."""
    spec_dir = data_dir / "kernels" / name
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "metadata": {"debugger": False},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return spec_dir


def isolated_jupyter_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a server (and its kernels) whose Jupyter dirs all live under `home`."""
    dirs = {
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_DATA_DIR": home / "data",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": home / "settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "workspaces",
        "IPYTHONDIR": home / "ipython",
    }
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update({k: str(v) for k, v in dirs.items()})
    # JUPYTER_PATH comes first in the data search path: our kernelspec wins over any user one.
    env["JUPYTER_PATH"] = str(home / "data")
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env.pop("JUPYTER_PREFER_ENV_PATH", None)
    # No key and no base URL: the kernels' widgets run on the embedded simulator.
    for name in ("VIDWIDGETS_API_KEY", "VIDWIDGETS_BASE_URL"):
        env.pop(name, None)
    if extra:
        env.update(extra)
    write_kernelspec(home / "data")
    # LabApp.news_url must be None (not ""), which only a config file can say.
    (home / "config" / "jupyter_lab_config.json").write_text(
        json.dumps(
            {
                "LabApp": {
                    "news_url": None,
                    "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
                }
            }
        )
    )
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps(_NOTIFICATION_SETTINGS))
    return env


@dataclass
class JupyterServer:
    """One running ``jupyter lab`` or ``jupyter notebook`` on 127.0.0.1, stopped by `stop()`."""

    flavor: Flavor
    root: Path
    home: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def notebook_url(self, path: str) -> str:
        """The page that opens `path` (relative to the root) in this front end."""
        if self.flavor == "lab":
            # ?reset starts from an empty workspace: no tabs restored from an earlier test.
            return f"{self.url}/lab/tree/{path}?reset"
        return f"{self.url}/notebooks/{path}"

    def start(self) -> JupyterServer:
        self.root.mkdir(parents=True, exist_ok=True)
        env = isolated_jupyter_env(self.home, self.env_extra)
        self.port = free_port()
        app = "LabApp" if self.flavor == "lab" else "JupyterNotebookApp"
        module = "jupyterlab" if self.flavor == "lab" else "notebook"
        argv = [
            sys.executable,
            "-m",
            module,
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root}",
            "--IdentityProvider.token=",
            "--PasswordIdentityProvider.hashed_password=",
            "--ServerApp.disable_check_xsrf=True",
            "--ServerApp.allow_root=True",  # CI runs as root
            f"--{app}.expose_app_in_browser=True",
            f"--{app}.user_settings_dir={self.home / 'settings'}",
            f"--{app}.workspaces_dir={self.home / 'workspaces'}",
            # Keep the server from fetching anything: its language-server probe is useless here.
            "--ServerApp.jpserver_extensions=jupyter_lsp=False",
        ]
        if self.flavor == "lab":
            argv.append("--LabApp.extension_manager=readonly")  # no PyPI queries
        self.log_path = self.home / f"jupyter-{self.flavor}.log"
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            argv,
            cwd=self.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its kernels share the group: one signal ends them all
        )
        log.close()
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"jupyter {self.flavor} exited with {self.process.returncode}:\n{self.log()}"
                )
            with (
                contextlib.suppress(OSError),
                _OPENER.open(f"{self.url}/api/status", timeout=2) as resp,
            ):
                if resp.status == 200:
                    return
            # poll interval of a readiness check, not a wait for a result
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(
            f"jupyter {self.flavor} not ready in {SERVER_START_TIMEOUT}s:\n{self.log()}"
        )

    def api(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        req.add_header("Content-Type", "application/json")
        with _OPENER.open(req, timeout=30) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def shutdown_sessions(self) -> None:
        """End every session and kernel, so one test's kernels neither eat the next test's CPU
        nor get reattached when it opens the same notebook."""
        if self.process is None or self.process.poll() is not None:
            return
        for session in self.api("GET", "/api/sessions"):
            with contextlib.suppress(urllib.error.HTTPError):
                self.api("DELETE", f"/api/sessions/{session['id']}")
        for kernel in self.api("GET", "/api/kernels"):
            with contextlib.suppress(urllib.error.HTTPError):
                self.api("DELETE", f"/api/kernels/{kernel['id']}")

    def log(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # /api/shutdown stops the kernels cleanly, then the server.
        with contextlib.suppress(OSError):
            self.api("POST", "/api/shutdown")
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # any kernel that outlived it


# --- UI helpers -----------------------------------------------------------------------------

_CURRENT_PANEL_JS = """
(path) => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return null;
  const w = app.shell.currentWidget;
  if (!w || !w.context || !w.sessionContext) return null;
  return (path === null || w.context.path === path) ? w : null;
}
"""


def open_notebook(page: Page, server: JupyterServer, path: str) -> None:
    """Open `path` (relative to the server root) and wait until its kernel is idle."""
    page.goto(server.notebook_url(path))
    page.wait_for_function(
        f"() => ({_CURRENT_PANEL_JS})({json.dumps(path)}) !== null",
        timeout=KERNEL_IDLE_TIMEOUT_MS,
    )
    page.locator(".jp-Notebook").first.wait_for(state="visible", timeout=KERNEL_IDLE_TIMEOUT_MS)
    wait_kernel_idle(page)


def wait_kernel_idle(page: Page, timeout_ms: int = KERNEL_IDLE_TIMEOUT_MS) -> None:
    """Wait until the current notebook has a running kernel that reports "idle"."""
    page.wait_for_function(
        f"""() => {{
          const w = ({_CURRENT_PANEL_JS})(null);
          const kernel = w && w.sessionContext.session && w.sessionContext.session.kernel;
          return !!kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected';
        }}""",
        timeout=timeout_ms,
    )


def run_all_cells(page: Page, timeout_ms: int = RUN_ALL_TIMEOUT_MS) -> None:
    """Run every cell of the current notebook; return once all have run and the kernel is idle.

    Raises `AssertionError` with the tracebacks' summaries when a cell failed (JupyterLab then
    stops running the rest).
    """
    start_all_cells(page)
    finish_all_cells(page, timeout_ms)


def start_all_cells(page: Page) -> None:
    """Start running every cell of the current notebook and return at once.

    The page keeps the command's promise; `finish_all_cells` waits for it. In between a test can
    look at a widget while the cells are still running.
    """
    wait_kernel_idle(page)
    page.evaluate(
        "() => { window.__vwRunAll = window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
    )


def finish_all_cells(page: Page, timeout_ms: int = RUN_ALL_TIMEOUT_MS) -> None:
    """Wait until the cells `start_all_cells` started have all run; fail on a cell's error."""
    # The command's promise resolves once the last cell's execute_reply has arrived.
    page.evaluate(
        """(timeoutMs) => Promise.race([
             window.__vwRunAll,
             new Promise((_, reject) => setTimeout(
               () => reject(new Error('run-all-cells still running after ' + timeoutMs + ' ms')),
               timeoutMs)),
           ])""",
        timeout_ms,
    )
    wait_kernel_idle(page, timeout_ms)
    errors = cell_errors(page)
    assert not errors, f"cells raised: {errors}"


def cell_errors(page: Page) -> list[str]:
    """``ename: evalue`` of every error output in the current notebook (empty when none)."""
    errors: list[str] = page.evaluate(
        """() => window.jupyterapp.shell.currentWidget.content.widgets
             .filter((c) => c.model.type === 'code')
             .flatMap((c) => c.model.outputs.toJSON())
             .filter((o) => o.output_type === 'error')
             .map((o) => `${o.ename}: ${o.evalue}`)"""
    )
    return errors


@contextlib.contextmanager
def theme(page: Page, name: str, back_to: str = "JupyterLab Light") -> Iterator[None]:
    """Switch JupyterLab to the theme `name` for the block, then back to `back_to`.

    The theme is a user setting saved on the server, so it is switched back even when the block
    fails: the next test must not open in the dark.
    """
    _set_theme(page, name)
    try:
        yield
    finally:
        _set_theme(page, back_to)


def _set_theme(page: Page, name: str) -> None:
    page.evaluate(
        "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", name
    )
    page.wait_for_function(
        "(theme) => document.body.dataset.jpThemeName === theme", arg=name, timeout=30_000
    )
