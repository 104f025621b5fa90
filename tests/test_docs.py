"""The README is a front page and the docs site builds: short, the essentials first, no dead links."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from markdown.extensions.toc import slugify

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FIRST_SCREEN = 40
PAGES = sorted([README, ROOT / "CHANGELOG.md", *(ROOT / "docs").rglob("*.md")])

FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
# [text](target) and ![alt](target), target up to a space or the closing parenthesis
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def _prose(path: Path) -> str:
    """The page without its fenced code blocks (links in examples are not links)."""
    return FENCE.sub("", path.read_text(encoding="utf-8"))


def _relative_links(path: Path) -> list[str]:
    return [t for t in LINK.findall(_prose(path)) if not re.match(r"[a-z][a-z0-9+.-]*:|#", t, re.I)]


def _anchors(path: Path) -> set[str]:
    """Heading slugs, plus the ids mkdocstrings gives the objects a page renders (``::: name``)."""
    prose = _prose(path)
    headings = {slugify(re.sub(r"[`*]", "", h), "-") for h in HEADING.findall(prose)}
    return headings | set(re.findall(r"^::: ([\w.]+)", prose, re.M))


def test_the_readme_is_at_most_300_lines() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 300


def test_the_readme_shows_the_two_commands_on_its_first_screen() -> None:
    first = "\n".join(README.read_text(encoding="utf-8").splitlines()[:FIRST_SCREEN])
    assert re.search(r"^make demo\b", first, re.M)
    assert re.search(r"^make test\b", first, re.M)


def test_the_readme_shows_the_picture_on_its_first_screen() -> None:
    first = "\n".join(README.read_text(encoding="utf-8").splitlines()[:FIRST_SCREEN])
    assert "](docs/img/studio.png)" in first


def test_the_readme_quickstart_is_the_quickstart_notebook() -> None:
    notebook = json.loads((ROOT / "notebooks" / "quickstart.ipynb").read_text(encoding="utf-8"))
    cells = ["".join(c["source"]).strip() for c in notebook["cells"] if c["cell_type"] == "code"]
    text = README.read_text(encoding="utf-8")
    quickstart = text[text.index("## Quickstart") :].split("\n## ", 1)[0]
    blocks = [b.strip() for b in re.findall(r"^```python\n(.*?)^```", quickstart, re.M | re.S)]
    assert blocks == cells


def test_the_readme_mentions_make_docs_and_make_bench() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make docs" in text
    assert "make bench" in text


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_to_a_file(page: Path) -> None:
    missing = []
    for target in _relative_links(page):
        file, _, anchor = target.partition("#")
        resolved = (page.parent / file).resolve()
        if not resolved.exists() or (
            anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved)
        ):
            missing.append(target)
    assert not missing, f"{page.name}: links to nothing: {missing}"


@pytest.mark.slow
def test_the_docs_site_builds_strictly(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert (tmp_path / "index.html").exists()
    assert (tmp_path / "reference" / "client" / "index.html").exists()


REFERENCED = re.compile(r"^::: (vidwidgets(?:\.\w+)*)\.(\w+)\s*$", re.M)


@pytest.mark.parametrize(
    "package", ["client", "widgets", "apps", "experiments", "export", "metrics", "simulator"]
)
def test_the_api_reference_shows_every_public_name_by_its_public_path(package: str) -> None:
    page = ROOT / "docs" / "reference" / f"{package}.md"
    referenced = REFERENCED.findall(page.read_text(encoding="utf-8"))
    assert {module for module, _ in referenced} == {f"vidwidgets.{package}"}
    public = importlib.import_module(f"vidwidgets.{package}").__all__
    assert sorted(name for _, name in referenced) == sorted(public)
