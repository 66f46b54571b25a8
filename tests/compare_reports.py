"""Compare two built report trees, for a change that must leave the reports as they were.

    python -m tests.compare_reports reports-before/demo reports/demo

Executed notebooks are compared by their outputs (text, HTML, images by hash), with what changes
from one build to the next set aside: build times, and the random ids pandas gives styled tables.
CSV, JSON, Markdown and text files and the per-dossier sheets are compared byte for byte. Prints
each difference and exits 1 when there is one.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

_VOLATILE = ((re.compile(r"\d+[,.]\d+\s?s\b"), "T s"), (re.compile(r"T_[0-9a-f]{5}"), "T_x"))
_BYTES = (".csv", ".json", ".md", ".txt")


def outputs(path: Path) -> list[tuple[str, str]]:
    """The outputs of an executed notebook, in order, volatile parts normalised."""
    found = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] != "code" or "parameters" in tags or "injected-parameters" in tags:
            continue
        for out in cell.get("outputs", []):
            for kind, value in sorted((out.get("data") or {}).items()):
                value = "".join(value) if isinstance(value, list) else value
                value = value if isinstance(value, str) else json.dumps(value)
                if kind.startswith("image/"):
                    value = hashlib.sha256(value.encode()).hexdigest()
                for pattern, repl in _VOLATILE:
                    value = pattern.sub(repl, value)
                found.append((kind, value))
            if out.get("text"):
                found.append(("text", "".join(out["text"])))
    return found


def differences(before: Path, after: Path) -> list[str]:
    found = []
    for a in sorted(p for p in before.rglob("*") if p.is_file()):
        rel = a.relative_to(before)
        b = after / rel
        if not b.exists():
            found.append(f"absent : {rel}")
        elif a.suffix == ".ipynb":
            oa, ob = outputs(a), outputs(b)
            if oa != ob:
                first = next((i for i, (x, y) in enumerate(zip(oa, ob)) if x != y), min(len(oa), len(ob)))
                found.append(f"sorties différentes : {rel} (sortie n° {first + 1})")
        elif (a.suffix in _BYTES or any(p.startswith("fiches") for p in rel.parts)) \
                and a.read_bytes() != b.read_bytes():
            found.append(f"contenu différent : {rel}")
    found += [f"en plus : {b.relative_to(after)}" for b in sorted(after.rglob("*"))
              if b.is_file() and not (before / b.relative_to(after)).exists()]
    return found


def main(argv: list[str]) -> int:
    before, after = (Path(a) for a in argv)
    found = differences(before, after)
    print("\n".join(found) if found else "aucune différence")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
