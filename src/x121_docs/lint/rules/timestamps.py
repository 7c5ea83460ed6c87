"""timestamps: created_at and updated_at TIMESTAMPTZ NOT NULL DEFAULT now(), updated_at kept by a trigger."""

from __future__ import annotations

from collections.abc import Iterator

from ..scope import Hit, Scope, c_key, c_obj, qual, t_key
from . import CATALOG, CONVENTION, ERROR, Rule

NOW_DEFAULTS = ("now()", "current_timestamp", "clock_timestamp()", "transaction_timestamp()", "statement_timestamp()")

RULE = Rule(
    "timestamps", ERROR, CONVENTION, CATALOG,
    "created_at and updated_at are TIMESTAMPTZ NOT NULL DEFAULT now(); updated_at is maintained by a BEFORE UPDATE trigger.",
    rationale="Every row says when it was made and last changed, in one type and time zone, without relying on "
              "each application to remember (the trigger keeps updated_at honest).",
    bad="CREATE TABLE logs (id BIGSERIAL PRIMARY KEY, created_at TIMESTAMPTZ NOT NULL);",
    good="CREATE TABLE logs (id BIGSERIAL PRIMARY KEY,\n"
         "    created_at TIMESTAMPTZ NOT NULL DEFAULT now(), updated_at TIMESTAMPTZ NOT NULL DEFAULT now());\n"
         "CREATE TRIGGER trg_logs_updated_at BEFORE UPDATE ON logs FOR EACH ROW EXECUTE FUNCTION set_updated_at();")


def now_default(default: str | None) -> bool:
    return (default or "").strip().lower() in NOW_DEFAULTS


def check(s: Scope) -> Iterator[Hit]:
    for t in s.tables:
        for name in ("created_at", "updated_at"):
            c = t.column(name)
            if c is None:
                yield Hit(RULE.id, c_obj(t, name), f"table has no {name} TIMESTAMPTZ NOT NULL DEFAULT now() column",
                          (t_key(t),), evidence=(f"no column {name}",), detail="missing",
                          fix=f"ALTER TABLE {qual(t)} ADD COLUMN {name} timestamptz NOT NULL DEFAULT now();"
                          + ("\nCREATE TRIGGER trg_" + t.name + "_updated_at BEFORE UPDATE ON " + qual(t)
                             + " FOR EACH ROW EXECUTE FUNCTION set_updated_at();" if name == "updated_at" else ""))
                continue
            if c.inherited:
                continue
            problems, fixes = [], []
            if c.type_name != "timestamptz":
                problems.append(f"is {c.data_type}, not timestamptz")
            if c.nullable:
                problems.append("is nullable")
                fixes.append(f"ALTER TABLE {qual(t)} ALTER COLUMN {name} SET NOT NULL;")
            if not now_default(c.default):
                problems.append(f"default is {c.default or 'missing'}, not now()")
                fixes.append(f"ALTER TABLE {qual(t)} ALTER COLUMN {name} SET DEFAULT now();")
            if name == "updated_at" and not any(
                    tg.timing == "BEFORE" and "UPDATE" in tg.events and tg.level == "ROW" and not tg.disabled
                    for tg in t.triggers):
                problems.append("is not maintained by an enabled BEFORE UPDATE row trigger")
            if problems:
                yield Hit(RULE.id, c_obj(t, name), f"{name} " + "; ".join(problems), (c_key(t, name), t_key(t)),
                          evidence=(f"{name} {c.data_type}{'' if c.nullable else ' NOT NULL'} DEFAULT {c.default or '-'}",),
                          fix="\n".join(fixes) or None)
