"""How long ``koppel --help`` takes, wall time, with the installed plugins.

Run: python benchmarks/bench_startup.py [--runs N]
Goal (issue 2): under 0.3 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    koppel = shutil.which("koppel") or sys.exit("koppel is not on PATH")
    subprocess.run([koppel, "--help"], check=True, capture_output=True)  # warm the disk cache
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run([koppel, "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    print(
        f"koppel --help over {args.runs} runs: median {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms, min {min(times) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
