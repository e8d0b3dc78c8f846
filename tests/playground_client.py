"""What the playground's server-level tests share: an app and its TestClient, and ways to
read a tab's messages until the one expected comes (never a fixed sleep)."""

import time

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx2")  # what starlette.testclient drives
from starlette.testclient import TestClient  # noqa: E402

from neuronet.playground import config as settings  # noqa: E402
from neuronet.playground import data  # noqa: E402
from neuronet.playground.server import create_app  # noqa: E402

CSV = "length,width,kind\n" + "\n".join(
    f"{1 + i % 7 + 0.1 * i},{2 + (i * 3) % 5},{'big' if i % 7 > 3 else 'small'}"
    for i in range(60)
) + "\n"


def points_for(config):
    X, y = data.generate(config["dataset"], noise=config["noise"], seed=config["seed"],
                         classes=config["classes"])
    return data.split(X, y, train_percent=config["ratio"], seed=config["seed"])


def settings_with(**changes):
    config, problems = settings.merge(settings.DEFAULTS, changes)
    assert not problems
    return config


@pytest.fixture
def app():
    return create_app()


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client


def receive_until(ws, predicate, limit=400):
    for _ in range(limit):
        message = ws.receive_json()
        if predicate(message):
            return message
    raise AssertionError("the expected message never came")


def is_frame(message):
    return message["type"] == "frame"


def start(ws, **config):
    hello = ws.receive_json()
    assert hello["type"] == "hello"
    ws.send_json({"type": "config", "config": config})
    state = receive_until(ws, lambda m: m["type"] == "state")
    frame = receive_until(ws, is_frame)
    return hello, state, frame


def wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()

