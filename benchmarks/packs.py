"""The policy pack as the benchmark watches it: its boot timed apart, its peak memory read.

`start_booted` starts the pack with `gam_offline.analyzer.start_pack` (exactly as the CLI does),
waits for the port line (the pack has then imported everything and serves), and hands
back a process that `gam_offline.analyzer.evaluate(record, pack, process=...)` takes as it is: the
port line is replayed to it. Just before `evaluate` stops the pack, the pack's peak
resident memory (VmHWM, after its analysis) is read from /proc.

Only the standard library at import time: `benchmarks.breakdown` times the SDK imports.
"""

from __future__ import annotations

import io
import subprocess
import time
from pathlib import Path

_PEAK_RSS_KB: dict[int, int] = {}


def vm_hwm_kb(pid: int) -> int:
    """A live process's peak resident set (KB), 0 when it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def start_booted(stack: str) -> tuple[subprocess.Popen[str], float]:
    """A pack started as the CLI starts it and booted; and the seconds its boot took."""
    from gam_offline import analyzer, engine

    root = Path(__file__).resolve().parent.parent
    started = time.perf_counter()
    process = analyzer.start_pack(stack, engine.project_name(root), root / analyzer.PACK_FOLDER)
    assert process.stdout is not None
    port_line = process.stdout.readline()
    boot = time.perf_counter() - started
    pipe = process.stdout
    process.stdout = io.StringIO(port_line)  # `running_pack` reads the port from here
    kill = process.kill

    def read_peak_then_kill() -> None:
        _PEAK_RSS_KB[process.pid] = vm_hwm_kb(process.pid)
        kill()
        pipe.close()

    setattr(process, "kill", read_peak_then_kill)  # noqa: B010  (an instance's method)
    return process, boot


def peak_rss_kb(process: subprocess.Popen[str]) -> int:
    """The pack's VmHWM just before it was stopped (0 if not seen)."""
    return _PEAK_RSS_KB.get(process.pid, 0)
