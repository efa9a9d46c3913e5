"""Simulated time for one measured run: the time measured in process, plus every wait the rule asks for and
a modelled network latency per request; and a Lambda context that counts down on it."""

from __future__ import annotations

import time

LATENCY_SECONDS = 0.05  # modelled network round trip per request


class SimClock:
    """Time as measured in process, plus every wait the edge asks for and each request's modelled latency."""

    def __init__(self) -> None:
        self._start = time.perf_counter()
        self.waited = 0.0
        self.latency = 0.0

    def monotonic(self) -> float:
        return time.perf_counter() - self._start + self.waited + self.latency

    def sleep(self, seconds: float) -> None:
        self.waited += seconds

    def request(self, operation: str) -> None:
        self.latency += LATENCY_SECONDS


class LambdaContext:
    """Lambda's context as the handler reads it: the time left of the timeout, on the simulated clock."""

    def __init__(self, clock: SimClock, timeout: float) -> None:
        self._clock, self._deadline = clock, clock.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, round((self._deadline - self._clock.monotonic()) * 1000))
