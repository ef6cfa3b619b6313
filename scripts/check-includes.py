#!/usr/bin/env python3
"""Checks that every #include in src/ points down the pipeline, never up or sideways.

The stages and their ranks are read from CMakeLists.txt (PORTOLAN_STAGES, PORTOLAN_STAGE_RANKS),
the same lists that give each stage's library its include root. A file of stage S may include
its own stage and any stage of a lower rank. Each offending line is printed as
FILE:LINE: stage S includes "T/..." (rank R >= rank of S); the exit status is 1 when there is one.
The build already fails on such an include; this check says where and why in one line.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
INCLUDE = re.compile(r'^\s*#\s*include\s*"([a-z_]+)/')


def cmake_list(text, name):
    match = re.search(r"set\(" + name + r"\s+([^)]*)\)", text)
    if not match:
        sys.exit(f"check-includes: CMakeLists.txt has no set({name} ...)")
    return match.group(1).split()


def main():
    cmake = (ROOT / "CMakeLists.txt").read_text()
    stages = cmake_list(cmake, "PORTOLAN_STAGES")
    ranks = [int(rank) for rank in cmake_list(cmake, "PORTOLAN_STAGE_RANKS")]
    if len(stages) != len(ranks):
        sys.exit("check-includes: PORTOLAN_STAGES and PORTOLAN_STAGE_RANKS differ in length")
    rank_of = dict(zip(stages, ranks))

    problems = 0
    for path in sorted((ROOT / "src").rglob("*.[ch]pp")):
        relative = path.relative_to(ROOT)
        stage = relative.parts[1]
        if stage not in rank_of:
            print(f"{relative}:1: folder src/{stage}/ is not a stage of PORTOLAN_STAGES in CMakeLists.txt")
            problems += 1
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = INCLUDE.match(line)
            if not match:
                continue
            target = match.group(1)
            if target == stage:
                continue
            if target not in rank_of:
                print(f'{relative}:{number}: includes "{target}/...", which is not a stage')
                problems += 1
            elif rank_of[target] >= rank_of[stage]:
                direction = "across" if rank_of[target] == rank_of[stage] else "up"
                print(f'{relative}:{number}: stage {stage} (rank {rank_of[stage]}) includes "{target}/..." '
                      f"(rank {rank_of[target]}): an include {direction} the pipeline")
                problems += 1
    if problems:
        print(f"check-includes: {problems} include(s) against the pipeline's order (docs/architecture.md)")
        return 1
    print(f"check-includes: every include in src/ points down the pipeline ({len(stages)} stages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
