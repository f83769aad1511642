"""Ingest tokens: made, listed, verified and revoked, on SQLite and PostgreSQL.

Only the SHA-256 of a secret is stored; creating and revoking take `manage_tokens` (an admin
or the domain's owner) and land on the governance log, whose chain must still hold.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from alembic import command
from sqlalchemy import inspect, select, text
from typer.testing import CliRunner

from governance.cli import app
from governance.config import Workspace
from governance.errors import IllegalMove, PermissionDenied, UnknownProduct
from governance.model.tokens import TokenScope
from governance.service import MeshgovService
from governance.service.tokens import TokenRefused, UnknownToken, secret_sha256
from governance.store import Store
from governance.store.database import _alembic_config, head_revision, sqlite_file
from governance.store.schema.tables import metadata

ROLES = {
    "default": "consumer",
    "admin": ["admin@example.com"],
    "domain_owner": {"sales": ["ana@example.com"], "finance": ["fin@example.com"]},
}
SECRET = re.compile(r"mgv_[A-Za-z0-9_-]{43}")
TOKEN_ID = re.compile(r"tok-[0-9a-f]{8}")


def write_settings(root: Path) -> dict:
    document = {"name": "Token mesh", "roles": ROLES}
    (root / "meshgov.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    return document


@pytest.fixture
def mesh(store: Store, tmp_path: Path, mesh_dir: Path) -> MeshgovService:
    """The fixture mesh (orders in sales, revenue in finance) registered, with roles."""
    workspace = Workspace(root=tmp_path, db_url=store.url, settings=write_settings(tmp_path))
    service = MeshgovService(workspace, store=store)
    assert service.registration.register([mesh_dir]).ok
    return service


def who(service: MeshgovService, email: str):
    return service.board.principal(email)


def token_log(service: MeshgovService) -> list:
    return [e for e in service.ledger.entries() if e.subject.startswith(("token:", "domain:"))]


# --- create and verify ------------------------------------------------------------------


def test_a_domain_token_and_a_product_token_verify_to_their_scopes(mesh):
    domain_token, domain_secret = mesh.tokens.create(
        who(mesh, "admin@example.com"), name="airflow-sales", domain="sales"
    )
    product_token, product_secret = mesh.tokens.create(
        who(mesh, "ana@example.com"), name="dbt-orders", product="orders"
    )

    assert SECRET.fullmatch(domain_secret) and SECRET.fullmatch(product_secret)
    assert TOKEN_ID.fullmatch(domain_token.token_id) and TOKEN_ID.fullmatch(product_token.token_id)
    assert domain_token.token_id != product_token.token_id
    assert (domain_token.domain, domain_token.product) == ("sales", None)
    # a product token takes its domain from the registry
    assert (product_token.domain, product_token.product) == ("sales", "orders")
    assert product_token.created_by == "ana@example.com" and not product_token.revoked
    assert mesh.tokens.verify(domain_secret) == TokenScope(
        domain_token.token_id, "airflow-sales", "sales", None
    )
    assert mesh.tokens.verify(product_secret) == TokenScope(
        product_token.token_id, "dbt-orders", "sales", "orders"
    )
    listed = mesh.tokens.list()
    assert [t.token_id for t in listed] == [domain_token.token_id, product_token.token_id]
    assert listed[1] == product_token


@pytest.mark.parametrize(
    "presented",
    ["", "mgv_", "Bearer mgv_x", "mgv_" + "A" * 43, "nope", "mgv_" + "x" * 5000, "mgv_\ud800"],
    ids=["empty", "prefix", "with-scheme", "unknown", "no-prefix", "huge", "surrogate"],
)
def test_anything_but_a_live_secret_verifies_to_none(mesh, presented):
    _, secret = mesh.tokens.create(who(mesh, "admin@example.com"), name="t", domain="sales")
    assert mesh.tokens.verify(presented) is None
    assert mesh.tokens.verify(secret) is not None


def test_the_secret_is_stored_nowhere_only_its_hash(mesh, store):
    token, secret = mesh.tokens.create(who(mesh, "admin@example.com"), name="t", domain="sales")
    mesh.tokens.revoke(who(mesh, "admin@example.com"), token.token_id)
    held: list[str] = []
    with store.read() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                held.extend(str(value) for value in row)
        stored_hash = connection.scalar(text("SELECT secret_sha256 FROM ingest_tokens"))
    assert held and not [value for value in held if secret in value or secret[4:] in value]
    assert stored_hash == secret_sha256(secret)
    database = sqlite_file(store.url)
    if database is not None:  # nor in the file (or its write-ahead log) byte for byte
        for path in database.parent.glob(database.name + "*"):
            assert secret[4:].encode() not in path.read_bytes()


# --- revoke -----------------------------------------------------------------------------


def test_a_revoked_token_verifies_to_none_and_leaves_the_list(mesh):
    admin = who(mesh, "admin@example.com")
    kept, kept_secret = mesh.tokens.create(admin, name="kept", domain="finance")
    gone, gone_secret = mesh.tokens.create(admin, name="gone", product="orders")

    revoked = mesh.tokens.revoke(who(mesh, "ana@example.com"), gone.token_id)

    assert revoked.revoked and revoked.revoked_by == "ana@example.com"
    assert mesh.tokens.verify(gone_secret) is None
    assert mesh.tokens.verify(kept_secret) is not None
    assert [t.token_id for t in mesh.tokens.list()] == [kept.token_id]
    everything = mesh.tokens.list(include_revoked=True)
    assert {t.token_id: t.revoked for t in everything} == {
        kept.token_id: False,
        gone.token_id: True,
    }


def test_revoking_twice_says_so_and_logs_once(mesh):
    admin = who(mesh, "admin@example.com")
    token, _ = mesh.tokens.create(admin, name="once", domain="sales")
    mesh.tokens.revoke(admin, token.token_id)
    entries = len(mesh.ledger.entries())
    with pytest.raises(IllegalMove, match=f"token {token.token_id} .*already revoked"):
        mesh.tokens.revoke(admin, token.token_id)
    assert len(mesh.ledger.entries()) == entries


def test_revoking_an_unknown_token_names_it(mesh):
    with pytest.raises(UnknownToken, match="no ingest token 'tok-00000000'.*token list --all"):
        mesh.tokens.revoke(who(mesh, "admin@example.com"), "tok-00000000")
    assert isinstance(UnknownToken("x"), LookupError)


# --- who may ----------------------------------------------------------------------------


def test_the_owner_of_another_domain_is_refused_and_the_refusal_logged(mesh):
    ana = who(mesh, "ana@example.com")  # owns sales, not finance
    with pytest.raises(
        PermissionDenied, match="may not manage the ingest tokens of domain finance"
    ):
        mesh.tokens.create(ana, name="x", domain="finance")
    with pytest.raises(PermissionDenied, match="domain_owner of finance"):
        mesh.tokens.create(ana, name="x", product="revenue")
    finance, secret = mesh.tokens.create(who(mesh, "fin@example.com"), name="f", domain="finance")
    with pytest.raises(PermissionDenied):
        mesh.tokens.revoke(ana, finance.token_id)
    with pytest.raises(PermissionDenied, match="needs admin or domain_owner of sales"):
        mesh.tokens.create(who(mesh, "carl@example.com"), name="x", domain="sales")

    assert mesh.tokens.verify(secret) is not None
    assert [t.token_id for t in mesh.tokens.list()] == [finance.token_id]
    refusals = [(e.actor, e.subject) for e in token_log(mesh) if e.action == "refused"]
    assert refusals == [
        ("ana@example.com", "domain:finance"),
        ("ana@example.com", "domain:finance"),
        ("ana@example.com", f"token:{finance.token_id}"),
        ("carl@example.com", "domain:sales"),
    ]


@pytest.mark.parametrize(
    ("scope", "error", "message"),
    [
        ({"product": "ghost"}, UnknownProduct, "no product 'ghost' is registered"),
        ({"domain": "ghost"}, TokenRefused, r"no domain 'ghost' is registered .*finance, sales"),
        ({}, TokenRefused, "give --domain or --product, not neither"),
        ({"domain": "sales", "product": "orders"}, TokenRefused, "not both"),
    ],
    ids=["unknown-product", "unknown-domain", "neither", "both"],
)
def test_a_token_needs_one_registered_domain_or_product(mesh, scope, error, message):
    with pytest.raises(error, match=message):
        mesh.tokens.create(who(mesh, "admin@example.com"), name="x", **scope)
    assert mesh.tokens.list(include_revoked=True) == []


@pytest.mark.parametrize(
    ("name", "message"),
    [("  ", "needs a name"), ("x" * 101, "101 characters long"), ("a\nb", "control characters")],
    ids=["blank", "too-long", "control"],
)
def test_a_token_needs_a_plain_name(mesh, name, message):
    with pytest.raises(TokenRefused, match=message):
        mesh.tokens.create(who(mesh, "admin@example.com"), name=name, domain="sales")


# --- the governance log -----------------------------------------------------------------


def test_creation_and_revocation_are_logged_without_the_secret_and_the_chain_holds(mesh):
    admin = who(mesh, "admin@example.com")
    token, secret = mesh.tokens.create(admin, name="airflow", product="orders")
    mesh.tokens.revoke(admin, token.token_id)

    logged = token_log(mesh)
    assert [(e.actor, e.action, e.subject) for e in logged] == [
        ("admin@example.com", "token.created", f"token:{token.token_id}"),
        ("admin@example.com", "token.revoked", f"token:{token.token_id}"),
    ]
    scope = {"token_id": token.token_id, "name": "airflow", "domain": "sales", "product": "orders"}
    assert [e.payload for e in logged] == [scope, scope]
    assert all(secret not in json.dumps(e.as_dict()) for e in mesh.ledger.entries())
    assert mesh.ledger.verify().ok


# --- the command line -------------------------------------------------------------------


@pytest.fixture
def cli(store_url, tmp_path, monkeypatch, mesh_dir):
    """`meshgov` in a workspace with roles, its store on the backend under test, registered."""
    monkeypatch.setenv("MESHGOV_DB_URL", store_url)
    monkeypatch.setenv("MESHGOV_WORKSPACE", str(tmp_path))
    monkeypatch.delenv("MESHGOV_IDENTITY", raising=False)
    monkeypatch.delenv("MESHGOV_GROUPS", raising=False)
    write_settings(tmp_path)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    assert run("init").exit_code == 0
    assert run("register", str(mesh_dir)).exit_code == 0
    return run


def test_token_commands_end_to_end(cli, tmp_path):
    created = cli(
        "token", "create", "--domain", "sales", "--name", "airflow", "--as", "ana@example.com"
    )
    assert created.exit_code == 0, created.output
    [secret] = SECRET.findall(created.stdout)
    [token_id] = TOKEN_ID.findall(created.stdout)
    assert f"secret: {secret}" in created.stdout
    assert "cannot be shown again" in created.stdout
    made = cli(
        "token",
        "create",
        "--product",
        "revenue",
        "--name",
        "gx",
        "--as",
        "admin@example.com",
        "--json",
    )
    product_token = json.loads(made.stdout)
    assert SECRET.fullmatch(product_token["secret"]) and product_token["product"] == "revenue"
    assert product_token["domain"] == "finance" and "cannot be shown again" in product_token["note"]

    listed = cli("token", "list")
    assert token_id in listed.stdout and product_token["token_id"] in listed.stdout
    assert "mgv_" not in listed.stdout
    rows = json.loads(cli("token", "list", "--json").stdout)
    assert [(r["token_id"], r["domain"], r["product"]) for r in rows] == [
        (product_token["token_id"], "finance", "revenue"),
        (token_id, "sales", None),
    ]
    assert not any("secret" in key for row in rows for key in row)

    service = MeshgovService.open(tmp_path)
    assert service.tokens.verify(secret).domain == "sales"
    revoked = cli("token", "revoke", token_id, "--as", "ana@example.com")
    assert revoked.exit_code == 0 and f"revoked token {token_id}" in revoked.stdout
    assert service.tokens.verify(secret) is None
    assert token_id not in cli("token", "list").stdout
    everything = json.loads(cli("token", "list", "--all", "--json").stdout)
    assert {r["token_id"]: r["revoked_by"] for r in everything} == {
        product_token["token_id"]: None,
        token_id: "ana@example.com",
    }
    again = cli("token", "revoke", token_id, "--as", "ana@example.com")
    assert again.exit_code == 2 and "already revoked" in again.stderr
    assert service.ledger.verify().ok
    service.store.dispose()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["create", "--domain", "finance", "--name", "x", "--as", "ana@example.com"],
            3,
            "refused:",
        ),
        (["revoke", "tok-00000000", "--as", "ana@example.com"], 2, "no ingest token"),
        (["create", "--product", "ghost", "--name", "x", "--as", "ana@example.com"], 2, "ghost"),
        (["create", "--name", "x", "--as", "ana@example.com"], 2, "--domain or --product"),
        (["create", "--domain", "sales", "--name", "x"], 2, "say who acts"),
    ],
    ids=["other-domain", "unknown-token", "unknown-product", "no-scope", "nobody"],
)
def test_token_commands_refuse_with_the_boards_exit_codes(cli, args, code, message):
    result = cli("token", *args)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "mgv_" not in result.output


# --- the migration ----------------------------------------------------------------------


def test_a_0005_store_upgrades_to_hold_tokens_and_downgrades_again(store_url, tmp_path, mesh_dir):
    store = Store(store_url)
    database = sqlite_file(store_url)
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
    config = _alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
    assert "ingest_tokens" not in inspect(store.engine).get_table_names()

    assert store.init() == ("0005", head_revision())

    assert "ingest_tokens" in inspect(store.engine).get_table_names()
    workspace = Workspace(root=tmp_path, db_url=store_url, settings=write_settings(tmp_path))
    service = MeshgovService(workspace, store=store)
    service.registration.register([mesh_dir])
    _, secret = service.tokens.create(
        service.board.principal("admin@example.com"), name="t", domain="sales"
    )
    assert service.tokens.verify(secret) is not None
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    assert "ingest_tokens" not in inspect(store.engine).get_table_names()
    store.dispose()
