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
