"""Prints the tracker script's size: raw source, minified, and minified + gzipped (as served).

    .venv/bin/python bench/tracker_size.py

The goal is under 1.5 KB minified + gzipped (Plausible's script is under 1 KB).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.tracker import tracker_script

GOAL = 1536


def main() -> None:
    script = tracker_script()
    print(f"raw       {len(script.source):>6} bytes")
    print(f"minified  {len(script.minified):>6} bytes")
    print(f"gzipped   {len(script.gzipped):>6} bytes  (goal < {GOAL})")


if __name__ == "__main__":
    main()
