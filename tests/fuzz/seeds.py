"""Turns the per-state corpus (tests/fuzz/corpus/<State>/*) into libFuzzer seeds for fuzz_states: each file
prefixed with its state's index in state_targets.hpp's `targets` table (the byte the target dispatches on).

Usage: python tests/fuzz/seeds.py OUT_DIR
"""
from __future__ import annotations

import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent


def target_names() -> list[str]:
    text = (HERE / "state_targets.hpp").read_text()
    table = text[text.index("targets[] = {"):]
    table = table[:table.index("};")]
    return re.findall(r'\{"(\w+)",', table)


def main(out: pathlib.Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for i, name in enumerate(target_names()):
        for f in sorted((HERE / "corpus" / name).glob("*")) if (HERE / "corpus" / name).is_dir() else []:
            (out / f"{name}-{f.name}").write_bytes(bytes([i]) + f.read_bytes())
            n += 1
    print(f"seeds: {n} inputs for {len(target_names())} states")
    return 0 if n else 1


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1])))
