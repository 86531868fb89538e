"""Where a benchmark's report goes: printed, and written as <name>.json and <name>.md."""
from __future__ import annotations

import json
from pathlib import Path


def write_report(out: Path, name: str, result: dict, report: str) -> None:
    """Print ``report`` and write it beside ``result`` (JSON) under ``out``."""
    print(report)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, indent=2))
    (out / f"{name}.md").write_text(report)
    print(f"wrote {out / f'{name}.json'} and {out / f'{name}.md'}")
