#!/usr/bin/env python3
"""Parse Packer HCL2 files with python-hcl2 and check their top-level structure.

Usage: check-packer-hcl.py [--require BLOCKS] FILE...

Needs python-hcl2==8.1.4, which lives in its own virtualenv (it conflicts with other
`hcl2` packages), e.g.: python3 -m venv .venv-hcl2 && .venv-hcl2/bin/pip install python-hcl2==8.1.4

For each file it prints one summary line. It exits 1 if any file does not parse or lacks a
required top-level block (default: packer, variable, source, build), and 2 on bad usage.
"""

import argparse
import sys

try:
    import hcl2
except ImportError:
    sys.stderr.write(
        "check-packer-hcl: python-hcl2 is not installed in this interpreter; "
        "run it with the .venv-hcl2 python (pip install python-hcl2==8.1.4)\n"
    )
    sys.exit(2)

DEFAULT_REQUIRED = ("packer", "variable", "source", "build")


def unquote(label):
    """python-hcl2 8 keeps the quotes of block labels ('"amazon-ebs"')."""
    if len(label) >= 2 and label[0] == '"' and label[-1] == '"':
        return label[1:-1]
    return label


def labelled(blocks, depth):
    """Flatten python-hcl2's nested {label: {label: body}} dicts into label tuples."""
    names = []
    for block in blocks:
        for key, value in block.items():
            if key.startswith("__"):
                continue
            if depth > 1 and isinstance(value, dict):
                for inner in labelled([value], depth - 1):
                    names.append((unquote(key),) + inner)
            else:
                names.append((unquote(key),))
    return names


def is_block(value):
    """python-hcl2 8 marks a block body with __is_block__; labels nest it in {label: body}."""
    if not isinstance(value, dict):
        return False
    if value.get("__is_block__"):
        return True
    labels = [v for k, v in value.items() if not k.startswith("__")]
    return len(labels) > 0 and all(is_block(v) for v in labels)


def is_block_list(value):
    """Each block type maps to a list of (possibly labelled) blocks."""
    return isinstance(value, list) and len(value) > 0 and all(is_block(item) for item in value)


def block_types(data):
    return sorted(k for k, v in data.items() if not k.startswith("__") and is_block_list(v))


def summarize(path, data):
    """One line: counts of each top-level block type plus source and variable names."""
    parts = []
    for block_type in block_types(data):
        parts.append("%s=%d" % (block_type, len(data[block_type])))
    attributes = [k for k in data if not k.startswith("__") and not is_block_list(data[k])]
    if attributes:
        # Only variable files (*.pkrvars.hcl) have top-level arguments.
        parts.append("attributes=%d" % len(attributes))
    sources = [".".join(names) for names in labelled(data.get("source", []), 2)]
    variables = [names[0] for names in labelled(data.get("variable", []), 1)]
    line = "%s: ok %s" % (path, " ".join(parts))
    if sources:
        line += " sources=[%s]" % ",".join(sources)
    if variables:
        line += " variables=[%s]" % ",".join(variables)
    return line


def check(path, required):
    try:
        with open(path, "r", encoding="utf-8") as handle:
            data = hcl2.load(handle)
    except OSError as error:
        return "%s: cannot read: %s" % (path, error), False
    except Exception as error:  # python-hcl2 raises lark errors of several classes
        message = " ".join(str(error).split())
        return "%s: parse error: %s" % (path, message), False
    present = block_types(data)
    missing = [name for name in required if name not in present]
    if missing:
        return "%s: missing top-level block(s): %s" % (path, ", ".join(missing)), False
    return summarize(path, data), True


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--require",
        default=",".join(DEFAULT_REQUIRED),
        help="comma-separated top-level block types each file must have ('' for none)",
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args(argv)
    required = [name for name in args.require.split(",") if name]
    failed = False
    for path in args.files:
        line, ok = check(path, required)
        if ok:
            print(line)
        else:
            sys.stderr.write(line + "\n")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
