"""How long one AWS call may take: the connect and read timeouts and attempts botocore uses."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import InvalidArgumentError

# botocore's standard retry mode sleeps at most 2**(attempt - 1) seconds (with jitter) between attempts.
_MAX_BACKOFF = 20.0


@dataclass(frozen=True)
class Deadline:
    """Timeouts per attempt and the total number of attempts (the first one included).

    A call that gets no answer fails after at most `worst_case` seconds: every attempt waits
    `connect_timeout` for the connection and `read_timeout` for each read, with retry backoff between.
    """

    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    attempts: int = 3

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
                raise InvalidArgumentError(f"{name} must be a number of seconds > 0, got {value!r}")
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int) or not 1 <= self.attempts <= 10:
            raise InvalidArgumentError(f"attempts must be an int in 1..10, got {self.attempts!r}")

    @property
    def worst_case(self) -> float:
        """Seconds a call to a silent endpoint can take before it fails."""
        backoff = sum(min(_MAX_BACKOFF, 2.0 ** (attempt - 1)) for attempt in range(1, self.attempts))
        return self.attempts * (self.connect_timeout + self.read_timeout) + backoff

    def describe(self) -> str:
        return (
            f"connect {self.connect_timeout:g}s, read {self.read_timeout:g}s, {self.attempts} "
            f"attempt{'s' if self.attempts != 1 else ''} (at most {self.worst_case:g}s)"
        )


DEFAULT_DEADLINE = Deadline()
