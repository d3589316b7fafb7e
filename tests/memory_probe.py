"""How much this process's memory grew at its peak over a block of a test (Linux).

``peak_growth`` resets the kernel's high-water mark of resident memory (``/proc/self/clear_refs``, 5) and
reads it back at the end: a bomb parsed in the process shows however briefly it lived. So that code which
parses a bomb in-process fails the test instead of taking a shared machine's memory, a watchdog thread
samples the resident size every 10 ms and, past ``ceiling_mb`` of growth, raises ``MemoryError`` in the main
thread, where the dispatcher runs the handlers; the address space is capped as well, at 4 GB of growth, for
what the watchdog cannot interrupt. Child processes (the parse worker) are not counted: they set their own
bound. ``PROBE`` runs the command line the same way in a child process of its own.
"""

from __future__ import annotations

import ctypes
import re
import resource
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

STATUS = Path("/proc/self/status")
BACKSTOP_MB = 4096
# ``python -c PROBE ARGS… [:: ARGS…]``: ``hazardbot ARGS…`` for each group, with a 2.5 GB address space; prints
# ``exit=N`` per group and ``growth_mb=M`` (peak resident memory over all of them) on stderr
PROBE = r"""
import re, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2560 * 2**20, resource.RLIM_INFINITY))
from bot.cli import main
def kb(field):
    return int(re.search(rf"^{field}:\s+(\d+)", open("/proc/self/status").read(), re.M)[1])
start = kb("VmRSS")
for group in " ".join(sys.argv[1:]).split(" :: "):
    print(f"exit={main(group.split(' '))}", file=sys.stderr)
print(f"growth_mb={(kb('VmHWM') - start) / 1024:.0f}", file=sys.stderr)
"""


def _kb(field: str) -> int:
    m = re.search(rf"^{field}:\s+(\d+) kB", STATUS.read_text(), re.M)
    assert m is not None, field
    return int(m[1])


@dataclass
class Growth:
    mb: float = 0.0
    interrupted: bool = False


def _interrupt() -> None:
    main = threading.main_thread().ident or 0
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(main), ctypes.py_object(MemoryError))


@contextmanager
def peak_growth(ceiling_mb: int = 1000) -> Iterator[Growth]:
    """Yields a ``Growth`` whose ``mb`` is set on exit: peak resident memory minus the resident memory at
    the start, in MB (``interrupted``: the watchdog stopped the block at ``ceiling_mb``)."""
    Path("/proc/self/clear_refs").write_text("5")
    start = _kb("VmRSS")
    growth = Growth()
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.01):
            if _kb("VmRSS") - start > ceiling_mb * 1024:
                growth.interrupted = True
                _interrupt()
                return

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = (_kb("VmSize") + BACKSTOP_MB * 1024) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    watchdog = threading.Thread(target=watch, name="memory-probe", daemon=True)
    watchdog.start()
    try:
        yield growth
    finally:
        done.set()
        watchdog.join()
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        growth.mb = (_kb("VmHWM") - start) / 1024
