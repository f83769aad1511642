"""Settings: environment (prefix MESHGOV_) over the workspace file meshgov.yaml over defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic_settings import BaseSettings, SettingsConfigDict

from governance.errors import WorkspaceError

WORKSPACE_FILE = "meshgov.yaml"
STORE_DIR = ".meshgov"


class EnvSettings(BaseSettings):
    """What the environment says: MESHGOV_WORKSPACE, MESHGOV_DB_URL."""

    model_config = SettingsConfigDict(env_prefix="MESHGOV_", extra="ignore")

    workspace: Path | None = None
    db_url: str | None = None


@dataclass(frozen=True)
class Workspace:
    """A meshgov workspace: a folder with meshgov.yaml, descriptors, evidence and the store."""

    root: Path
    db_url: str
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def config_file(self) -> Path:
        """The workspace file, whether or not it exists yet."""
        return self.root / WORKSPACE_FILE

    @property
    def name(self) -> str:
        """A display name for the mesh."""
        return str(self.settings.get("name") or self.root.name)


def default_db_url(root: Path) -> str:
    """The embedded store: SQLite inside the workspace."""
    return f"sqlite:///{(root / STORE_DIR / 'meshgov.db').resolve()}"


def load_workspace_settings(root: Path) -> dict[str, Any]:
    """Read meshgov.yaml if present; an unreadable file is an error, never silently ignored."""
    path = root / WORKSPACE_FILE
    if not path.exists():
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise WorkspaceError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise WorkspaceError(f"{path}: expected a mapping at the top level")
    return loaded


def resolve_workspace(workspace: Path | str | None = None) -> Workspace:
    """Find the workspace: the argument, then MESHGOV_WORKSPACE, then the current directory."""
    env = EnvSettings()
    chosen = workspace if workspace is not None else env.workspace
    root = Path(chosen) if chosen is not None else Path(os.getcwd())
    root = root.expanduser().resolve()
    settings = load_workspace_settings(root)
    store_url = (settings.get("store") or {}).get("url") if isinstance(settings, dict) else None
    db_url = env.db_url or store_url or default_db_url(root)
    return Workspace(root=root, db_url=db_url, settings=settings)


@dataclass(frozen=True)
class SourceConfig:
    """One evidence source from meshgov.yaml: a collector type, where, and for which product."""

    type: str
    location: str  # a path or glob relative to the workspace, or an http(s) URL
    product: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


def configured_sources(workspace: Workspace) -> list[SourceConfig]:
    """The `sources:` of meshgov.yaml, validated; each problem names the entry and the field."""
    raw = workspace.settings.get("sources") or []
    if not isinstance(raw, list):
        raise WorkspaceError(f"{workspace.config_file}: sources: expected a list")
    sources = []
    for index, entry in enumerate(raw):
        where = f"{workspace.config_file}: sources[{index}]"
        if not isinstance(entry, dict):
            raise WorkspaceError(f"{where}: expected a mapping with type and path")
        for key in ("type", "path"):
            if not entry.get(key) or not isinstance(entry[key], str):
                raise WorkspaceError(f"{where}.{key}: required, a string")
        options = entry.get("options") or {}
        if not isinstance(options, dict):
            raise WorkspaceError(f"{where}.options: expected a mapping")
        unknown = set(entry) - {"type", "path", "product", "options"}
        if unknown:
            raise WorkspaceError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        product = entry.get("product")
        sources.append(
            SourceConfig(entry["type"], entry["path"], str(product) if product else None, options)
        )
    return sources
