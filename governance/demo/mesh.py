"""The demo mesh: Harmonia Music, the streaming company of the data-mesh literature.

Its products, domain by domain, and the operational systems they read from. Each domain
module declares its products with their contracts and the story their evidence tells.
The order is the build's: meshgov.yaml lists one evidence source per product in it.
"""

from __future__ import annotations

from governance.demo import artists, finance, listening, podcasts, users
from governance.demo.spec import DemoProduct
from governance.demo.systems import SYSTEMS

PRODUCTS: tuple[DemoProduct, ...] = (
    artists.PRODUCTS + users.PRODUCTS + podcasts.PRODUCTS + listening.PRODUCTS + finance.PRODUCTS
)

__all__ = ["PRODUCTS", "SYSTEMS"]
