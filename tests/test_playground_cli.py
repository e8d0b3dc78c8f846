"""`neuronet playground` as a user starts it: a real uvicorn server in its own process, its
address, Ctrl-C, its errors, and what a real WebSocket connection may throw at it."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

pytest.importorskip("uvicorn")
websockets_client = pytest.importorskip("websockets.sync.client")

from neuronet import cli  # noqa: E402
from neuronet.playground import is_loopback  # noqa: E402


def start_server(*args):
    """Start `python -m neuronet playground --no-browser ARGS`; return (process, url)."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "neuronet", "playground", "--no-browser", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = process.stdout.readline()
    match = re.search(r"http://\S+/", line)
    if not match:
        process.kill()
        raise AssertionError(f"no address printed: {line!r} {process.stderr.read()!r}")
    return process, match.group()


def stop_server(process):
    """Ctrl-C, as a user would; return (exit status, standard output, standard error)."""
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    return process.returncode, out, err


@pytest.fixture(scope="module")
def server():
    process, url = start_server("--port", "0")
    yield url
    status, out, err = stop_server(process)
    assert status == 0, err
    assert "stopped" in out and "Traceback" not in err


def ws_url(url):
    return url.replace("http://", "ws://") + "ws"


def receive(ws, kind):
    for _ in range(200):
        message = json.loads(ws.recv(timeout=20))
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message came")


def test_it_prints_its_address_and_serves_the_page(server):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", server)
    with urllib.request.urlopen(server, timeout=10) as response:
        page = response.read().decode()
    assert 'data-testid="output-surface"' in page


def test_a_real_socket_trains_and_survives_abuse(server):
    with websockets_client.connect(ws_url(server), max_size=None) as ws:
        assert receive(ws, "hello")["limits"]["uploadBytes"] > 0
        ws.send(json.dumps({"type": "config", "config": {"seed": 3, "layers": [8, 8]}}))
        receive(ws, "frame")
        ws.send(json.dumps({"type": "step", "count": 2}))
        while json.loads(ws.recv(timeout=20)).get("epoch") != 2:
            pass
    # A message far beyond the limit closes that connection only.
    with websockets_client.connect(ws_url(server)) as bystander:
        receive(bystander, "hello")
        with websockets_client.connect(ws_url(server)) as attacker:
            receive(attacker, "hello")
            attacker.send("x" * (2 << 20))
            from websockets.exceptions import ConnectionClosed

            with pytest.raises(ConnectionClosed) as closed:
                for _ in range(100):
                    attacker.recv(timeout=10)
            assert closed.value.rcvd.code == 1009  # message too big
        # A tab dropped mid-training without a goodbye.
        with websockets_client.connect(ws_url(server)) as dropped:
            receive(dropped, "hello")
            dropped.send(json.dumps({"type": "config", "config": {}}))
            dropped.send(json.dumps({"type": "play"}))
            receive(dropped, "frame")
            dropped.socket.shutdown(socket.SHUT_RDWR)  # gone, without a closing handshake
        bystander.send(json.dumps({"type": "config", "config": {"seed": 5}}))
        bystander.send(json.dumps({"type": "step", "count": 1}))
        while json.loads(bystander.recv(timeout=20)).get("epoch") != 1:
            pass


def test_ctrl_c_stops_it_cleanly_and_other_hosts_are_warned_about():
    process, url = start_server("--port", "0", "--host", "0.0.0.0")
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
    status, out, err = stop_server(process)
    assert status == 0 and "stopped" in out
    assert "warning: listening on 0.0.0.0" in err and "--host 127.0.0.1" in err
    assert "Traceback" not in err


def fetch(url, host=None):
    """The status of GET ``url``, with another Host header when ``host`` is given."""
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


@pytest.mark.parametrize("host, printed", [("127.0.0.2", "127.0.0.2"), ("127.1", "127.0.0.1")])
def test_a_loopback_host_in_any_spelling_answers_to_its_printed_address(host, printed):
    process, url = start_server("--port", "0", "--host", host)
    try:
        port = int(url.rsplit(":", 1)[1].strip("/"))
        assert url == f"http://{printed}:{port}/"
        assert fetch(url) == 200  # the address it printed is its own
        assert fetch(url, host=f"{host}:{port}") == 200  # and as it was given
        assert fetch(url, host=f"evil.example:{port}") == 403  # the Host check stays on
    finally:
        status, out, err = stop_server(process)
    assert status == 0 and "warning" not in err and "Traceback" not in err


def test_a_busy_port_is_one_line_of_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "neuronet", "playground", "--no-browser", "--port",
             str(port)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith(f"neuronet: error: cannot listen on 127.0.0.1:{port}")
    assert "--port" in result.stderr and result.stderr.count("\n") == 1


def test_bad_ports_are_usage_errors(run_cli):
    result = run_cli("playground", "--port", "70000", "--no-browser")
    assert result.returncode == 2
    assert "a port from 0 to 65535" in result.stderr


def test_a_missing_extra_names_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    assert cli.main(["playground", "--no-browser"]) == 1
    err = capsys.readouterr().err
    assert "pip install 'neuronet[playground]'" in err and err.count("\n") == 1


def test_loopback_addresses():
    assert all(map(is_loopback, ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"]))
    assert not any(map(is_loopback, ["0.0.0.0", "192.168.1.4", "example.org", "::"]))


def test_the_frame_rate_benchmark_runs():
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "playground.py"
    done = subprocess.run([sys.executable, str(script), "--seconds", "0.5", "--repeats", "1",
                           "--no-browser"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "WebSocket client" in done.stdout and "frames/s" in done.stdout
