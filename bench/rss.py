"""Run a command, pass its output through, then print {"peak_rss_mib": …} as the last line:
the kernel's peak resident set of the command and every descendant it waited for (wait4)."""

import json
import os
import subprocess
import sys

proc = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(proc.pid, 0)
code = os.waitstatus_to_exitcode(status)
print(json.dumps({"peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "exit": code}), flush=True)
sys.exit(code)
