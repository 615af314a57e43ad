#!/usr/bin/env python3
"""Validate an OCI runtime config.json against the runtime-spec schema
that Debian ships (golang-github-opencontainers-specs-dev).

usage: specschema.py CONFIG.json [SCHEMA_DIR]
Prints one line per violation; exits 1 on any, 0 when valid."""
import json
import os
import sys
import warnings

import jsonschema

SCHEMA_DIR = "/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema"


def main():
    config = sys.argv[1]
    schema_dir = sys.argv[2] if len(sys.argv) > 2 else SCHEMA_DIR
    path = os.path.join(schema_dir, "config-schema.json")
    with open(path) as f:
        schema = json.load(f)
    with open(config) as f:
        doc = json.load(f)
    with warnings.catch_warnings():
        # RefResolver is deprecated in newer jsonschema but is the one API
        # that resolves the schema's relative file refs in every version.
        warnings.simplefilter("ignore")
        resolver = jsonschema.RefResolver("file://" + path, schema)
        validator = jsonschema.Draft4Validator(schema, resolver=resolver)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    for e in errors:
        print("%s: %s" % ("/".join(str(p) for p in e.path) or "(root)", e.message))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
