"""`x121-docs scan dependencies` (its arguments are registered in commands.py): run the scan, show it as a
terminal table, Markdown or JSON.

Everything shown comes from the database (names, sample values), so the terminal table escapes
rich markup and the Markdown goes through the docs' escaping helpers (`cell`, `code`).
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import replace

from rich.table import Table as RichTable

from ..catalog.reflect import reflect
from ..config import load_settings
from ..database.connect import connect
from ..output import console, err_console, esc, scrub
from ..startup import start_read_only
from .dependencies import DependencyReport, scan_dependencies
from .dependency_settings import load_dependency_settings


def cmd_scan_dependencies(args: argparse.Namespace) -> int:
    settings = load_dependency_settings(args.config)
    if args.sample is not None:
        if args.sample < 10:
            from ..errors import WorkbenchError
            raise WorkbenchError(f"--sample {args.sample}: a sample needs at least 10 rows.")
        settings = replace(settings, sample_rows=args.sample)
    runtime = start_read_only(load_settings())  # any database, never migrated; the scan writes nothing
    for note in runtime.notes:
        err_console().print(esc(note), highlight=False, soft_wrap=True)
    status = err_console().status("sampling", spinner="dots") if err_console().is_terminal else None
    with connect(runtime.settings, autocommit=True, read_only=True) as conn:
        catalog = reflect(conn)
        if status:
            status.start()
        try:
            report = scan_dependencies(conn, catalog, args.tables, settings,
                                       progress=(lambda name: status.update(f"sampling {esc(name)}"))
                                       if status else None)
        finally:
            if status:
                status.stop()
    if args.format == "json":
        text = scrub(json.dumps(report.as_dict(), indent=2, sort_keys=True, default=str)) + "\n"
    elif args.format == "markdown":
        text = scrub(to_markdown(report))
    elif args.output is None:
        print_table(report)
        return report.exit_code
    else:
        from io import StringIO

        from rich.console import Console
        buffer = StringIO()
        print_table(report, Console(file=buffer, width=160, highlight=False))
        text = buffer.getvalue()
    if args.output is None:
        console().file.write(text)
    else:
        tmp = args.output.with_name(args.output.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, args.output)
        console().print(f"{esc(summary(report))} Written to {esc(str(args.output))}.")
    return report.exit_code


def summary(report: DependencyReport) -> str:
    scanned = sum(1 for t in report.tables if t.sample_rows and not t.skipped and not t.error)
    text = (f"{len(report.tables)} table(s), {scanned} scanned: {len(report.transitive)} transitive-dependency "
            f"candidate(s), {len(report.repeating_groups)} repeating group(s), "
            f"{len(report.missing_foreign_keys)} missing foreign key(s).")
    if report.errors:
        text += f" {len(report.errors)} table(s) could not be scanned."
    return text


def skipped_counts(report: DependencyReport) -> dict[str, int]:
    """What the noise guards held back, summed over the tables."""
    totals: dict[str, int] = {}
    for t in report.tables:
        for k, v in t.skipped_dependencies.items():
            totals[f"FD: {k}"] = totals.get(f"FD: {k}", 0) + v
    totals.update({f"inclusion: {k}": v for k, v in report.skipped_inclusions.items()})
    return dict(sorted(totals.items()))


def print_table(report: DependencyReport, out=None) -> None:  # noqa: ANN001 - rich Console
    out = out or console()
    e = esc  # every value shown comes from the database
    tables = RichTable(title=f"Dependency scan of {e(report.database)} ({report.scanned_at})")
    for col in ("Table", "Sample", "Declared keys", "Candidate keys (sample)", "Skipped"):
        tables.add_column(col, overflow="fold")
    for t in report.tables:
        skipped = t.error or t.skipped or "; ".join(
            f"{p.name}: {p.skipped}" for p in t.columns if p.skipped)
        sample = f"{t.sample_rows:,}" + (" (all)" if t.complete else "")
        tables.add_row(e(t.table), sample, e(" | ".join(", ".join(k) for k in t.declared_keys)),
                       e(" | ".join(", ".join(k) for k in t.candidate_keys[:6])), e(skipped))
    out.print(tables)
    if report.transitive:
        fd = RichTable(title="Transitive-dependency candidates (3NF)")
        for col in ("Table", "Depends on", "Column", "Holds", "Support", "Example", "Suggested"):
            fd.add_column(col, overflow="fold")
        for f in report.transitive:
            for d in f.dependents:
                holds = "exactly" if d.exact else f"{d.confidence:.2%} ({d.violating_rows:,} rows differ)"
                ex = d.examples[0] if d.examples else None
                example = (", ".join(f"{k}={v}" for k, v in ex["lhs"].items()) + f" -> {d.column}={ex[d.column]}"
                           if ex else "")
                fd.add_row(e(f.table), e(", ".join(f.lhs)), e(d.column), holds,
                           f"{f.support_rows:,}/{f.sample_rows:,} rows, {f.lhs_distinct:,} values", e(example),
                           e(f.refactoring))
        out.print(fd)
    if report.repeating_groups:
        rg = RichTable(title="Repeating groups (confirmed on data)")
        for col in ("Table", "Columns", "Shape overlap", "Non-NULL", "Suggested"):
            rg.add_column(col, overflow="fold")
        for g in report.repeating_groups:
            rg.add_row(e(g.table), e(", ".join(g.columns)), f"{g.similarity:.0%}",
                       e(", ".join(f"{c} {n:,}" for c, n in g.non_null.items())), e(g.refactoring))
        out.print(rg)
    if report.missing_foreign_keys:
        fk = RichTable(title="Missing foreign keys (inclusion dependencies)")
        for col in ("Table", "Column", "Values found in", "Evidence", "DDL"):
            fk.add_column(col, overflow="fold")
        for m in report.missing_foreign_keys:
            fk.add_row(e(m.table), e(m.column), e(f"{m.parent}.{m.parent_column}"), e("; ".join(m.evidence)), e(m.ddl))
        out.print(fk)
    totals = skipped_counts(report)
    if totals:
        out.print("Not reported (noise guards): " + e("; ".join(f"{k} x{v}" for k, v in totals.items())))
    out.print(e(summary(report)))


def to_markdown(report: DependencyReport) -> str:
    """A report for a pull request or a wiki page; every database value escaped."""
    from ..docs.escape import cell
    from ..docs.escape import gfm_code as code

    lines = [f"# Dependency scan of {cell(report.database)}", "",
             f"Scanned {report.scanned_at} · sample up to {report.settings.sample_rows:,} rows per table · "
             f"approximate dependencies at confidence ≥ {report.settings.confidence:g}.", "", summary(report), ""]
    if report.transitive:
        lines += ["## Transitive-dependency candidates", "",
                  "| Table | Depends on | Column | Holds | Support | Suggested | Sketch |", "|---|---|---|---|---|---|---|"]
        for f in report.transitive:
            for d in f.dependents:
                holds = "exactly" if d.exact else f"{d.confidence:.2%} ({d.violating_rows:,} rows differ)"
                lines.append(f"| {cell(f.table)} | {cell(', '.join(f.lhs))} | {cell(d.column)} | {holds} | "
                             f"{f.support_rows:,} of {f.sample_rows:,} rows, {f.lhs_distinct:,} values | "
                             f"{cell(f.refactoring)} | {code(f.sketch)} |")
        lines.append("")
    if report.repeating_groups:
        lines += ["## Repeating groups", "", "| Table | Columns | Shape overlap | Suggested |", "|---|---|---|---|"]
        for g in report.repeating_groups:
            lines.append(f"| {cell(g.table)} | {cell(', '.join(g.columns))} | {g.similarity:.0%} | {cell(g.refactoring)} |")
        lines.append("")
    if report.missing_foreign_keys:
        lines += ["## Missing foreign keys", "", "| Table | Column | Values found in | Evidence | DDL |",
                  "|---|---|---|---|---|"]
        for m in report.missing_foreign_keys:
            lines.append(f"| {cell(m.table)} | {cell(m.column)} | {cell(m.parent + '.' + m.parent_column)} | "
                         f"{cell('; '.join(m.evidence))} | {code(m.ddl)} |")
        lines.append("")
    lines += ["## Tables", "", "| Table | Sample | Declared keys | Candidate keys (sample) | Skipped |",
              "|---|---:|---|---|---|"]
    for t in report.tables:
        skipped = t.error or t.skipped or "; ".join(f"{p.name}: {p.skipped}" for p in t.columns if p.skipped)
        lines.append(f"| {cell(t.table)} | {t.sample_rows:,}{' (all)' if t.complete else ''} | "
                     f"{cell(' / '.join(', '.join(k) for k in t.declared_keys))} | "
                     f"{cell(' / '.join(', '.join(k) for k in t.candidate_keys[:6]))} | {cell(skipped)} |")
    return "\n".join(lines) + "\n"
