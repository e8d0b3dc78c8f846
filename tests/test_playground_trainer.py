"""neuronet.playground.trainer: every tab that trains gets its turn and the same slice."""

import asyncio

from neuronet.playground import trainer as shared


class Busy:
    """A tab that wants ``turns`` slices of work."""

    def __init__(self, turns):
        self.turns, self.closed, self.slices = turns, False, []

    def wants_work(self):
        return self.turns > 0

    def train_slice(self, seconds):
        self.slices.append(seconds)
        self.turns -= 1


def test_tabs_take_turns_with_equal_slices_and_the_last_out_stops_it():
    async def scenario():
        trainer = shared.Trainer()
        tabs = [Busy(3), Busy(3), Busy(0)]
        for tab in tabs:
            trainer.add(tab)
        for _ in range(200):
            if not any(tab.wants_work() for tab in tabs):
                break
            await asyncio.sleep(0.01)
        for tab in tabs:
            trainer.remove(tab)
        return trainer, tabs

    trainer, tabs = asyncio.run(scenario())
    assert [len(tab.slices) for tab in tabs] == [3, 3, 0]
    assert tabs[0].slices == tabs[1].slices
    assert tabs[0].slices[0] == max(shared.MIN_SLICE, shared.ROUND_SECONDS / 2)
    assert trainer.rounds >= 3 and trainer._task is None
