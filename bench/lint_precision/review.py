"""Write sample_reviewed.md: the seeded sample of corpus findings with the verdicts given by hand.

    .venv/bin/python bench/lint_precision/review.py

VERDICTS holds the reviewer's decisions for sample.jsonl (drawn by run_corpus.py --seed 4242
--per-rule 8): per finding, whether it is true (the schema breaks the rule as stated and the
evidence is accurate) and whether its suggestion (the message's "name it ..." or the fix DDL)
is sound. A finding not listed was reviewed and judged true with a sound or no suggestion;
NOTES records the borderline calls. Re-drawing the sample means reviewing it again.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 4242

#: index in sample.jsonl -> (finding true?, suggestion sound? (None: no suggestion), note)
VERDICTS: dict[int, tuple[bool, bool | None, str]] = {
    71: (True, True, "the suggested idx_artist_credit_name is free (no plain index on name exists), though the "
                     "template cannot express the COLLATE musicbrainz"),
    75: (True, True, "idx_place_tag_tag repeats 'tag' because the template is table + column; it is the template"),
    96: (True, True, "a link table: a DBA may prefer PRIMARY KEY (changeset_id, subscriber_id); the convention asks for id"),
    101: (True, None, "pagila has no FK from store.manager_staff_id to staff (only a unique index)"),
    102: (True, None, "payment is partitioned; 6 of its partitions have the FK, the parent and the others do not"),
    103: (True, None, "as 102"),
    104: (True, None, "as 102"),
    109: (True, True, "borderline: marital status is an enumerated code, not a workflow status; the convention "
                      "(no CHECK listing status literals) covers it, and the lookup name maritalstatuses is "
                      "plain rather than misleading"),
    117: (True, True, "l_area_area is a link table of areas to areas; l_area_areas follows the rule"),
    123: (True, None, "persontype char(2) is fixed width; the message offers the allow-list"),
    137: (True, True, "fix assumes the values were written in UTC, and says so"),
}


def main() -> None:
    sample = [json.loads(line) for line in (HERE / "sample.jsonl").read_text().splitlines()]
    per_rule: dict[str, Counter] = {}
    rows = []
    for i, f in enumerate(sample):
        suggested = bool(f.get("fix")) or "name it " in f["message"]
        true, sound, note = VERDICTS.get(i, (True, True if suggested else None, ""))
        c = per_rule.setdefault(f["rule"], Counter())
        c["n"] += 1
        c["true"] += true
        if sound is not None:
            c["suggested"] += 1
            c["sound"] += sound
        msg = f["message"].replace("|", "\\|").replace("\n", " ")
        rows.append(f"| {i} | {f['schema']} | `{f['rule']}` | `{f['object']}` | {msg} | "
                    f"{'true' if true else '**false**'} | {'-' if sound is None else ('sound' if sound else '**unsound**')} | "
                    f"{note} |")
    total = sum(c["n"] for c in per_rule.values())
    true_total = sum(c["true"] for c in per_rule.values())
    out = [f"# Linter precision: the reviewed sample (seed {SEED})", "",
           "Drawn by `bench/lint_precision/run_corpus.py --seed 4242 --per-rule 8` from every finding of the "
           "default profile on the six corpus schemas; verdicts by hand (`bench/lint_precision/review.py`).", "",
           "| rule | sampled | true | precision | suggestions | sound |", "|---|---:|---:|---:|---:|---:|"]
    for rule, c in sorted(per_rule.items()):
        out.append(f"| `{rule}` | {c['n']} | {c['true']} | {100 * c['true'] / c['n']:.0f} % | {c['suggested']} | "
                   f"{c['sound']} |")
    out += [f"| **all** | {total} | {true_total} | {100 * true_total / total:.1f} % | "
            f"{sum(c['suggested'] for c in per_rule.values())} | {sum(c['sound'] for c in per_rule.values())} |", "",
            "| # | schema | rule | object | message | finding | suggestion | note |", "|---:|---|---|---|---|---|---|---|",
            *rows, ""]
    (HERE / "sample_reviewed.md").write_text("\n".join(out), encoding="utf-8")
    print("\n".join(out[:len(per_rule) + 8]))


if __name__ == "__main__":
    main()
