"""Material's templates are compiled once per user (docs/incremental.py TemplateCache): compiled code is
read only from a private folder, and a build with the cache writes the same site as one without."""

from __future__ import annotations

import os

from docs_support import tree

from x121_docs.docs import incremental, site

PAGES = ["index.md", "tables.md", "erd.md", "cascades.md", "statuses.md", "migrations.md", "conventions.md",
         "notebooks.md"]


def test_the_cache_folder_is_private_or_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = incremental.template_cache_dir()
    assert folder is not None and folder.is_relative_to(tmp_path / "cache" / "x121-docs")
    assert folder.stat().st_mode & 0o777 == 0o700
    os.chmod(folder, 0o777)  # anyone could plant "compiled templates" there
    assert incremental.template_cache_dir() is None


def test_a_cached_build_writes_the_same_site(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    files = {p: f"# {p}\n\nText of {p}.\n".encode() for p in PAGES}
    sites = []
    for n in range(2):  # the first build compiles and stores, the second loads
        root = tmp_path / f"p{n}"
        site.ensure_project(root)
        site.build_site(root, files, incremental=False)
        sites.append({k: v for k, v in tree(root / "site").items() if not k.endswith(".gz")})
    assert sorted((tmp_path / "cache").rglob("*.cache")), "no compiled template was stored"
    assert sites[0] == sites[1]
