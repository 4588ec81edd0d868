"""The image serves the web with the shape the quote benchmark measured best (decision 067):
threaded gunicorn workers that keep connections alive, their number from WEB_CONCURRENCY."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _command() -> list[str]:
    dockerfile = (ROOT / "Dockerfile").read_text()
    match = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert match, "the image has no CMD in exec form"
    return json.loads(match.group(1))


def _option(command: list[str], name: str) -> str:
    assert name in command, f"{name} missing from {command}"
    return command[command.index(name) + 1]


def test_the_web_runs_threaded_workers_that_keep_connections():
    command = _command()
    assert command[:2] == ["gunicorn", "config.wsgi:application"]
    assert _option(command, "--worker-class") == "gthread"
    assert int(_option(command, "--threads")) >= 4  # quotes of one moment share a round trip
    assert int(_option(command, "--keep-alive")) > 2  # gunicorn's default closes too soon
    # The number of processes is gunicorn's own WEB_CONCURRENCY, set in the image and left to
    # the deployment to change; no --workers fixes it.
    assert "--workers" not in command
    assert re.search(r"^ENV WEB_CONCURRENCY=\d+$", (ROOT / "Dockerfile").read_text(), re.M)
