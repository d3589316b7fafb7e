"""How much the process's resident memory grew at its peak while a block ran (Linux).

The kernel's high-water mark (``VmHWM``) is reset by writing ``5`` to ``/proc/self/clear_refs``; where
that is refused, a thread samples ``VmRSS`` every millisecond instead. Pixel buffers that Pillow or a
codec allocate are counted, which ``tracemalloc`` would not see.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_STATUS = Path("/proc/self/status")


def _kib(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", _STATUS.read_text(), re.MULTILINE)
    assert match, field
    return int(match.group(1))


@dataclass
class Growth:
    """``mib``: the peak resident size during the block minus the size when it began, in MiB."""

    mib: float = 0.0


@contextmanager
def peak_growth() -> Iterator[Growth]:
    growth = Growth()
    try:
        Path("/proc/self/clear_refs").write_text("5")
        sampler = None
    except OSError:
        sampler = _Sampler()
    base = _kib("VmRSS")
    if sampler:
        sampler.start()
    try:
        yield growth
    finally:
        peak = sampler.stop() if sampler else _kib("VmHWM")
        growth.mib = max(0, peak - base) / 1024


class _Sampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _kib("VmRSS")
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.001):
            self.peak = max(self.peak, _kib("VmRSS"))

    def stop(self) -> int:
        self.done.set()
        self.join()
        return max(self.peak, _kib("VmRSS"))
