#!/usr/bin/python3
"""Validate results.json files against docs/results.schema.json with an
outside validator (python3-jsonschema, Draft 2020-12), not vclab's own reader.

usage: validate-results.py [--schema S] [--require DIR]... [--invalid DIR]... PATH...

PATH (file or directory, searched recursively for *.json) must validate.
Files whose "schema" is not vclab.results/* (e.g. advice fixtures) are skipped;
directories given with --invalid are skipped there. Each file must validate
twice: against the published schema (open: a newer writer may add keys), and
against a closed copy (additionalProperties false wherever properties are
listed), so a key the writer produces but the schema does not type fails.
--require DIR: like PATH, and the directory must hold at least one file.
--invalid DIR: every *.json there must be rejected by the published schema
(the proof that validation can fail); the first error is printed.
Exit 0 when all hold, 1 otherwise, 2 on usage errors.
"""
import copy
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    sys.stderr.write("validate-results: python3-jsonschema is not installed (scripts/install-deps.sh)\n")
    sys.exit(2)


def closed(schema):
    """A copy where every object schema that lists properties allows no others."""
    s = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(s)
    return s


def json_files(path, skip):
    if os.path.isfile(path):
        yield path
        return
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if os.path.join(root, d) not in skip)
        for f in sorted(files):
            if f.endswith(".json"):
                yield os.path.join(root, f)


def first_error(validator, doc):
    errs = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if not errs:
        return None
    e = errs[0]
    where = ".".join(str(p) for p in e.absolute_path) or "(document)"
    return "%s: %s" % (where, e.message)


def main(argv):
    schema_path = "docs/results.schema.json"
    paths, required, invalid = [], [], []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--schema", "--require", "--invalid") and i + 1 < len(argv):
            {"--schema": lambda v: None, "--require": required.append,
             "--invalid": invalid.append}[a](argv[i + 1])
            if a == "--schema":
                schema_path = argv[i + 1]
            i += 2
            continue
        if a.startswith("-"):
            sys.stderr.write(__doc__)
            return 2
        paths.append(a)
        i += 1
    with open(schema_path) as f:
        schema = json.load(f)
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    open_v = cls(schema)
    closed_v = cls(closed(schema))
    skip = {os.path.normpath(d) for d in invalid}
    failed = checked = skipped = rejected = 0

    for path in required + paths:
        n = 0
        for fn in json_files(os.path.normpath(path), skip):
            with open(fn) as f:
                try:
                    doc = json.load(f)
                except ValueError as e:
                    print("FAIL %s: not JSON: %s" % (fn, e))
                    failed += 1
                    continue
            if not (isinstance(doc, dict) and str(doc.get("schema", "")).startswith("vclab.results/")):
                skipped += 1
                continue
            n += 1
            checked += 1
            why = first_error(open_v, doc)
            if why is None:
                why = first_error(closed_v, doc)
                if why is not None:
                    why = "not typed by the schema: " + why
            if why is not None:
                print("FAIL %s: %s" % (fn, why))
                failed += 1
        if path in required and n == 0:
            print("FAIL %s: no results.json to validate" % path)
            failed += 1

    for d in invalid:
        n = 0
        for fn in json_files(d, set()):
            n += 1
            with open(fn) as f:
                why = first_error(open_v, json.load(f))
            if why is None:
                print("FAIL %s: validates, but is a wrongly typed fixture" % fn)
                failed += 1
            else:
                rejected += 1
                print("ok   %s rejected: %s" % (fn, why))
        if n == 0:
            print("FAIL %s: no invalid fixtures" % d)
            failed += 1

    print("validate-results: %d results checked, %d rejected as expected, %d other JSON skipped, "
          "%d failed" % (checked, rejected, skipped, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
