"""Who may do what on the governance board: roles from meshgov.yaml `roles:`, per action."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

ROLES: tuple[str, ...] = ("consumer", "domain_owner", "board_member", "admin")
ACTIONS: tuple[str, ...] = (
    "view",  # read pages, queue, board pack
    "request_access",  # ask for access to a product's output port
    "request_waiver",  # ask the board to waive a policy for a product
    "withdraw",  # withdraw one's own request (close the item)
    "comment",  # comment on a review item
    "assign",  # assign an item to someone
    "set_agenda",  # put an item on / take it off the board's agenda
    "decide",  # decide an item (approve / reject / changes requested / defer)
    "reopen",  # reopen a deferred item or one with changes requested
    "close_item",  # close an item by hand
    "revoke_waiver",
    "revoke_access",
    "manage_tokens",  # create and revoke the ingest tokens of a domain (or of its products)
    "respond_incident",  # acknowledge or resolve an incident of a domain's product
)

_MESH_ROLES = ("consumer", "board_member", "admin")  # held mesh-wide; domain_owner per domain
# Who sees the whole review queue (a consumer sees the requests they made or were given).
STEWARDS = frozenset({"domain_owner", "board_member", "admin"})
_GROUP = "group:"
# Loose on purpose for emails: it catches a missing "@" or a stray space, not real addresses.
_MEMBER = re.compile(r"group:\S.*|[^@\s]+@[^@\s]+")
_LISTS = "lists of emails or group:NAME entries"


@dataclass(frozen=True)
class Identity:
    """Who is acting: an email (lower-cased on construction), group claims, a display name."""

    email: str
    groups: frozenset[str] = frozenset()
    name: str | None = None

    def __post_init__(self) -> None:
        # Normalised once here (and in Scope.requester) so every comparison is a plain ==.
        object.__setattr__(self, "email", self.email.strip().lower())
        object.__setattr__(self, "groups", frozenset(self.groups))
        if not self.email:
            raise ValueError("Identity needs an email: only authenticated visitors have one")


@dataclass(frozen=True)
class Principal:
    """An identity with the roles it holds; domain_owner is scoped to `owned_domains`."""

    identity: Identity
    roles: frozenset[str]
    owned_domains: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(self.roles))
        object.__setattr__(self, "owned_domains", frozenset(self.owned_domains))
        if unknown := sorted(self.roles - set(ROLES)):
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(ROLES)}")

    @property
    def email(self) -> str:
        """The acting identity's lower-cased email."""
        return self.identity.email

    def has(self, role: str) -> bool:
        """Whether the principal holds `role` (in some domain, for domain_owner)."""
        if role not in ROLES:  # a typo here would silently refuse, so it is an error
            raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        return role in self.roles

    def owns(self, domain: str | None) -> bool:
        """Whether the principal is domain_owner of `domain`; nobody owns a mesh-wide item."""
        return domain is not None and domain in self.owned_domains

    def describe(self) -> str:
        """The email and roles, e.g. "ana@x.com (board_member, domain_owner of finance)"."""
        domains = " and ".join(sorted(self.owned_domains))
        owner = f"domain_owner of {domains}" if domains else "domain_owner"
        parts = [owner if role == "domain_owner" else role for role in sorted(self.roles)]
        return f"{self.email} ({', '.join(parts) or 'no role'})"


@dataclass(frozen=True)
class Scope:
    """What an action touches: the item's domain, who asked for it, who must decide it."""

    domain: str | None = None  # None: mesh-wide (e.g. a global policy change)
    requester: str | None = None  # email of who opened the request, if a request
    decider: str = "board"  # "board" | "domain_owner"

    def __post_init__(self) -> None:
        object.__setattr__(self, "requester", self.requester and self.requester.strip().lower())
        if self.decider not in ("board", "domain_owner"):
            raise ValueError(f"Scope.decider: expected board or domain_owner, got {self.decider!r}")
        if self.decider == "domain_owner" and self.domain is None:
            raise ValueError("Scope: an item for its domain owner to decide needs a domain")


@dataclass(frozen=True)
class Verdict:
    """Whether an action is allowed, and a sentence a person can act on either way."""

    allowed: bool
    reason: str


# Grounds for each action, any one enough. "owner": domain_owner of the item's domain;
# "owner_or_mesh" also lets every domain owner speak to mesh-wide items (a global change
# lands in every domain); "owner_decider": the owner, when the item is theirs to decide.
_GROUNDS: dict[str, tuple[str, ...]] = {
    "view": ("any",),
    "request_access": ("any",),
    "request_waiver": ("admin", "owner"),
    "withdraw": ("requester", "admin"),
    "comment": ("admin", "board_member", "owner_or_mesh", "requester"),
    "decide": ("board_member", "admin", "owner_decider"),
    "manage_tokens": ("admin", "owner"),
    "respond_incident": ("admin", "owner"),
}
_BOARD_ONLY = ("assign", "set_agenda", "reopen", "close_item", "revoke_waiver", "revoke_access")
_GROUNDS |= dict.fromkeys(_BOARD_ONLY, ("board_member", "admin"))
# What each action does to an item, in words (the action's own name when it reads well).
_DOING = {"request_access": "request access for", "request_waiver": "request a waiver for"}
_DOING |= {"comment": "comment on", "set_agenda": "change the agenda for", "close_item": "close"}
_DOING |= {"revoke_waiver": "revoke a waiver on", "revoke_access": "revoke access on"}
_DOING |= {"manage_tokens": "manage the ingest tokens of"}
_DOING |= {"respond_incident": "acknowledge or resolve incidents of"}
# Actions on a domain itself rather than on one of its review items.
_ON_DOMAIN = frozenset({"manage_tokens", "respond_incident"})
# Without this, an action added to ACTIONS but not here would only fail when first checked.
assert set(_GROUNDS) == set(ACTIONS), "every action needs its grounds"


def _ground(ground: str, principal: Principal, scope: Scope) -> tuple[bool, str]:
    domain = scope.domain
    owner = f"domain_owner of {domain}" if domain else "domain_owner"
    if ground in ("admin", "board_member"):
        return principal.has(ground), ground
    if ground == "owner":
        return principal.owns(domain), owner if domain else f"{owner} (a mesh-wide item has none)"
    if ground == "owner_or_mesh":
        return (principal.owns(domain) if domain else principal.has("domain_owner")), owner
    if ground == "owner_decider":
        holds = scope.decider == "domain_owner" and principal.owns(domain)
        return holds, f"{owner} when the item is for its domain owner to decide"
    if ground == "requester":
        asked = scope.requester or "none: not a request"
        return scope.requester == principal.email, f"its requester ({asked})"
    return True, "any role"


# Pages ask `permits` before showing a button and the service asks it again before writing,
# so both give the same reason: who, the action, and what role or scope it would take.
def permits(principal: Principal, action: str, scope: Scope = Scope()) -> Verdict:
    """Whether `principal` may do `action` on `scope`, with the reason either way."""
    if action not in _GROUNDS:
        raise ValueError(f"unknown action {action!r}; actions are {', '.join(ACTIONS)}")
    who = principal.describe()
    if not principal.roles:
        ask = "ask an admin to map it in meshgov.yaml roles:"
        return Verdict(False, f"{who} has no role in this mesh and may not {action}; {ask}")
    if action in _ON_DOMAIN:
        item = f"domain {scope.domain}" if scope.domain else "every domain"
    else:
        item = f"an item of domain {scope.domain}" if scope.domain else "a mesh-wide item"
    doing = f"{_DOING.get(action, action)} {item}"
    if action == "decide" and scope.requester == principal.email:
        # Four eyes: whoever asked never decides, whatever their roles.
        why = "the four-eyes rule lets nobody, not even an admin, decide their own request"
        ask = "ask another board_member or admin to decide it"
        return Verdict(False, f"{who} may not {doing}: they requested it, and {why}; {ask}.")
    grounds = [_ground(ground, principal, scope) for ground in _GROUNDS[action]]
    needs = " or ".join(label for _, label in grounds)
    if any(holds for holds, _ in grounds):
        return Verdict(True, f"{who} may {doing} ({action} needs {needs}).")
    return Verdict(False, f"{who} may not {doing}: {action} needs {needs}.")


@dataclass(frozen=True)
class RoleGrant:
    """One entry of `roles:`: a member holding a role (in one domain, for domain_owner)."""

    role: str
    member: str  # lower-cased email, or "group:NAME" with NAME as the identity provider spells it
    domain: str | None = None

    def matches(self, identity: Identity) -> bool:
        """Whether `identity` is this member: by email, or by a group claim (case-sensitive)."""
        if self.member.startswith(_GROUP):
            return self.member.removeprefix(_GROUP) in identity.groups
        return self.member == identity.email


@dataclass(frozen=True)
class RoleMapping:
    """identities → roles, from meshgov.yaml `roles:`."""

    default: str | None = "consumer"  # None: identities not listed get no role
    grants: tuple[RoleGrant, ...] = ()

    @classmethod
    def from_settings(cls, raw: object, where: str = "meshgov.yaml") -> RoleMapping:
        """Read the value of `roles:` (None when absent); a bad shape raises ValueError."""
        raw, at = ({} if raw is None else raw), f"{where}: roles"
        if not isinstance(raw, Mapping):
            raise _invalid(at, f"a mapping of role names to {_LISTS}", raw)
        known = ("default", *ROLES)
        if unknown := sorted(str(key) for key in raw if key not in known):
            raise _invalid(at, f"only the keys {', '.join(known)}", unknown)
        default = raw.get("default", "consumer")
        if default not in (*_MESH_ROLES, "none"):
            raise _invalid(f"{at}.default", "consumer, board_member, admin or none", default)
        grants: list[RoleGrant] = []
        for role in _MESH_ROLES:
            grants += _grants(raw.get(role, []), f"{at}.{role}", role)
        owners = raw.get("domain_owner", {})
        if not isinstance(owners, Mapping):
            raise _invalid(f"{at}.domain_owner", f"a mapping of domains to {_LISTS}", owners)
        for domain, entries in owners.items():
            if not isinstance(domain, str) or not domain.strip():
                raise _invalid(f"{at}.domain_owner", "domain names as keys", domain)
            grants += _grants(entries, f"{at}.domain_owner.{domain}", "domain_owner", domain)
        return cls(default=None if default == "none" else default, grants=tuple(grants))

    def resolve(self, identity: Identity) -> Principal:
        """The principal `identity` acts as: the default role plus every grant it matches."""
        matched = [grant for grant in self.grants if grant.matches(identity)]
        roles = {grant.role for grant in matched} | ({self.default} if self.default else set())
        domains = {grant.domain for grant in matched if grant.domain is not None}
        return Principal(identity, frozenset(roles), frozenset(domains))


def _grants(raw: object, at: str, role: str, domain: str | None = None) -> list[RoleGrant]:
    if not isinstance(raw, list):
        raise _invalid(at, "a list of emails or group:NAME entries", raw)
    for index, entry in enumerate(raw):
        if not (isinstance(entry, str) and _MEMBER.fullmatch(entry.strip())):
            raise _invalid(f"{at}[{index}]", "an email or group:NAME", entry)
    # Emails match case-insensitively; group names as the identity provider spells them.
    members = [m if m.startswith(_GROUP) else m.lower() for m in (e.strip() for e in raw)]
    return [RoleGrant(role, member, domain) for member in members]


def _invalid(at: str, expected: str, got: object) -> ValueError:
    return ValueError(f"{at}: expected {expected}, got {got!r}")
