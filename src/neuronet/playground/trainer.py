"""The playground's trainer: it shares the server's time among the tabs that are training,
fairly. Training happens on the event loop, in slices: one task, the trainer, visits the tabs
that are training in turn (round robin) and gives each the same slice of CPU time, so that
every tab advances however many are open and however busy the machine is."""

from __future__ import annotations

import asyncio
import time

FRAME_SECONDS = 1 / 30  # a round of the trainer takes at least this: at most 30 frames a second
ROUND_SECONDS = 0.03  # CPU time of one round, shared among the tabs that are training
MIN_SLICE = 0.004  # the least CPU time a tab trains for in its turn


class Trainer:
    """Shares training time among tabs: round robin, each tab that is training gets
    ``max(MIN_SLICE, ROUND_SECONDS / n)`` seconds of CPU time per round (``n`` tabs
    training), then its frame.

    CPU time, not wall-clock time: on a busy machine a tab's slice is not eaten by the time
    other programs run in, so every tab gets the same work done per round."""

    def __init__(self):
        self.tabs: list = []
        self.rounds = 0
        self._wake = None
        self._task = None

    def add(self, tab) -> None:
        """Take ``tab`` into the rounds (it trains whenever it plays or has steps queued).

        Parameters
        ----------
        tab : Tab
            The tab.
        """
        self.tabs.append(tab)
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = asyncio.create_task(self._rounds())
        self.wake()

    def remove(self, tab) -> None:
        """Leave ``tab`` out of the rounds from now on; the last one out stops the trainer.

        Parameters
        ----------
        tab : Tab
            The tab.
        """
        if tab in self.tabs:
            self.tabs.remove(tab)
        if not self.tabs and self._task is not None:
            self._task.cancel()
            self._task = None

    def wake(self) -> None:
        """Say that a tab may have work: the trainer looks again."""
        if self._wake is not None:
            self._wake.set()

    async def _rounds(self) -> None:
        while True:
            busy = [tab for tab in self.tabs if tab.wants_work()]
            if not busy:
                self._wake.clear()
                await self._wake.wait()
                continue
            started = time.perf_counter()
            budget = max(MIN_SLICE, ROUND_SECONDS / len(busy))
            for tab in busy:
                if tab.closed or not tab.wants_work():
                    continue
                tab.train_slice(budget)
                await asyncio.sleep(0)  # the pages' messages and the frames' sending
            self.rounds += 1
            rest = FRAME_SECONDS - (time.perf_counter() - started)
            await asyncio.sleep(max(0.0, rest))
