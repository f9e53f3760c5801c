"""Run every bench/bench_*.py module's main() with its defaults and print their figures and ratios.

python -m bench.run [NAME ...]      (NAME: e.g. ledger, redemption; default: all)
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path


def modules(names: list[str]) -> list[str]:
    """The benchmark modules to run, in name order."""
    found = sorted(p.stem for p in Path(__file__).resolve().parent.glob("bench_*.py"))
    if names:
        found = [m for m in found if m.removeprefix("bench_") in names or m in names]
    return found


def main() -> int:
    """Run the benchmarks one after another; a failing one is reported and the others still run."""
    failed = 0
    for name in modules(sys.argv[1:]):
        print(f"== {name} ==", flush=True)
        module = importlib.import_module(f"bench.{name}")
        saved = sys.argv
        sys.argv = [f"bench.{name}"]  # each main() parses its own options: use their defaults
        started = time.perf_counter()
        try:
            module.main()
        except Exception as exc:  # noqa: BLE001 - keep running the other benchmarks
            failed += 1
            print(f"   FAILED: {type(exc).__name__}: {exc}")
        finally:
            sys.argv = saved
        print(f"   ({time.perf_counter() - started:.1f} s)\n", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
