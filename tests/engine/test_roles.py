"""governance/engine/roles.py: who may do what, and the `roles:` section of meshgov.yaml."""

from __future__ import annotations

import pytest
import yaml

from governance.engine.roles import (
    ACTIONS,
    ROLES,
    Identity,
    Principal,
    RoleMapping,
    Scope,
    permits,
)

OTHER = "requester@harmonia.example"


def _principal(email: str, *roles: str, owns: tuple[str, ...] = ()) -> Principal:
    return Principal(Identity(email), frozenset(roles), frozenset(owns))


# The item under test belongs to domain "finance" unless it is mesh-wide.
PRINCIPALS = {
    "consumer": _principal("carl@harmonia.example", "consumer"),
    "owner_here": _principal("fin-lead@harmonia.example", "domain_owner", owns=("finance",)),
    "owner_elsewhere": _principal("sofia@harmonia.example", "domain_owner", owns=("users",)),
    "board_member": _principal("ana@harmonia.example", "board_member"),
    "admin": _principal("ops@harmonia.example", "admin"),
    "no_role": _principal("stranger@harmonia.example"),
}


def _scope(column: str, principal: Principal) -> Scope:
    """The four scope variants; "own_request" is an item the acting principal opened."""
    return {
        "board_item": Scope(domain="finance", requester=OTHER, decider="board"),
        "owner_item": Scope(domain="finance", requester=OTHER, decider="domain_owner"),
        "mesh_item": Scope(domain=None, requester=OTHER, decider="board"),
        "own_request": Scope(domain="finance", requester=principal.email, decider="domain_owner"),
    }[column]


# Columns, in order: board_item, owner_item, mesh_item, own_request. Y allowed, - refused.
SCOPES = ("board_item", "owner_item", "mesh_item", "own_request")
# fmt: off
EXPECTED: dict[str, dict[str, str]] = {
    "view": {
        "consumer": "YYYY", "owner_here": "YYYY", "owner_elsewhere": "YYYY",
        "board_member": "YYYY", "admin": "YYYY", "no_role": "----",
    },
    "request_access": {
        "consumer": "YYYY", "owner_here": "YYYY", "owner_elsewhere": "YYYY",
        "board_member": "YYYY", "admin": "YYYY", "no_role": "----",
    },
    "request_waiver": {  # admin; the owner of the item's domain (a mesh-wide item has none)
        "consumer": "----", "owner_here": "YY-Y", "owner_elsewhere": "----",
        "board_member": "----", "admin": "YYYY", "no_role": "----",
    },
    "withdraw": {  # the requester, whatever their role, or admin
        "consumer": "---Y", "owner_here": "---Y", "owner_elsewhere": "---Y",
        "board_member": "---Y", "admin": "YYYY", "no_role": "----",
    },
    "comment": {  # any domain owner may comment on mesh-wide items; requesters on their own
        "consumer": "---Y", "owner_here": "YYYY", "owner_elsewhere": "--YY",
        "board_member": "YYYY", "admin": "YYYY", "no_role": "----",
    },
    "assign": {
        "consumer": "----", "owner_here": "----", "owner_elsewhere": "----",
        "board_member": "YYYY", "admin": "YYYY", "no_role": "----",
    },
    "set_agenda": {
        "consumer": "----", "owner_here": "----", "owner_elsewhere": "----",
        "board_member": "YYYY", "admin": "YYYY", "no_role": "----",
    },
    "decide": {  # four eyes: nobody decides their own request, not even an admin
        "consumer": "----", "owner_here": "-Y--", "owner_elsewhere": "----",
        "board_member": "YYY-", "admin": "YYY-", "no_role": "----",
    },
    "reopen": {
        "consumer": "----", "owner_here": "----", "owner_elsewhere": "----",
        "board_member": "YYYY", "admin": "YYYY", "no_role": "----",
    },
    "close_item": {
        "consumer": "----", "owner_here": "----", "owner_elsewhere": "----",
        "board_member": "YYYY", "admin": "YYYY", "no_role": "----",
    },
    "revoke_waiver": {
        "consumer": "----", "owner_here": "----", "owner_elsewhere": "----",
        "board_member": "YYYY", "admin": "YYYY", "no_role": "----",
    },
    "revoke_access": {
        "consumer": "----", "owner_here": "----", "owner_elsewhere": "----",
        "board_member": "YYYY", "admin": "YYYY", "no_role": "----",
    },
    "manage_tokens": {  # admin; the owner of the token's domain
        "consumer": "----", "owner_here": "YY-Y", "owner_elsewhere": "----",
        "board_member": "----", "admin": "YYYY", "no_role": "----",
    },
    "respond_incident": {  # admin; the owner of the incident's domain (and, in the service,
        # the product's own owner)
        "consumer": "----", "owner_here": "YY-Y", "owner_elsewhere": "----",
        "board_member": "----", "admin": "YYYY", "no_role": "----",
    },
}
# fmt: on

CELLS = [
    pytest.param(action, who, column, flags[index] == "Y", id=f"{action}-{who}-{column}")
    for action, row in EXPECTED.items()
    for who, flags in row.items()
    for index, column in enumerate(SCOPES)
]


def test_the_expected_table_covers_every_action_principal_and_scope():
    assert list(EXPECTED) == list(ACTIONS)
    assert {role for principal in PRINCIPALS.values() for role in principal.roles} == set(ROLES)
    for action, row in EXPECTED.items():
        assert set(row) == set(PRINCIPALS), action
        assert all(len(flags) == len(SCOPES) and set(flags) <= {"Y", "-"} for flags in row.values())


@pytest.mark.parametrize(("action", "who", "column", "allowed"), CELLS)
def test_permission_matrix(action, who, column, allowed):
    principal = PRINCIPALS[who]
    verdict = permits(principal, action, _scope(column, principal))
    assert verdict.allowed is allowed, verdict.reason
    assert principal.email in verdict.reason
    if not allowed:
        assert action in verdict.reason


def test_a_refusal_says_which_role_and_scope_would_do():
    sofia = PRINCIPALS["owner_elsewhere"]
    reason = permits(sofia, "decide", Scope(domain="finance", decider="domain_owner")).reason
    assert reason.startswith("sofia@harmonia.example (domain_owner of users) may not decide")
    assert "domain finance" in reason
    assert "board_member or admin or domain_owner of finance when the item" in reason


def test_nobody_decides_their_own_request_not_even_an_admin():
    admin = PRINCIPALS["admin"]
    verdict = permits(admin, "decide", Scope(domain="finance", requester="OPS@harmonia.example"))
    assert not verdict.allowed
    assert "four-eyes" in verdict.reason and "they requested it" in verdict.reason


def test_a_principal_without_a_role_is_told_to_ask_for_one():
    reason = permits(PRINCIPALS["no_role"], "view").reason
    assert "stranger@harmonia.example (no role) has no role in this mesh" in reason
    assert "meshgov.yaml roles:" in reason


def test_an_allowed_verdict_says_why():
    verdict = permits(PRINCIPALS["board_member"], "assign", Scope(domain="finance"))
    assert verdict.allowed
    assert verdict.reason == (
        "ana@harmonia.example (board_member) may assign an item of domain finance "
        "(assign needs board_member or admin)."
    )


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown action 'approve'"):
        permits(PRINCIPALS["admin"], "approve")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"decider": "owner"}, "Scope.decider"),
        ({"decider": "domain_owner"}, "needs a domain"),
    ],
)
def test_a_scope_that_cannot_exist_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Scope(**kwargs)


def test_identity_lower_cases_the_email_and_principal_describes_itself():
    ana = Principal(
        Identity(" Ana@Harmonia.Example ", groups=["governance-board"]),
        frozenset({"domain_owner", "board_member"}),
        frozenset({"users", "finance"}),
    )
    assert ana.email == "ana@harmonia.example"
    assert ana.identity.groups == frozenset({"governance-board"})
    assert ana.has("board_member") and not ana.has("admin")
    assert (
        ana.describe() == "ana@harmonia.example (board_member, domain_owner of finance and users)"
    )


def test_principal_refuses_unknown_roles():
    with pytest.raises(ValueError, match="unknown role"):
        _principal("x@harmonia.example", "superuser")
    with pytest.raises(ValueError, match="unknown role"):
        PRINCIPALS["admin"].has("admins")


HARMONIA = yaml.safe_load(
    """
roles:
  default: consumer
  admin: [ops@harmonia.example]
  board_member: [ana@harmonia.example, "group:governance-board"]
  domain_owner:
    finance: [fin-lead@harmonia.example, "group:finance-owners", Ana@Harmonia.example]
    users: [sofia@harmonia.example, ana@harmonia.example]
"""
)["roles"]


def test_emails_match_case_insensitively_both_ways():
    mapping = RoleMapping.from_settings({"admin": ["Ops@Harmonia.Example"]})
    assert mapping.resolve(Identity("OPS@harmonia.example")).roles == {"consumer", "admin"}


def test_group_claims_grant_roles_and_are_case_sensitive():
    mapping = RoleMapping.from_settings(HARMONIA)
    member = mapping.resolve(Identity("bo@harmonia.example", groups={"governance-board"}))
    assert member.roles == {"consumer", "board_member"}
    owner = mapping.resolve(Identity("fay@harmonia.example", groups={"finance-owners"}))
    assert owner.roles == {"consumer", "domain_owner"}
    assert owner.owned_domains == {"finance"}
    other_case = mapping.resolve(Identity("bo@harmonia.example", groups={"Governance-Board"}))
    assert other_case.roles == {"consumer"}


def test_default_consumer_gives_every_identity_a_role():
    assert RoleMapping.from_settings(None).resolve(Identity("x@y.example")).roles == {"consumer"}
    anyone = RoleMapping.from_settings(HARMONIA).resolve(Identity("walk-in@harmonia.example"))
    assert anyone.roles == {"consumer"}
    assert permits(anyone, "view").allowed


def test_default_none_gives_only_what_is_listed():
    mapping = RoleMapping.from_settings({"default": "none", "consumer": ["group:analysts"]})
    stranger = mapping.resolve(Identity("walk-in@harmonia.example"))
    assert stranger.roles == frozenset()
    assert not permits(stranger, "view").allowed
    analyst = mapping.resolve(Identity("al@harmonia.example", groups={"analysts"}))
    assert analyst.roles == {"consumer"}


def test_one_person_can_hold_several_roles():
    ana = RoleMapping.from_settings(HARMONIA).resolve(Identity("ana@harmonia.example"))
    assert ana.roles == {"consumer", "board_member", "domain_owner"}
    assert ana.owned_domains == {"finance", "users"}
    assert ana.describe() == (
        "ana@harmonia.example (board_member, consumer, domain_owner of finance and users)"
    )
    # As domain owner of users she may ask for a waiver there; as a board member she decides.
    assert permits(ana, "request_waiver", Scope(domain="users")).allowed
    assert permits(ana, "decide", Scope(domain="orders", requester=OTHER)).allowed


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (["ops@harmonia.example"], "meshgov.yaml: roles: expected a mapping"),
        ({"admins": ["ops@harmonia.example"]}, "meshgov.yaml: roles: expected only the keys"),
        ({"default": "superuser"}, "meshgov.yaml: roles.default: expected"),
        ({"default": "domain_owner"}, "meshgov.yaml: roles.default: expected"),
        ({"default": None}, "meshgov.yaml: roles.default: expected"),
        ({"admin": "ops@harmonia.example"}, "meshgov.yaml: roles.admin: expected a list"),
        ({"board_member": None}, "meshgov.yaml: roles.board_member: expected a list"),
        ({"admin": [42]}, r"meshgov.yaml: roles.admin\[0\]: expected an email or group:NAME"),
        ({"consumer": ["ok@x.example", "no-at-sign"]}, r"roles.consumer\[1\]: expected an email"),
        ({"board_member": ["group:"]}, r"roles.board_member\[0\]: expected an email"),
        ({"domain_owner": ["fin@x.example"]}, "meshgov.yaml: roles.domain_owner: expected a map"),
        (
            {"domain_owner": {"finance": "fin@x.example"}},
            "meshgov.yaml: roles.domain_owner.finance: "
            "expected a list of emails or group:NAME entries",
        ),
        ({"domain_owner": {"users": [None]}}, r"roles.domain_owner.users\[0\]: expected an email"),
        ({"domain_owner": {2024: ["a@x.example"]}}, "roles.domain_owner: expected domain names"),
    ],
)
def test_a_bad_roles_section_names_the_key_path(raw, message):
    with pytest.raises(ValueError, match=message):
        RoleMapping.from_settings(raw)


def test_errors_name_the_file_given():
    with pytest.raises(ValueError, match=r"^/srv/mesh/meshgov.yaml: roles.admin: expected"):
        RoleMapping.from_settings({"admin": "ops"}, where="/srv/mesh/meshgov.yaml")
