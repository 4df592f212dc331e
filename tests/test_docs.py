"""The documentation keeps up with the code: every command is in the README's table, every link resolves.

In the manner of sqlite-utils' documentation tests: the list of commands comes from the click group itself, so a
command added without a row in the README's command table fails here, and so does a row naming a command that no
longer exists. Every relative link in README.md and docs/**/*.md must point to a file that exists (and, where it
names an anchor, to a heading of that file).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import click
import pytest

from waste.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"

#: A Markdown link or image, ``[text](target)`` or ``![alt](target "title")``; the target is group 1.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
#: A fenced code block, whose contents are not Markdown.
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
#: Inline code, which may hold brackets and parentheses that are not links.
INLINE_CODE = re.compile(r"`[^`\n]*`")
#: A word of a command path: lower case, digits and hyphens (``simulate-ops``, ``build``).
COMMAND_WORD = re.compile(r"^[a-z][a-z0-9-]*$")


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every runnable command under ``group`` as a path of names (``("roads", "build")``); groups recurse."""
    ctx = click.Context(group)
    paths: list[tuple[str, ...]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, f"{' '.join(('waste', *prefix, name))} is listed but cannot be loaded"
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, (*prefix, name)))
        else:
            paths.append((*prefix, name))
    return paths


def section(markdown: str, heading: str) -> str:
    """The text under the level-2 ``heading`` of ``markdown``, up to the next level-2 heading."""
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", markdown, re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no '## {heading}' section"
    return match.group(1)


def table_commands(markdown: str) -> list[tuple[str, ...]]:
    """The command paths named in the first cell of the rows of the README's command table.

    A cell such as ``| `waste roads build --pbf F --out DIR` |`` names ``("roads", "build")``: the words after
    ``waste`` up to the first option, placeholder (``FILE``) or bracket. A cell may name several commands, each in
    its own backticks, and a word may list alternatives with slashes: ``waste match run/schedule`` names
    ``("match", "run")`` and ``("match", "schedule")``.
    """
    paths = []
    for line in section(markdown, "Commands").splitlines():
        first = re.match(r"^\|([^|]*)\|", line)
        if not first:
            continue
        for command in re.findall(r"`waste\s+([^`]*)`", first.group(1)):
            prefixes: list[tuple[str, ...]] = [()]
            for word in command.split():
                choices = word.split("/")
                if not all(COMMAND_WORD.match(choice) for choice in choices):
                    break
                prefixes = [(*prefix, choice) for prefix in prefixes for choice in choices]
            paths.extend(prefixes)
    return paths


def markdown_files() -> list[Path]:
    """README.md and every Markdown file under docs/."""
    return [README, *sorted(DOCS.rglob("*.md"))]


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation (not - or _) dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of every heading of a Markdown file; a repeated heading gets ``-1``, ``-2``, ... as on GitHub."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    found = set()
    for match in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.MULTILINE):
        base = slug(match.group(1))
        found.add(f"{base}-{seen[base]}" if base in seen else base)
        seen[base] = seen.get(base, 0) + 1
    return found


def relative_links(path: Path) -> list[str]:
    """Link targets of a Markdown file that point inside the repository (not URLs, not e-mail)."""
    text = INLINE_CODE.sub("", FENCE.sub("", path.read_text(encoding="utf-8")))
    targets = [m.group(1) for m in LINK.finditer(text)]
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", t, re.IGNORECASE)]


README_TEXT = README.read_text(encoding="utf-8")
DOCUMENTED = table_commands(README_TEXT)
COMMANDS = command_paths(cli)


def test_the_command_table_is_found() -> None:
    """The parser reads the table: a table it could not read would make every other check pass vacuously."""
    assert ("daily",) in DOCUMENTED
    assert len(DOCUMENTED) >= 10


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_is_in_the_readme_table(path: tuple[str, ...]) -> None:
    """A command without a row in the README's command table is undocumented."""
    assert path in DOCUMENTED, f"`waste {' '.join(path)}` has no row in README.md's command table"


@pytest.mark.parametrize("path", sorted(set(DOCUMENTED)), ids=" ".join)
def test_every_command_in_the_readme_table_exists(path: tuple[str, ...]) -> None:
    """A row of the command table names a command that the ``waste`` group runs (not a group, not a typo)."""
    assert path, "a row of README.md's command table names no command after `waste`"
    assert path in COMMANDS, f"README.md's command table names `waste {' '.join(path)}`, which does not exist"


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path: Path) -> None:
    """Every relative link points to an existing file, and every anchor to a heading of that file."""
    broken = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / unquote(file_part)).resolve() if file_part else path
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading with anchor #{anchor} in {destination.name}")
    assert not broken, f"broken links in {path.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_link_checker_sees_links_and_skips_code(tmp_path: Path) -> None:
    """Links in text are checked; brackets inside code, and web addresses, are not links to check."""
    page = tmp_path / "page.md"
    page.write_text(
        "# A page\n\n## `waste_x` usage\n\n## Notes\n\n## Notes\n\nSee [the guide](guide.md) and [a site](https://example.org).\n\n"
        "```python\nx = values[0](1)\n```\n\nInline `d[k](v)` is code.\n",
        encoding="utf-8",
    )
    assert relative_links(page) == ["guide.md"]
    assert anchors(page) == {"a-page", "waste_x-usage", "notes", "notes-1"}
