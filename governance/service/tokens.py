"""The tokens part of the service: the bearer tokens clients push evidence with.

A token is good for one domain's evidence or one product's. Its secret ("mgv_" and 43
URL-safe characters) is shown once, when it is made; the store keeps only its SHA-256, so
`verify` hashes what a client sends and looks the hash up. Creating and revoking a token
takes `manage_tokens` (an admin, or the domain's owner) and is written to the governance
log, without the secret; a refusal is logged too, as the board's are.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from governance.engine.roles import Principal, Scope
from governance.errors import IllegalMove, MeshgovError, UnknownProduct
from governance.model.tokens import TokenInfo, TokenScope
from governance.service.context import MeshContext
from governance.store.read import tokens as token_reads
from governance.store.schema.types import utcnow
from governance.store.write import ledger
from governance.store.write import tokens as token_writes

SECRET_PREFIX = "mgv_"  # lets a secret scanner, and a person, tell a meshgov token at sight
MAX_NAME_CHARS = 100
# Longer than any secret we issue: anything this long is not one, and is not hashed.
_MAX_SECRET_CHARS = 200


class TokenRefused(MeshgovError, ValueError):
    """A token that cannot be made as asked (its name, its domain); the message says why."""


class UnknownToken(MeshgovError, LookupError):
    """No ingest token has that id."""


def secret_sha256(secret: str) -> str:
    """The hex SHA-256 of a secret: all the store ever holds of it."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _new_token_id() -> str:
    return f"tok-{secrets.token_hex(4)}"


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise TokenRefused("a token needs a name saying who or what uses it, e.g. airflow-sales")
    if len(name) > MAX_NAME_CHARS:
        raise TokenRefused(
            f"the token name is {len(name)} characters long; at most {MAX_NAME_CHARS} are kept"
        )
    if not name.isprintable():
        raise TokenRefused(f"the token name {name!r} holds control characters; use plain text")
    return name


def _already_revoked(token: TokenInfo) -> IllegalMove:
    when = f"{token.revoked_at:%Y-%m-%d %H:%M} UTC" if token.revoked_at else "earlier"
    return IllegalMove(
        f"token {token.token_id} ({token.name}) was already revoked on {when} by "
        f"{token.revoked_by}; nothing changed"
    )


class Tokens:
    """The tokens part of MeshgovService: create, list, revoke and verify ingest tokens."""

    def __init__(self, context: MeshContext) -> None:
        self._context = context
        self._store = context.store

    def create(
        self,
        who: Principal,
        *,
        name: str,
        domain: str | None = None,
        product: str | None = None,
        now: datetime | None = None,
    ) -> tuple[TokenInfo, str]:
        """A new token for one domain or one product, and its secret (shown this once only)."""
        name = _checked_name(name)
        domain = self._scope_domain(domain, product)
        self._authorize(who, Scope(domain=domain), f"domain:{domain}")
        secret, now = _new_secret(), (now or utcnow()).astimezone(UTC)  # as it is read back
        with self._store.begin() as connection:
            ledger.lock(connection)  # token writes queue up behind the log, as the board's do
            token_id = _new_token_id()
            while token_reads.token_id_taken(connection, token_id):  # random ids can collide
                token_id = _new_token_id()
            info = TokenInfo(token_id, name, domain, product, now, who.email)
            token_writes.insert_token(
                connection,
                token_id=token_id,
                name=name,
                domain=domain,
                product=product,
                secret_sha256=secret_sha256(secret),
                created_at=now,
                created_by=who.email,
            )
            ledger.append(
                connection,
                actor=who.email,
                action="token.created",
                subject=f"token:{token_id}",
                payload={"token_id": token_id, "name": name, "domain": domain, "product": product},
                time=now,
            )
        return info, secret

    def revoke(self, who: Principal, token_id: str, *, now: datetime | None = None) -> TokenInfo:
        """Revoke a live token: the server refuses it from then on (after its short cache)."""
        token = self._token(token_id)
        self._authorize(who, Scope(domain=token.domain), f"token:{token_id}")
        now = now or utcnow()
        with self._store.begin() as connection:
            ledger.lock(connection)
            if not token_writes.revoke_token(connection, token_id, at=now, by=who.email):
                raise _already_revoked(token_reads.token(connection, token_id) or token)
            ledger.append(
                connection,
                actor=who.email,
                action="token.revoked",
                subject=f"token:{token_id}",
                payload={
                    "token_id": token_id,
                    "name": token.name,
                    "domain": token.domain,
                    "product": token.product,
                },
                time=now,
            )
        return self._token(token_id)

    def list(self, *, include_revoked: bool = False) -> list[TokenInfo]:
        """Tokens by domain and product (live ones only unless `include_revoked`); no secrets."""
        with self._store.read() as connection:
            return token_reads.tokens(connection, include_revoked=include_revoked)

    def get(self, token_id: str) -> TokenInfo:
        """One token by id, revoked or not; UnknownToken when there is none."""
        return self._token(token_id)

    def verify(self, secret: str) -> TokenScope | None:
        """The scope of a live token, or None for an unknown or revoked one."""
        if not secret.startswith(SECRET_PREFIX) or len(secret) > _MAX_SECRET_CHARS:
            return None
        try:
            digest = secret_sha256(secret)
        except UnicodeEncodeError:  # a lone surrogate: no secret we issued
            return None
        with self._store.read() as connection:
            return token_reads.live_scope(connection, digest)

    # --- helpers --------------------------------------------------------------------

    def _scope_domain(self, domain: str | None, product: str | None) -> str:
        """The token's domain: the one named, or the registered product's."""
        if (domain is None) == (product is None):
            raise TokenRefused(
                "a token is for one domain or one product: give --domain or --product, not "
                + ("both" if domain is not None else "neither")
            )
        with self._store.read() as connection:
            if product is not None:
                owner = token_reads.product_domain(connection, product)
                if owner is None:
                    raise UnknownProduct(
                        f"no product {product!r} is registered; run `meshgov register` first "
                        "or check `meshgov export products`"
                    )
                return owner
            assert domain is not None
            if token_reads.domain_registered(connection, domain):
                return domain
            known = token_reads.domain_ids(connection)
        choices = f"the registered domains: {', '.join(known)}" if known else "none is registered"
        raise TokenRefused(
            f"no domain {domain!r} is registered ({choices}); a domain joins the registry when "
            "`meshgov register` registers one of its products"
        )

    def _authorize(self, who: Principal, scope: Scope, subject: str) -> None:
        self._context.authorize(who, "manage_tokens", scope, subject)

    def _token(self, token_id: str) -> TokenInfo:
        with self._store.read() as connection:
            token = token_reads.token(connection, token_id)
        if token is None:
            raise UnknownToken(
                f"no ingest token {token_id!r}; `meshgov token list --all` lists every token id"
            )
        return token
