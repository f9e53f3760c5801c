"""Browser fixtures: a live server, Debian's Chromium driven by Playwright, a fake camera video.

The suite skips with a message when /usr/bin/chromium is missing, unless PB_REQUIRE_BROWSER=1 or CI=true.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from pointsbank.extensions import db
from tests.conftest import make_test_app

CHROMIUM = "/usr/bin/chromium"
REQUIRE_BROWSER = os.environ.get("CI") == "true" or os.environ.get("PB_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
FAKE_CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


def pytest_collection_modifyitems(config, items) -> None:
    """Mark every test under tests/browser as `browser`."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _require_chromium() -> None:
    if os.path.exists(CHROMIUM):
        return
    message = f"Chromium not found at {CHROMIUM}: skipping the browser suite (apt-get install chromium)"
    if REQUIRE_BROWSER:
        pytest.fail(message + " — but the browser suite is required here")
    pytest.skip(message)


@dataclass
class LiveServer:
    """A running app: `url` (no trailing slash) and `app` (for setting up data in an app context)."""

    url: str
    app: Flask


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(tmp_path, request):
    """The app on a SQLite file (create_all, TESTING, CSRF on) served in a background thread."""
    _require_chromium()
    extra = {"WTF_CSRF_ENABLED": True, "SERVER_NAME": None, "PB_UPLOAD_DIR": str(tmp_path / "uploads")}
    marker = request.node.get_closest_marker("app_config")
    if marker:
        extra.update(marker.kwargs)
    app = make_test_app(f"sqlite:///{tmp_path / 'live.db'}", tmp_path, **extra)
    with app.app_context():
        db.create_all()
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def chromium():
    """chromium(fake_video=None) -> a Playwright Browser; everything is closed at teardown."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    manager = sync_playwright()
    playwright = manager.start()
    browsers = []

    def launch(fake_video: str | os.PathLike | None = None):
        args = list(CHROMIUM_ARGS)
        if fake_video is not None:
            path = Path(fake_video)
            if path.suffix != ".y4m":
                raise ValueError("fake_video must be a .y4m file")
            args += FAKE_CAMERA_ARGS + [f"--use-file-for-fake-video-capture={path}"]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        browsers.append(browser)
        return browser

    try:
        yield launch
    finally:
        for browser in browsers:
            if browser.is_connected():
                browser.close()
        manager.__exit__(None, None, None)


def _rgb_to_yuv420(image) -> tuple[bytes, bytes, bytes]:
    """Full-range BT.601 planes (C420jpeg): Y at full size, U and V at half size."""
    ycbcr = image.convert("YCbCr")
    y, u, v = ycbcr.split()
    half = (image.width // 2, image.height // 2)
    from PIL import Image

    u = u.resize(half, Image.BILINEAR)
    v = v.resize(half, Image.BILINEAR)
    return y.tobytes(), u.tobytes(), v.tobytes()


def write_qr_y4m(payload: str, path: str | os.PathLike, width: int = 640, height: int = 480) -> Path:
    """Write a one-frame YUV4MPEG2 video of a QR of `payload` centred on white; return the path."""
    import qrcode
    from PIL import Image

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    code = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    side = min(width, height) - 80
    code = code.resize((side, side), Image.NEAREST)
    frame = Image.new("RGB", (width, height), "white")
    frame.paste(code, ((width - side) // 2, (height - side) // 2))
    y, u, v = _rgb_to_yuv420(frame)
    path = Path(path)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C420jpeg\n".encode())
        out.write(b"FRAME\n")
        out.write(y + u + v)
    return path


@pytest.fixture
def qr_y4m():
    """qr_y4m(payload, path) -> Path of a one-frame 640x480 y4m showing a QR of payload."""
    return write_qr_y4m


def wait_until(page, expression: str, timeout: float = 15.0) -> None:
    """Poll a JavaScript expression from Python until it is truthy: `wait_for_function` with a string
    evaluates it inside the page, which the Content Security Policy forbids (no 'unsafe-eval')."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:g} s: {expression}")
        page.wait_for_timeout(100)
