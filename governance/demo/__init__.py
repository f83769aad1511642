"""`meshgov demo`: the Harmonia Music demo mesh and the workspace it is written into.

spec holds the building blocks, systems and the domain modules (artists, users, podcasts,
listening, finance) declare the mesh, mesh assembles it; data makes each day's rows,
evidence validates and writes them; timeline times each product's nightly job, from which
lineage (OpenLineage), logs (OTLP), audit (audit JSON lines) and slos (OpenSLO, SLI
samples) write the rest of the evidence; workspace writes the whole demo workspace.
"""

from __future__ import annotations

from governance.demo.workspace import build_demo, demo_clock, is_demo_workspace

__all__ = ["build_demo", "demo_clock", "is_demo_workspace"]
