"""The two signals a node raises from `execute` to steer its state, as in exospherehost 0.0.3: `PruneSignal` ends
the branch (the state becomes PRUNED, no next states), `ReQueueAfterSignal` runs the state again after a delay.
Let them propagate: the runtime sends them to the state manager."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

__all__ = ["PruneSignal", "ReQueueAfterSignal"]


class PruneSignal(Exception):  # noqa: N818 -- 0.0.3's name
    """End this branch; `data` is recorded with the pruned state."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        if data is not None and not isinstance(data, dict):
            raise TypeError(f"PruneSignal data must be a dict, got {type(data).__name__}")
        self.data: dict[str, Any] = {} if data is None else data
        super().__init__(
            f"Prune signal received with data: {self.data} \n NOTE: Do not catch this Exception, let it bubble up "
            "to Runtime for handling at StateManager"
        )


class ReQueueAfterSignal(Exception):  # noqa: N818 -- 0.0.3's name
    """Run this state again once `delay` (a positive timedelta) has passed."""

    def __init__(self, delay: timedelta) -> None:
        self.delay = delay
        if delay.total_seconds() <= 0:
            raise Exception("Delay must be greater than 0")  # the original's exception type and text
        super().__init__(
            f"ReQueueAfter signal received with timedelta: {delay} \n NOTE: Do not catch this Exception, let it "
            "bubble up to Runtime for handling at StateManager"
        )

    @property
    def delay_ms(self) -> int:
        """The delay as the state manager takes it: whole milliseconds, at least 1 (0.0.3 sent 0 for a delay
        under a millisecond, which the server refuses)."""
        return max(1, int(self.delay.total_seconds() * 1000))
