"""ODPS product descriptors and ODCS contracts → validated domain records.

Parsing is pure: bytes and a path in, records or a DescriptorError out. The error names the
file, the field (as a path like ``outputPorts[1].version``) and what is wrong. Both parsers
take an optional ``warnings`` list that receives ``"path: field: message"`` lines for what
was accepted but not used. The standards live in their own modules (governance/descriptors/odps.py,
governance/descriptors/odcs.py); this one classifies files and is the door the rest of meshgov uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from governance.descriptors.base import load_yaml_document, sha256_of
from governance.descriptors.odcs import LOGICAL_TYPES, ODCS_API_VERSIONS, parse_contract
from governance.descriptors.odps import ODPS_API_VERSIONS, parse_product
from governance.errors import DescriptorError

__all__ = [
    "LOGICAL_TYPES",
    "ODCS_API_VERSIONS",
    "ODPS_API_VERSIONS",
    "DescriptorError",
    "DescriptorFile",
    "classify",
    "load_yaml_document",
    "parse_contract",
    "parse_product",
    "sha256_of",
]


@dataclass(frozen=True)
class DescriptorFile:
    """A YAML file found while registering, classified by its `kind`."""

    path: Path
    kind: str | None
    content: bytes
    declared_id: str | None = None
    error: DescriptorError | None = None  # set when the file is not readable YAML at all


def classify(path: Path) -> DescriptorFile:
    """Read a file and tell whether it is a DataProduct, a DataContract or something else."""
    content = path.read_bytes()
    try:
        document = load_yaml_document(content, str(path))
    except DescriptorError as error:
        return DescriptorFile(path=path, kind=None, content=content, error=error)
    declared = document.get("id")
    return DescriptorFile(
        path=path,
        kind=document.get("kind"),
        content=content,
        declared_id=str(declared) if declared is not None else None,
    )
