#!/usr/bin/env python3
"""Generate crates/output/src/formats/splunk_keys.txt from spec/RECORDS.md.

Raw fields come from Appendix B (one row per record: `key→splunk_key, ...`, in the table's
order; `†` marks an N-only key, kept; `(N: other)` means N writes `other`, which we use, since
the map follows eNcore 5.2.11 (N); `(nothing mapped)` gives a lone record type). Computed keys
come from the "Splunk name of every computed key" table of §7.3; a key N does not write
("(not written)" with no N name) is left out, and "(not written) (N: name)" uses N's name.

Usage: python3 tools/gen_splunk_keys.py [spec/RECORDS.md] > crates/output/src/formats/splunk_keys.txt
"""
import re
import sys

text = open(sys.argv[1] if len(sys.argv) > 1 else "spec/RECORDS.md", encoding="utf-8").read()

HEADER = """\
# Splunk key map (RECORDS.md Appendix B, raw fields; §7.3, computed keys), eNcore 5.2.11 (N) names.
# `RT SOURCE_PATH SPLUNK_KEY` per raw field in eNcore's order; a lone `RT` = nothing mapped;
# `computed VIEW_KEY SPLUNK_KEY` per @computed key in eNcore's order. Generated from the spec tables.
"""


def n_name(value):
    """The Splunk key N writes for a mapped value: `name`, `name†`, `name (N: other)`,
    `(not written) (N: other)`, `(not written)`, `other (N: not written)`."""
    value = value.strip().replace("†", "").strip()
    m = re.fullmatch(r"(.*?)\s*\(N: ([^)]*)\)", value)
    if m:
        value = m.group(2).strip()
    if value in ("(not written)", "not written") or value.startswith("("):
        return None
    return value


out = [HEADER.rstrip("\n")]

appendix = text[text.index("## Appendix B."):]
for line in appendix.splitlines():
    m = re.match(r"^\| (\d+) \| (.*) \|\s*$", line)
    if not m:
        continue
    rt, cells = m.group(1), m.group(2).strip()
    if cells == "(nothing mapped)":
        out.append(rt)
        continue
    for pair in re.split(r",\s*(?![^()]*\))", cells):
        src, _, dst = pair.partition("→")
        if not _:
            raise SystemExit(f"record {rt}: unparsed pair {pair!r}")
        name = n_name(dst)
        if name is not None:
            out.append(f"{rt} {src.strip()} {name}")

computed = text[text.index("Splunk name of every computed key"):text.index("### 7.4")]
for line in computed.splitlines():
    m = re.match(r"^\| (\w+) \| (.*) \|\s*$", line)
    if not m or m.group(1) in ("View",):
        continue
    name = n_name(m.group(2))
    if name is not None:
        out.append(f"computed {m.group(1)} {name}")

print("\n".join(out))
