#!/usr/bin/env python3
"""Reads every template of Tests/Fixtures/cfn-templates, renders it back, and checks the pair is equal under
cfn-lint's decoder (cfnlint.decode.decode_str), the way `infra diff` reads a deployed template.

usage: roundtrip-corpus.py CFN-ROUNDTRIP-BINARY

Prints the counts (read, equal, unreadable with the reason, grouped) and exits 1 on any inequality, on a
crash, or on a template that cannot be read for a reason not listed in EXPECTED_UNREADABLE (cfncompare.REFUSED_BY_CLOUDFORMATION).
Two spellings that CloudFormation reads the same but cfn-lint's decoder keeps apart are normalised: a plain
`2010-09-09` (a date to PyYAML, text to CloudFormation and to our reader) compares as its text, and the
long form `Fn::GetAtt: Resource.Attribute` compares as `[Resource, Attribute]`, which `!GetAtt` decodes to.
"""
import pathlib
import subprocess
import sys
import tempfile
import time

from cfnlint.decode import decode_str

from cfncompare import REFUSED_BY_CLOUDFORMATION, first_difference, plain

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "Tests" / "Fixtures" / "cfn-templates"

EXPECTED_UNREADABLE = REFUSED_BY_CLOUDFORMATION


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    binary = sys.argv[1]
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as out:
        result = subprocess.run([binary, out, *map(str, files)], capture_output=True, text=True)
        if result.returncode != 0:
            print(f"roundtrip: {binary} exited {result.returncode}\n{result.stderr}", file=sys.stderr)
            return 1
        by_name = {p.name: p for p in files}
        equal, unequal, unreadable, unexpected = 0, [], {}, []
        seen = set()
        for line in result.stdout.splitlines():
            status, _, rest = line.partition(" ")
            if status == "ok":
                name = rest
                seen.add(name)
                original, _ = decode_str(by_name[name].read_text(encoding="utf-8"))
                rendered, matches = decode_str((pathlib.Path(out) / (name + ".yaml")).read_text(encoding="utf-8"))
                if rendered is None:
                    unequal.append(f"{name}: cfn-lint cannot decode the rendered template: {matches}")
                    continue
                difference = first_difference(plain(original), plain(rendered))
                if difference:
                    unequal.append(f"{name}: {difference}")
                else:
                    equal += 1
            elif status == "unreadable":
                name, _, reason = rest.partition(": ")
                seen.add(name)
                unreadable[name] = reason
                expected = EXPECTED_UNREADABLE.get(name)
                if expected is None or expected not in reason:
                    unexpected.append(f"{name}: {reason}")
        missing = sorted(set(by_name) - seen)
    print(f"roundtrip: {len(files)} templates from {CORPUS.relative_to(ROOT)} in {time.monotonic() - started:.1f} s: "
          f"{len(files) - len(unreadable) - len(missing)} read, {equal} equal under cfn-lint's decoder, "
          f"{len(unequal)} different, {len(unreadable)} unreadable ({len(unreadable) - len(unexpected)} expected)")
    for name, reason in sorted(unreadable.items()):
        print(f"  unreadable {name}: {reason[:160]}")
    for line in unequal:
        print(f"  DIFFERENT {line}")
    for line in unexpected:
        print(f"  UNEXPECTED unreadable {line}")
    for name in missing:
        print(f"  CRASH? no result for {name}")
    return 1 if unequal or unexpected or missing else 0


if __name__ == "__main__":
    sys.exit(main())
