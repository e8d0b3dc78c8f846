"""neuronet.playground.uploads: files are read in a child process with a time limit, with
neuronet train's reader and its messages, and no file stalls the tabs that are training."""

import asyncio
import multiprocessing
import threading
import time

import playground_client
import pytest
from playground_client import CSV, is_frame, receive_until, start

from neuronet.playground.uploads import Reader

app, client = playground_client.app, playground_client.client  # the fixtures


def read(content, name="data.csv", **options):
    return asyncio.run(Reader(**options).read(content, name))


def test_a_file_is_read_in_a_child_as_neuronet_train_reads_it():
    columns = read(CSV.encode(), "shapes.csv")
    assert columns.header == ["length", "width", "kind"] and columns.rows == 60
    assert columns.numeric == ["length", "width"]
    # Separators and line ends are detected: semicolons, CR alone (old Mac files).
    text = "a;b;t\r" + "\r".join(f"{i};{i % 3};{'yes' if i % 2 else 'no'}" for i in range(9))
    assert read(text.encode()).header == ["a", "b", "t"]
    with pytest.raises(ValueError, match="^bad.csv: row 3 has 2 fields, but the header has 3"):
        read(b"a,b,c\n1,2,3\n1,2\n1,2,3\n1,2,3\n", "bad.csv")
    assert not [p for p in multiprocessing.active_children() if p.is_alive()]


def test_a_read_that_takes_too_long_is_stopped():
    with pytest.raises(ValueError, match="took longer than 0 s, so it was stopped"):
        read(CSV.encode(), seconds=0.0)
    assert not [p for p in multiprocessing.active_children() if p.is_alive()]


WIDE = ",".join(f"c{i}" for i in range(40_000)) + "\n" + "1," * 39_999 + "1\n"
QUOTES = ',"a' * 21_000  # 63 KB that csv.Sniffer took 10-28 s over


@pytest.mark.parametrize("body, message", [
    (QUOTES, "columns; the playground takes files of at most 1,000 columns"),
    (WIDE, "the header has 40,000 columns"),
])
def test_a_pathological_upload_is_refused_while_other_tabs_keep_their_frames(
        client, body, message):
    with client.websocket_connect("/ws") as other, client.websocket_connect("/ws") as ws:
        start(other, batch=1, ratio=90)
        hello, _, _ = start(ws)
        other.send_json({"type": "play"})
        receive_until(other, lambda m: is_frame(m) and m["playing"])
        replies = []

        def upload():
            replies.append(client.post(f"/upload/{hello['token']}?name=odd.csv",
                                       content=body.encode()))

        uploading = threading.Thread(target=upload)
        uploading.start()
        last, longest = time.monotonic(), 0.0
        while uploading.is_alive():
            receive_until(other, is_frame)
            now = time.monotonic()
            longest, last = max(longest, now - last), now
        uploading.join()
        frame = receive_until(other, is_frame)
        other.send_json({"type": "pause"})
    reply = replies[0]
    assert reply.status_code == 400 and message in reply.json()["error"]
    assert reply.json()["error"].startswith("odd.csv: ")
    # The other tab's frames kept coming while the file was read: no gap of the seconds
    # the reading used to take on the event loop (csv.Sniffer, a quadratic header check).
    assert longest < 5.0 and frame["playing"]


def test_where_there_is_no_forkserver_a_child_starts_afresh(monkeypatch):
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    columns = read(CSV.encode(), "shapes.csv")
    assert columns.header == ["length", "width", "kind"]
