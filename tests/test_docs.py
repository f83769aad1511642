"""The README documents what a user can type."""

from __future__ import annotations

from pathlib import Path

import typer

from collectors import available_collectors
from governance.cli import app

README = (Path(__file__).parent.parent / "README.md").read_text()


def command_paths(group, prefix: str = "meshgov") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):  # a group (typer ships its own click)
            paths.extend(command_paths(command, path))
        else:
            paths.append(path)
    return paths


def test_readme_opens_with_the_two_commands():
    blocks = [b.split("```")[0].strip() for b in README.split("```bash")[1:3]]
    assert blocks == ["pip install -e . && meshgov demo", 'pip install -e ".[test]" && pytest']


def test_every_cli_command_is_in_the_reference():
    paths = command_paths(typer.main.get_command(app))
    assert len(paths) >= 13
    missing = [p for p in paths if f"`{p}" not in README]
    assert missing == []


def test_every_collector_is_documented():
    missing = [name for name in available_collectors() if f"`{name}`" not in README]
    assert missing == []


DESIGN = Path(__file__).parent.parent / "docs" / "design.md"


def test_every_package_is_in_the_design():
    """A new folder under governance/ gets its line in docs/design.md's layout."""
    layout = DESIGN.read_text().split("## Layout", 1)[1].split("\n## ", 1)[0]
    root = Path(__file__).parent.parent / "governance"
    packages = sorted(p.parent.name for p in root.glob("*/__init__.py"))
    modules = sorted(p.name for p in root.glob("*.py") if p.name != "__init__.py")
    missing = [f"{name}/" for name in packages if f"  {name}/" not in layout]
    missing += [name for name in modules if f"  {name}" not in layout]
    assert not missing, f"add to the layout in docs/design.md: {missing}"
    assert "docs/design.md" in README, "the README points to the design"
