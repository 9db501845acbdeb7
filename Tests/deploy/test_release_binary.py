"""The image's binary without the image: build it the way the Dockerfile does, put only the binary and Public/
in an empty folder (as the runtime stage does), run it there as a non-root user, and get /healthz and the page.

The release build takes 5-8 minutes from scratch on 2 cores; it uses its own scratch path (.build-release,
git-ignored) so it neither clobbers nor is clobbered by the debug build, and reuses its earlier work.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from deploy_support import RELEASE_BUILD, REPO, missing
from process_helpers import free_port

SCRATCH = REPO / ".build-release"
NOBODY = 65534
# What the runtime image provides (debian:bookworm-slim + ca-certificates): glibc, libstdc++, libgcc, zlib.
ALLOWED_LIBRARIES = {"linux-vdso.so.1", "libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "libz.so.1",
                     "ld-linux-x86-64.so.2", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libutil.so.1",
                     "ld-linux-aarch64.so.1"}


@pytest.fixture(scope="module")
def release_binary() -> Path:
    if shutil.which("swift") is None:
        missing("swift is not installed")
    command = [*RELEASE_BUILD, "--scratch-path", str(SCRATCH)]
    build = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=45 * 60)
    assert build.returncode == 0, build.stdout[-5000:] + build.stderr[-5000:]
    bin_path = subprocess.run([*command, "--show-bin-path"], cwd=REPO, capture_output=True, text=True, timeout=300)
    binary = Path(bin_path.stdout.strip()) / "parley"
    assert binary.is_file(), bin_path.stdout + bin_path.stderr
    return binary


@pytest.fixture
def image_like_folder(release_binary: Path):
    """/app of the image: the stripped binary and Public/, nothing else, readable but not writable by the user.
    Directly under /tmp (pytest's tmp_path sits below a 0700 folder that the non-root user cannot traverse)."""
    app = Path(tempfile.mkdtemp(prefix="parley-app-"))
    try:
        shutil.copy2(release_binary, app / "parley")
        if shutil.which("strip"):
            subprocess.run(["strip", str(app / "parley")], check=True, timeout=120)
        shutil.copytree(REPO / "Public", app / "Public")
        for path in [app, *app.rglob("*")]:
            path.chmod(0o755 if path.is_dir() or path.name == "parley" else 0o644)
        yield app
    finally:
        shutil.rmtree(app, ignore_errors=True)


def as_non_root(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command  # already not root
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--", *command]


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_binary_links_only_what_the_runtime_image_has(release_binary: Path):
    if shutil.which("ldd") is None:
        missing("ldd is not installed")
    listing = subprocess.run(["ldd", str(release_binary)], capture_output=True, text=True, timeout=60).stdout
    libraries = {Path(line.split()[0]).name for line in listing.splitlines() if line.strip()}
    assert libraries <= ALLOWED_LIBRARIES, sorted(libraries - ALLOWED_LIBRARIES)
    assert "libswiftCore.so" not in listing and "libFoundation" not in listing


def test_runs_from_an_empty_folder_as_non_root_and_serves_healthz_and_the_page(image_like_folder: Path):
    before = sorted(p.relative_to(image_like_folder) for p in image_like_folder.rglob("*"))
    port = free_port()
    # Only what the image sets, plus the address: no endpoint, so Parley serves in offline mode.
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "HOST": "127.0.0.1", "PORT": str(port),
           "LOG_FORMAT": "json"}
    server = subprocess.Popen(as_non_root(["./parley", "serve"]), cwd=image_like_folder, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, _, body = get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        assert server.poll() is None, f"parley exited with {server.returncode}: {server.stdout.read()}"
        assert status == 200
        assert json.loads(body)["status"] == "ok"

        status, headers, page = get(f"http://127.0.0.1:{port}/")
        assert status == 200
        assert headers["Content-Type"].startswith("text/html")
        assert page == (REPO / "Public" / "index.html").read_bytes()

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0, "parley did not exit 0 on SIGTERM"
        log = server.stdout.read()
        # LOG_FORMAT=json as in the image: every line is a JSON object.
        lines = [line for line in log.splitlines() if line.strip()]
        assert lines and all(line.startswith("{") for line in lines), log[-2000:]
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
    after = sorted(p.relative_to(image_like_folder) for p in image_like_folder.rglob("*"))
    assert after == before, "parley wrote files (the pod's root filesystem is read-only)"
