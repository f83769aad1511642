"""meshgov: governance and observability for a data mesh."""

from __future__ import annotations

__version__ = "0.1.0"
