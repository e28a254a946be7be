"""How every benchmark times a step: the median of repeated rounds, each long enough to outlast the clock's noise.

Standard library only: the exospherehost 0.0.3 side (bench/exosphere_original.py) runs it in its own Python 3.12
environment, and finds it beside itself on sys.path.
"""

from __future__ import annotations

import statistics
import timeit
from collections.abc import Callable

ROUNDS = 7
ROUND_SECONDS = 0.05


def median_seconds(function: Callable[[], object], rounds: int = ROUNDS) -> float:
    """Seconds per call: the median over `rounds` rounds, each of as many calls as fill ROUND_SECONDS (at least
    one). A first call warms caches and sizes the rounds."""
    timer = timeit.Timer(function)
    first = timer.timeit(number=1)
    number = max(1, round(ROUND_SECONDS / max(first, 1e-9)))
    return statistics.median(timer.repeat(repeat=rounds, number=number)) / number
