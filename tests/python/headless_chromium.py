"""A small Chrome DevTools Protocol client for the tests: opens a page in headless Chromium, waits for it,
evaluates JavaScript, records console errors and network requests, and takes full-page screenshots.

    with HeadlessChromium() as browser:
        browser.open(path.as_uri(), ready="window.reportReady === true")
        assert browser.console_errors == []
        browser.screenshot(png_path)

Chromium runs with a fresh profile in a temporary directory; leaving the `with` block kills it (the
whole process group) and removes the directory.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

import websocket

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
INSTALL_SCRIPT = PROJECT_ROOT / "scripts" / "install_chromium.sh"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-port=0",
)


class ChromiumError(Exception):
    """Chromium cannot be installed or started, or a DevTools command failed."""


class JavaScriptError(ChromiumError):
    """An evaluated expression threw."""


def ensure_chromium() -> Path:
    """The Chromium executable, installed with scripts/install_chromium.sh when missing; raises
    ChromiumError with the script's output when that fails."""
    if CHROMIUM.exists():
        return CHROMIUM
    result = subprocess.run(
        ["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=900, check=False
    )
    if result.returncode != 0 or not CHROMIUM.exists():
        raise ChromiumError(
            f"{CHROMIUM} is missing and {INSTALL_SCRIPT.name} could not install it "
            f"(exit {result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return CHROMIUM


class HeadlessChromium:
    """Headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(
        self, executable: Path = CHROMIUM, width: int = 1400, height: int = 1000, timeout: float = 30.0
    ) -> None:
        self.executable = executable
        self.width = width
        self.height = height
        self.timeout = timeout
        self.console_errors: list[str] = []
        self.requests: list[str] = []
        self._events: list[dict[str, Any]] = []
        self._next_id = 0
        self._work_dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: websocket.WebSocket | None = None

    # --- life cycle ----------------------------------------------------------------------------------

    def __enter__(self) -> HeadlessChromium:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        self._work_dir = Path(tempfile.mkdtemp(prefix="headless-chromium-"))
        profile = self._work_dir / "profile"
        profile.mkdir()
        with (self._work_dir / "chromium.log").open("wb") as log:
            self._process = subprocess.Popen(
                [
                    str(self.executable),
                    *CHROMIUM_FLAGS,
                    f"--window-size={self.width},{self.height}",
                    f"--user-data-dir={profile}",
                    "about:blank",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so close() ends the helpers too
            )
        port = self._devtools_port(profile / "DevToolsActivePort")
        self._socket = websocket.create_connection(
            self._page_websocket_url(port),
            timeout=self.timeout,
            suppress_origin=True,  # Chromium refuses DevTools connections that name an origin
            enable_multithread=False,
        )
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.call(f"{domain}.enable")
        self._set_viewport(self.height)

    def close(self) -> None:
        """Stop Chromium and remove its profile. Asked to close, Chromium ends its helper processes itself;
        when it does not within seconds, its process group is killed."""
        if self._socket is not None:
            with contextlib.suppress(OSError, websocket.WebSocketException):
                self._socket.send(json.dumps({"id": self._next_id + 1, "method": "Browser.close"}))
            with contextlib.suppress(OSError, websocket.WebSocketException):
                self._socket.close()
            self._socket = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                for sig in (signal.SIGTERM, signal.SIGKILL):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self._process.pid, sig)
                    try:
                        self._process.wait(timeout=5)
                        break
                    except subprocess.TimeoutExpired:
                        continue
            self._process = None
        if self._work_dir is not None:
            # helpers may still be writing to the profile for a moment after the browser exits
            for _ in range(10):
                shutil.rmtree(self._work_dir, ignore_errors=True)
                if not self._work_dir.exists():
                    break
                time.sleep(0.2)
            self._work_dir = None

    def _chromium_log(self) -> str:
        log = self._work_dir / "chromium.log" if self._work_dir else None
        return log.read_text(errors="replace")[-4000:] if log and log.exists() else ""

    def _devtools_port(self, port_file: Path) -> int:
        """Chromium writes the port it chose (and the browser's websocket path) into DevToolsActivePort."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise ChromiumError(
                    f"Chromium exited with {self._process.returncode} at start:\n{self._chromium_log()}"
                )
            lines = port_file.read_text().splitlines() if port_file.exists() else []
            if len(lines) >= 2 and lines[0].strip().isdigit():
                return int(lines[0])
            time.sleep(0.05)
        raise ChromiumError(f"no {port_file.name} after {self.timeout:.0f} s:\n{self._chromium_log()}")

    def _page_websocket_url(self, port: int) -> str:
        # a local address: never through a proxy from the environment
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            with opener.open(f"http://127.0.0.1:{port}/json/list", timeout=self.timeout) as response:
                targets = json.load(response)
            pages = [target for target in targets if target.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.05)
        raise ChromiumError("Chromium shows no page target")

    # --- protocol ------------------------------------------------------------------------------------

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a DevTools command and return its result; events that arrive meanwhile are recorded."""
        if self._socket is None:
            raise ChromiumError("Chromium is not running")
        self._next_id += 1
        command_id = self._next_id
        self._socket.send(json.dumps({"id": command_id, "method": method, "params": params}))
        while True:
            message = self._receive(self.timeout)
            if message.get("id") == command_id:
                if "error" in message:
                    raise ChromiumError(f"{method} failed: {message['error']}")
                return message.get("result", {})

    def _receive(self, timeout: float) -> dict[str, Any]:
        assert self._socket is not None
        self._socket.settimeout(timeout)
        try:
            message = json.loads(self._socket.recv())
        except websocket.WebSocketTimeoutException as error:
            raise TimeoutError(f"no message from Chromium in {timeout:.1f} s") from error
        if "method" in message:
            self._record(message)
        return message

    def _record(self, event: dict[str, Any]) -> None:
        method, params = event["method"], event.get("params", {})
        self._events.append(event)
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(
                str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", [])
            )
            self.console_errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            description = details.get("exception", {}).get("description") or details.get("text", "")
            self.console_errors.append(f"exception: {description}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.console_errors.append(
                f"log ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}"
            )
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])

    def _wait_for_event(self, method: str, timeout: float, since: int = 0) -> dict[str, Any]:
        """The first event named method recorded at or after index `since`, waiting for it if need be."""
        deadline = time.monotonic() + timeout
        seen = since
        while True:
            for event in self._events[seen:]:
                if event["method"] == method:
                    return event
            seen = len(self._events)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {method} in {timeout:.0f} s")
            self._receive(remaining)

    # --- what the tests use --------------------------------------------------------------------------

    def open(self, url: str, ready: str | None = None, timeout: float = 60.0) -> None:
        """Navigate to url, wait for its load event and then until the JavaScript expression `ready` is
        true; raises TimeoutError (with the console errors so far) when it does not get there."""
        since = len(self._events)  # the load event may come before the answer to Page.navigate
        result = self.call("Page.navigate", url=url)
        if result.get("errorText"):
            raise ChromiumError(f"cannot open {url}: {result['errorText']}")
        self._wait_for_event("Page.loadEventFired", timeout, since)
        if ready is None:
            return
        deadline = time.monotonic() + timeout
        while not self.evaluate(f"Boolean({ready})"):
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{ready} still false after {timeout:.0f} s; console errors: {self.console_errors}"
                )
            time.sleep(0.1)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited, result as JSON)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            description = details.get("exception", {}).get("description") or details.get("text")
            raise JavaScriptError(f"{expression}: {description}")
        return result["result"].get("value")

    def screenshot(self, path: Path | None = None, settle_seconds: float = 0.5) -> bytes:
        """A PNG of the whole page at the browser's width, written to path when given.

        The viewport is first made as tall as the page and the page given settle_seconds to answer the
        resize: pages that redraw on resize (responsive charts) would otherwise be caught half-drawn."""
        height = self._content_height()
        for _ in range(3):  # a redraw may change the page's height
            self._set_viewport(height)
            self.evaluate(
                "new Promise(resolve => setTimeout(() => requestAnimationFrame(() => "
                f"requestAnimationFrame(resolve)), {int(settle_seconds * 1000)}))"
            )
            settled_height = self._content_height()
            if settled_height == height:
                break
            height = settled_height
        try:
            result = self.call(
                "Page.captureScreenshot",
                format="png",
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1},
            )
        finally:
            self._set_viewport(self.height)
        png = base64.b64decode(result["data"])
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(png)
        return png

    def _content_height(self) -> int:
        metrics = self.call("Page.getLayoutMetrics")
        content = metrics.get("cssContentSize") or metrics["contentSize"]
        return max(1, math.ceil(content["height"]))

    def _set_viewport(self, height: int) -> None:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=self.width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
