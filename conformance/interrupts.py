"""Stopping on SIGINT and SIGTERM, whenever they land: a sticky flag the verdict reads, not an exception.

A KeyboardInterrupt raised by a signal handler is not a reliable stop: Python runs the handler wherever the main
thread is, and where that is a garbage-collector or weakref callback (hypothesis and schemathesis run many) the
exception is printed as "Exception ignored" and dropped, and the run goes on to say "Passed". So the handler first
notes the signal here; the KeyboardInterrupt it raises only stops the work under way sooner. The engine asks
`stop_here()` before each request and test (a dropped interrupt is raised again there), and the verdict reads
`signal_name()`: a run a signal reached is interrupted, whichever code saw the exception or none did.

Inside `shielded()` (a create's bookkeeping, the reports being written) a signal is noted and never raised: the
reports are written whole, and say "interrupted".
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _State:
    signum: int | None = None  # the first signal that reached the process since install()
    shield = 0  # depth of shielded() blocks: inside, a signal is noted, never raised
    installed = 0  # depth of install() calls still in force
    previous: dict[int, Any] = {}


_STATE = _State()


def _handler(signum: int, frame: Any) -> None:
    if _STATE.signum is None:
        _STATE.signum = signum
    if not _STATE.shield:
        raise KeyboardInterrupt


def install() -> bool:
    """Take SIGINT and SIGTERM (main thread only; False elsewhere). The outermost call forgets any earlier signal
    and keeps the handlers it replaced for `uninstall()`. A SIGINT the parent left ignored is taken too: a signal
    sent on purpose (`kill -INT`, a CI runner cancelling) stops the run."""
    if threading.current_thread() is not threading.main_thread():
        return False
    if not _STATE.installed:
        _STATE.signum, _STATE.shield = None, 0
        _STATE.previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
        for sig in SIGNALS:
            signal.signal(sig, _handler)
    _STATE.installed += 1
    return True


def uninstall(*, forget: bool = False) -> None:
    """Undo one `install()`; the outermost puts back the handlers it found, and with `forget` forgets the signal
    (an in-process run, whose caller has its exit code: no later code of that process reads it as its own)."""
    if threading.current_thread() is not threading.main_thread() or not _STATE.installed:
        return
    _STATE.installed -= 1
    if not _STATE.installed:
        for sig, handler in _STATE.previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        if forget:
            reset()


def note(signum: int) -> None:
    """A signal seen by other means (a process's own handler, a worker's report): the run is interrupted."""
    if _STATE.signum is None:
        _STATE.signum = signum


def requested() -> int | None:
    """The signal that asked this process to stop, if any."""
    return _STATE.signum


def signal_name(signum: int | None = None) -> str | None:
    signum = _STATE.signum if signum is None else signum
    if signum is None:
        return None
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def stop_here() -> None:
    """A safe point: raise the KeyboardInterrupt a callback may have dropped, unless shielded."""
    if _STATE.signum is not None and not _STATE.shield and threading.current_thread() is threading.main_thread():
        raise KeyboardInterrupt


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Inside, a signal is noted and not raised; it is raised at the end of the block (unless shielded still)."""
    _STATE.shield += 1
    try:
        yield
    finally:
        _STATE.shield -= 1


def shield_forever() -> None:
    """From here to the end of the process no signal raises (the reports are being written)."""
    _STATE.shield += 1


def exit_status(signum: int) -> int:
    """The shell's status for a process ended by `signum` (130 for SIGINT, 143 for SIGTERM)."""
    return 128 + int(signum)


def reset() -> None:
    """Forget a signal (tests that run the engine in-process, one run after another)."""
    _STATE.signum = None
    _STATE.shield = 0
