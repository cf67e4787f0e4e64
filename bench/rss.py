"""Run a command, pass its output through, then print as the last line
{"peak_rss_mib": …, "peak_tree_rss_mib": …, "exit": …}:

- peak_rss_mib: the kernel's figure from wait4, the peak resident set of the largest single process
  among the command and the descendants it waited for (a maximum, not a sum);
- peak_tree_rss_mib: the largest sum over the command and all its descendants alive at the same
  moment (greenpark's prefetch helper, dbt, …), sampled from /proc every 0.2 s;
- cpu_s: user + system CPU seconds of the command and the descendants it waited for (from wait4).
  On a shared machine this is the steadier figure: wall time grows with other load, CPU time less.
"""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(root: int) -> int:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        parents[int(stat.parent.name)] = int(fields[1])
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo += [child for child, parent in parents.items() if parent == pid and child not in tree]
    total = 0
    for pid in tree:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError):
            pass
    return total


proc = subprocess.Popen(sys.argv[1:])
done = threading.Event()
peak_tree = 0


def _sample() -> None:
    global peak_tree
    while not done.wait(0.2):
        peak_tree = max(peak_tree, _tree_rss(proc.pid))


sampler = threading.Thread(target=_sample, daemon=True)
sampler.start()
_, status, usage = os.wait4(proc.pid, 0)
done.set()
sampler.join()
code = os.waitstatus_to_exitcode(status)
print(json.dumps({"peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "peak_tree_rss_mib": round(peak_tree / 2**20, 1),
                  "cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "exit": code}), flush=True)
sys.exit(code)
