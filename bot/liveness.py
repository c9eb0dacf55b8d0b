"""Which process holds something, and whether that process still runs.

Push claims carry their holder so that a restarted bot can take over the claims of the
process it replaced at once, instead of waiting out a lease that only exists because a
claim's owner could be alive and slow. Two ways to know a holder is gone:

* its heartbeat stopped (any host: `bot.store.pushes` compares the holder's last beat), and
* on this host, at once: its pid no longer runs, or runs a different process (the pid was
  reused). The host is named by its hostname and boot id, so a process from before a reboot,
  or on another machine with the same name, is never judged here.

A wrong "gone" (containers sharing a hostname and a boot but not a pid namespace) costs no
correctness: claims are fenced by their attempt counter, so a holder that was alive after all
finds its claim taken and does not send.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ProcessIdentity:
    """A running process, named so that another process can tell whether it still runs."""

    host: str
    pid: int
    # Start time in clock ticks since boot (/proc/<pid>/stat field 22); None where unknown.
    started: int | None


@dataclass(frozen=True, slots=True)
class Holder:
    """One bot process's identity as a holder of claims: a fresh id per start."""

    id: str
    process: ProcessIdentity


@cache
def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def host_name() -> str:
    """This machine, for this boot."""
    return f"{socket.gethostname()}/{_boot_id()}"[:255]


def _started(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces or parentheses; fields resume after the last ")".
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":  # a zombie runs no more
        return None
    return int(fields[19])


def this_process() -> ProcessIdentity:
    pid = os.getpid()
    return ProcessIdentity(host=host_name(), pid=pid, started=_started(pid))


def new_holder() -> Holder:
    return Holder(id=uuid.uuid4().hex, process=this_process())


def runs_here(identity: ProcessIdentity) -> bool | None:
    """False if the process is known to be gone; None if this host cannot tell (another host,
    or no /proc to compare start times with); True if it still runs."""
    if identity.host != host_name() or not _boot_id():
        return None
    now_started = _started(identity.pid)
    if now_started is None:
        return False if Path("/proc/self/stat").exists() else None
    if identity.started is None:
        return None
    return now_started == identity.started
