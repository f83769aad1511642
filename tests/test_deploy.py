"""The deployment examples (deploy/, docs/deploy.md) parse, lint and agree with the CLI.

Nothing here talks to a cluster: the manifests are linted, not applied.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import py_compile
import re
import shlex
import sys
import types
from pathlib import Path
from unittest import mock
from urllib.parse import urljoin, urlsplit

import pytest
import typer
import yaml
from yamllint import linter
from yamllint.config import YamlLintConfig

from collectors.sources import Shard
from governance.cli import app

ROOT = Path(__file__).parent.parent
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
DOC = ROOT / "docs" / "deploy.md"
DAG = DEPLOY / "airflow" / "meshgov_dag.py"
OPENLINEAGE_VALUES = DEPLOY / "airflow" / "openlineage-values.yaml"
OTEL_CONFIG = DEPLOY / "otel" / "otel-collector-config.yaml"
OTEL_LOGS_OVERLAY = DEPLOY / "otel" / "meshgov-logs.yaml"

YAML_FILES = sorted(
    [p for p in DEPLOY.rglob("*") if p.suffix in (".yaml", ".yml")] + [DEPLOY / ".yamllint"]
)
MANIFEST_FILES = sorted(KUBERNETES.rglob("*.yaml"))


def documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


def manifests() -> list[tuple[Path, dict]]:
    return [(path, doc) for path in MANIFEST_FILES for doc in documents(path)]


def of_kind(kind: str) -> list[dict]:
    return [doc for _, doc in manifests() if doc["kind"] == kind]


def pod_spec(doc: dict) -> dict | None:
    """The pod spec of a Deployment, Job or CronJob (None for other kinds)."""
    if doc["kind"] in ("Deployment", "Job"):
        return doc["spec"]["template"]["spec"]
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return None


def job_spec(doc: dict) -> dict:
    return doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"]


def containers(doc: dict) -> list[dict]:
    spec = pod_spec(doc) or {}
    return list(spec.get("initContainers") or []) + list(spec.get("containers") or [])


def command_lines(container: dict) -> list[list[str]]:
    """The container's command as token lists; `sh -c SCRIPT` is split into its commands."""
    argv = [str(a) for a in (container.get("command") or []) + (container.get("args") or [])]
    if argv[:2] in (["sh", "-c"], ["bash", "-c"]):
        return [shlex.split(part) for part in re.split(r"&&|;|\|\||\|", " ".join(argv[2:]))]
    return [argv]


# ---- the CLI's command tree (as tests/test_docs.py reads it for the README)


def cli_commands() -> dict[tuple[str, ...], object]:
    """Every command path (e.g. ("audit", "verify")) and its click command, groups included."""
    found: dict[tuple[str, ...], object] = {}

    def walk(group: object, prefix: tuple[str, ...]) -> None:
        for name, command in group.commands.items():
            found[(*prefix, name)] = command
            if hasattr(command, "commands"):
                walk(command, (*prefix, name))

    walk(typer.main.get_command(app), ())
    return found


COMMANDS = cli_commands()


def invocation(tokens: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """Split tokens after `meshgov` into the command path and its remaining arguments."""
    path: tuple[str, ...] = ()
    for token in tokens:
        if (*path, token) in COMMANDS:
            path = (*path, token)
            if not hasattr(COMMANDS[path], "commands"):
                break
        else:
            break
    return path, tokens[len(path) :]


def meshgov_invocations(tokens: list[str]) -> list[list[str]]:
    """The token lists that follow each `meshgov` in a command line."""
    stops = {">", ">>", "2>", "&&", "||", ";", "|", "&"}
    found = []
    for index, token in enumerate(tokens):
        if token == "meshgov":
            rest = []
            for word in tokens[index + 1 :]:
                if word in stops or word.startswith(">"):
                    break
                rest.append(word)
            found.append(rest)
    return found


def check_invocation(rest: list[str], where: str) -> tuple[str, ...]:
    """Assert that `meshgov REST...` names a command and only options it has; return its path."""
    path, arguments = invocation(rest)
    assert path, f"{where}: `meshgov {' '.join(rest)}` names no meshgov command"
    command = COMMANDS[path]
    assert not hasattr(command, "commands"), f"{where}: `meshgov {' '.join(path)}` is a group"
    options = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    for word in arguments:
        flag = word.split("=", 1)[0]
        if flag.startswith("-"):
            assert flag in options, f"{where}: `meshgov {' '.join(path)}` has no option {flag}"
    return path


# ---- YAML: parses, lints, looks like Kubernetes


def test_deploy_has_the_promised_files():
    for name in (
        "Dockerfile",
        ".yamllint",
        "render_config.py",
        "airflow/meshgov_dag.py",
        "otel/otel-collector-config.yaml",
        "otel/meshgov-logs.yaml",
        "airflow/openlineage-values.yaml",
        "kubernetes/50-ingest-server.yaml",
        "postgres/bootstrap.sql",
        "postgres/app-grants.sql",
    ):
        assert (DEPLOY / name).is_file(), name
    kinds = {doc["kind"] for _, doc in manifests()}
    expected = {"Namespace", "ConfigMap", "Secret", "Job", "Deployment", "Service", "Ingress"}
    assert expected | {"CronJob"} <= kinds


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_yaml_parses_and_passes_yamllint(path: Path):
    text = path.read_text(encoding="utf-8")
    list(yaml.safe_load_all(text))
    config = YamlLintConfig(file=str(DEPLOY / ".yamllint"))
    problems = [f"{p.line}:{p.column} {p.level} {p.message}" for p in linter.run(text, config)]
    assert problems == []


def test_every_manifest_names_its_api_kind_and_name():
    for path, doc in manifests():
        where = f"{path.relative_to(ROOT)}"
        assert isinstance(doc, dict), where
        assert doc.get("apiVersion") and doc.get("kind"), where
        assert (doc.get("metadata") or {}).get("name"), f"{where}: {doc.get('kind')} has no name"
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "meshgov", f"{where}: {doc['kind']}"


def test_containers_use_the_meshgov_image_or_the_collector():
    images = {c["image"] for _, doc in manifests() for c in containers(doc)}
    meshgov_images = {i for i in images if "/meshgov:" in i}
    assert len(meshgov_images) == 1, "the migration Job, app and jobs must run the same image"
    assert not any(i.endswith(":latest") or ":" not in i for i in images)


# ---- meshgov commands in manifests, the DAG and the docs exist in the CLI


def manifest_invocations() -> list[tuple[str, list[str]]]:
    found = []
    for path, doc in manifests():
        for container in containers(doc):
            for line in command_lines(container):
                for rest in meshgov_invocations(line):
                    found.append(
                        (f"{path.name} {doc['metadata']['name']}/{container['name']}", rest)
                    )
    return found


def test_every_meshgov_command_in_the_manifests_exists():
    used = {check_invocation(rest, where) for where, rest in manifest_invocations()}
    assert {("init",), ("serve",), ("register",), ("collect",), ("evaluate",)} <= used
    assert {("audit", "verify"), ("ingest-server",)} <= used


DOC_COMMAND = re.compile(
    r"(?:^|\$ |&& |; |\| |exec |until |\(|\")[ \t]*meshgov((?:[ \t]+[a-z][a-z-]*){1,2})", re.M
)


def doc_code(text: str) -> list[str]:
    """The fenced code blocks and inline code spans of a Markdown text."""
    fence = r"^[ \t]*```[^\n]*\n(.*?)^[ \t]*```"
    fenced = re.findall(fence, text, re.M | re.S)
    prose = re.sub(fence, "", text, flags=re.M | re.S)
    return fenced + re.findall(r"`([^`]+)`", prose)


def test_every_meshgov_command_in_the_deploy_doc_exists():
    used = set()
    for code in doc_code(DOC.read_text(encoding="utf-8")):
        for match in DOC_COMMAND.finditer(code):
            words = match[1].split()
            path, _ = invocation(words)
            where = f"docs/deploy.md: `meshgov {' '.join(words)}`"
            assert path, f"{where} names no meshgov command"
            assert not hasattr(COMMANDS[path], "commands"), f"{where}: a group needs a subcommand"
            used.add(path)
    expected = {("init",), ("serve",), ("collect",), ("evaluate",), ("audit", "verify")}
    assert expected | {("board", "sync"), ("register",)} <= used
    assert {("ingest-server",), ("token", "create"), ("token", "revoke"), ("upload",)} <= used


def test_meshgov_env_names_are_ones_meshgov_reads():
    sources = "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "governance").rglob("*.py")
    ) + (DEPLOY / "render_config.py").read_text(encoding="utf-8")
    names = set()
    for _, doc in manifests():
        for container in containers(doc):
            names |= {e["name"] for e in container.get("env") or []}
        if doc["kind"] == "ConfigMap":
            names |= set((doc.get("data") or {}).keys())
    meshgov_names = {n for n in names if n.startswith("MESHGOV_")}
    assert {"MESHGOV_DB_URL", "MESHGOV_OTEL_EXPORTER", "MESHGOV_WORKSPACE"} <= meshgov_names
    assert [n for n in meshgov_names if n not in sources] == []


# ---- shards


def shard_arguments(rest: list[str]) -> str | None:
    for index, word in enumerate(rest):
        if word == "--shard":
            return rest[index + 1]
        if word.startswith("--shard="):
            return word.split("=", 1)[1]
    return None


def test_shard_arguments_match_the_jobs_parallelism():
    checked = 0
    for path, doc in manifests():
        if doc["kind"] not in ("Job", "CronJob"):
            continue
        spec = job_spec(doc)
        for container in containers(doc):
            for line in command_lines(container):
                for rest in meshgov_invocations(line):
                    shard = shard_arguments(rest)
                    if shard is None:
                        continue
                    where = f"{path.name} {doc['metadata']['name']}: --shard {shard}"
                    index, _, count = shard.partition("/")
                    parallelism = spec.get("parallelism", 1)
                    assert int(count) == parallelism, where
                    if "JOB_COMPLETION_INDEX" in index:
                        # Kubernetes counts 0..n-1, meshgov's shards are 1..n.
                        assert index == "$((JOB_COMPLETION_INDEX + 1))", where
                        assert spec.get("completionMode") == "Indexed", where
                        assert spec.get("completions") == parallelism, where
                        shards = [f"{k + 1}/{count}" for k in range(spec["completions"])]
                    else:
                        shards = [shard]
                    assert [str(Shard.parse(s).index) for s in shards], where
                    checked += 1
    assert checked >= 1


def test_shard_syntax_is_one_based():
    assert Shard.parse("1/4").index == 1 and Shard.parse("4/4").index == 4
    for wrong in ("0/4", "5/4"):
        with pytest.raises(ValueError):
            Shard.parse(wrong)


def test_schedules_forbid_overlapping_runs():
    cronjobs = of_kind("CronJob")
    assert cronjobs
    assert [
        c["metadata"]["name"] for c in cronjobs if c["spec"].get("concurrencyPolicy") != "Forbid"
    ] == []


# ---- secrets stay out of ConfigMaps


SECRET_LOOKING = re.compile(
    r"://[^/\s:@]+:[^@\s]+@|password|client_secret|cookie_secret|hooks\.slack\.com|change-me",
    re.IGNORECASE,
)


def secret_values() -> list[str]:
    values = []
    for secret in of_kind("Secret"):
        values += [str(v) for v in (secret.get("stringData") or {}).values()]
        values += [str(v) for v in (secret.get("data") or {}).values()]
    return values


def test_secret_templates_hold_placeholders_only():
    for secret in of_kind("Secret"):
        for key, value in (secret.get("stringData") or {}).items():
            assert "CHANGE-ME" in str(value), f"{secret['metadata']['name']}.{key}"
        assert not secret.get("data"), "templates use stringData with placeholders"
    for path in MANIFEST_FILES:
        if any(doc["kind"] == "Secret" for doc in documents(path)):
            assert path.parent.name == "secrets", f"{path}: keep Secrets out of `kubectl apply -f`"


def test_no_secret_value_appears_in_a_configmap():
    secrets = secret_values()
    assert secrets
    for configmap in of_kind("ConfigMap"):
        for key, value in (configmap.get("data") or {}).items():
            where = f"ConfigMap {configmap['metadata']['name']} {key}"
            assert [s for s in secrets if s in value] == [], where
            assert not SECRET_LOOKING.search(re.sub(r"#.*", "", value)), where
            assert not SECRET_LOOKING.search(key), where


def test_the_workspace_file_in_the_configmap_has_no_secrets():
    [configmap] = [c for c in of_kind("ConfigMap") if "meshgov.yaml" in c.get("data", {})]
    settings = yaml.safe_load(configmap["data"]["meshgov.yaml"])
    assert "url" not in (settings.get("store") or {})
    assert "url" not in ((settings.get("notifications") or {}).get("webhook") or {})
    assert "dev_identities" not in (settings.get("app") or {})


def test_secret_env_comes_from_secrets():
    sensitive = re.compile(r"DB_URL|WEBHOOK|SECRET|PASSWORD|TOKEN|HEADERS", re.IGNORECASE)
    for _, doc in manifests():
        for container in containers(doc):
            for env in container.get("env") or []:
                if sensitive.search(env["name"]):
                    where = f"{doc['metadata']['name']}/{container['name']} {env['name']}"
                    assert "value" not in env, where
                    assert env["valueFrom"].get("secretKeyRef"), where


def test_only_the_migration_job_uses_the_owner_url():
    for _, doc in manifests():
        for container in containers(doc):
            for env in container.get("env") or []:
                ref = (env.get("valueFrom") or {}).get("secretKeyRef") or {}
                if ref.get("key") == "migrate-url":
                    assert doc["kind"] == "Job" and container["command"] == ["meshgov", "init"]


# ---- the app behind the load balancer


def test_app_runs_replicas_with_health_probes():
    [deployment] = [d for d in of_kind("Deployment") if d["metadata"]["name"] == "meshgov-app"]
    assert deployment["spec"]["replicas"] >= 2
    [app_container] = deployment["spec"]["template"]["spec"]["containers"]
    assert app_container["command"][:2] == ["meshgov", "serve"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert app_container[probe]["httpGet"]["path"] == "/_stcore/health"
    assert app_container["resources"]["requests"] and app_container["resources"]["limits"]


def test_every_pod_runs_unprivileged():
    for path, doc in manifests():
        spec = pod_spec(doc)
        if spec is None:
            continue
        where = f"{path.name} {doc['metadata']['name']}"
        assert spec["securityContext"]["runAsNonRoot"] is True, where
        for container in containers(doc):
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, f"{where}/{container['name']}"
            assert context["readOnlyRootFilesystem"] is True, f"{where}/{container['name']}"
            assert context["capabilities"]["drop"] == ["ALL"], f"{where}/{container['name']}"
            assert container["resources"]["limits"]["memory"], f"{where}/{container['name']}"


def test_ingress_keeps_sessions_sticky():
    [ingress] = [i for i in of_kind("Ingress") if i["metadata"]["name"] == "meshgov-app"]
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    # Strict cookies are not sent on the identity provider's redirect to /oauth2callback.
    assert annotations["nginx.ingress.kubernetes.io/session-cookie-samesite"] != "Strict"
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) > 60


# ---- the ingest server (push ingestion)


def named(kind: str, name: str) -> dict:
    [doc] = [d for d in of_kind(kind) if d["metadata"]["name"] == name]
    return doc


def option(argv: list[str], flag: str) -> str | None:
    """The value of `--flag VALUE` or `--flag=VALUE` in argv, None when absent."""
    for index, word in enumerate(argv):
        if word == flag:
            return argv[index + 1]
        if word.startswith(f"{flag}="):
            return word.split("=", 1)[1]
    return None


def nginx_size(value: str) -> int:
    """Bytes of an nginx size (`64m`, `512k`, `1g`, `1048576`)."""
    match = re.fullmatch(r"(\d+)([kmg]?)", value.strip().lower())
    assert match, f"not an nginx size: {value!r}"
    return int(match[1]) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match[2]]


def ingest_container() -> dict:
    [container] = pod_spec(named("Deployment", "meshgov-ingest"))["containers"]
    return container


def test_ingest_manifest_matches_the_server():
    # The server's own constants (governance/ingest/__init__.py), so a change there fails here.
    from governance.ingest import DEFAULT_PORT, HEALTH_PATH, READY_PATH

    container = ingest_container()
    argv = [str(word) for word in container["command"]]
    assert argv[:2] == ["meshgov", "ingest-server"]
    # Inside a pod the server must listen on every interface, not on localhost.
    assert option(argv, "--host") == "0.0.0.0"
    port = int(option(argv, "--port") or DEFAULT_PORT)
    assert port == DEFAULT_PORT
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["http"] == port

    probes = {kind: container[kind]["httpGet"] for kind in ("startupProbe", "livenessProbe")}
    probes["readinessProbe"] = container["readinessProbe"]["httpGet"]
    for kind, probe in probes.items():
        assert ports.get(probe["port"], probe["port"]) == port, kind
    assert probes["readinessProbe"]["path"] == READY_PATH
    # Liveness on /readyz would restart every replica whenever the database is away.
    assert probes["livenessProbe"]["path"] == HEALTH_PATH
    assert probes["startupProbe"]["path"] == HEALTH_PATH

    service = named("Service", "meshgov-ingest")
    assert service["spec"]["selector"] == pod_template_labels("meshgov-ingest")
    [service_port] = service["spec"]["ports"]
    assert ports.get(service_port["targetPort"], service_port["targetPort"]) == port
    assert service_port["port"] == DEFAULT_PORT  # http://meshgov-ingest:8700 in the docs


def pod_template_labels(deployment: str) -> dict:
    return named("Deployment", deployment)["spec"]["template"]["metadata"]["labels"]


def test_ingest_replicas_only_on_postgresql():
    deployment = named("Deployment", "meshgov-ingest")
    container = ingest_container()
    [db] = [e for e in container["env"] if e["name"] == "MESHGOV_DB_URL"]
    ref = db["valueFrom"]["secretKeyRef"]
    assert (ref["name"], ref["key"]) == ("meshgov-db", "url")
    [secret] = [s for s in of_kind("Secret") if s["metadata"]["name"] == ref["name"]]
    scheme = urlsplit(secret["stringData"][ref["key"]]).scheme
    # SQLite takes one writer; on PostgreSQL each request writes in its own transactions.
    if scheme.startswith("sqlite"):
        assert deployment["spec"]["replicas"] == 1
    else:
        assert scheme.startswith("postgresql")
        assert deployment["spec"]["replicas"] >= 2
        assert named("PodDisruptionBudget", "meshgov-ingest")["spec"]["minAvailable"] >= 1
    assert container["resources"]["requests"] and container["resources"]["limits"]


def test_ingest_ingress_terminates_tls_and_lets_the_bodies_through():
    ingress = named("Ingress", "meshgov-ingest")
    hosts = {rule["host"] for rule in ingress["spec"]["rules"]}
    # Bearer tokens must not cross the network in clear: every host has a certificate.
    assert hosts <= {h for tls in ingress["spec"]["tls"] for h in tls["hosts"]}
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            assert path["backend"]["service"]["name"] == "meshgov-ingest"
    annotations = ingress["metadata"]["annotations"]
    # ingress-nginx refuses bodies over 1 MiB by default, before meshgov sees them.
    limit = nginx_size(annotations["nginx.ingress.kubernetes.io/proxy-body-size"])
    max_body = option([str(w) for w in ingest_container()["command"]], "--max-body-bytes")
    assert max_body is not None and limit >= int(max_body)
    assert "nginx.ingress.kubernetes.io/affinity" not in annotations


# ---- telemetry


def test_otel_collector_config_is_the_one_in_the_manifest():
    standalone = yaml.safe_load((DEPLOY / "otel" / "otel-collector-config.yaml").read_text())
    [configmap] = [
        c for c in of_kind("ConfigMap") if c["metadata"]["name"] == "otel-collector-config"
    ]
    assert yaml.safe_load(configmap["data"]["config.yaml"]) == standalone
    assert "otlp" in standalone["receivers"]
    for pipeline in standalone["service"]["pipelines"].values():
        assert "otlp" in pipeline["receivers"]


def test_meshgov_points_at_the_collectors_otlp_http_port():
    [env] = [c for c in of_kind("ConfigMap") if c["metadata"]["name"] == "meshgov-env"]
    assert env["data"]["MESHGOV_OTEL_EXPORTER"] == "otlp"
    endpoint = urlsplit(env["data"]["OTEL_EXPORTER_OTLP_ENDPOINT"])
    [service] = [s for s in of_kind("Service") if s["metadata"]["name"] == "otel-collector"]
    assert endpoint.hostname.split(".")[0] == service["metadata"]["name"]
    http_port = next(p["port"] for p in service["spec"]["ports"] if p["name"] == "otlp-http")
    # meshgov's exporters are OTLP over HTTP (governance/telemetry.py), not gRPC.
    assert endpoint.port == http_port


def merged_collector_config(base: dict, overlay: dict) -> dict:
    """What the Collector makes of `--config=base --config=overlay`: maps merge, the rest is replaced."""
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merged_collector_config(merged[key], value)
        else:
            merged[key] = value
    return merged


def test_otel_logs_overlay_sends_logs_to_the_ingest_server():
    base = yaml.safe_load(OTEL_CONFIG.read_text(encoding="utf-8"))
    overlay = yaml.safe_load(OTEL_LOGS_OVERLAY.read_text(encoding="utf-8"))
    merged = merged_collector_config(base, overlay)
    for name, pipeline in merged["service"]["pipelines"].items():
        for part in ("receivers", "processors", "exporters"):
            undefined = [c for c in pipeline.get(part, []) if c not in merged[part]]
            assert undefined == [], f"pipeline {name}: {part} {undefined} are not defined"
    # The traces and metrics pipelines stay what they were.
    for name, pipeline in base["service"]["pipelines"].items():
        assert merged["service"]["pipelines"][name] == pipeline

    exporters = {name for name in overlay["exporters"] if name.split("/")[0] == "otlphttp"}
    assert exporters == {"otlphttp/meshgov"}
    exporter = overlay["exporters"]["otlphttp/meshgov"]
    users = [
        n for n, p in merged["service"]["pipelines"].items() if "otlphttp/meshgov" in p["exporters"]
    ]
    # The ingest server takes logs only (/v1/logs), neither traces nor metrics.
    assert users == ["logs"]
    endpoint = urlsplit(exporter["endpoint"])
    service = named("Service", "meshgov-ingest")
    assert endpoint.hostname.split(".")[0] == service["metadata"]["name"]
    assert endpoint.port == service["spec"]["ports"][0]["port"]
    assert endpoint.path in ("", "/")  # the exporter appends /v1/logs
    assert "logs_endpoint" not in exporter or urlsplit(exporter["logs_endpoint"]).path == "/v1/logs"
    # The token comes from the Collector's environment, never written into the file.
    authorization = exporter["headers"]["Authorization"]
    assert re.fullmatch(r"Bearer \$\{env:[A-Z][A-Z0-9_]*\}", authorization), authorization
    # A 413 is not retried: batches have a ceiling.
    [batch] = [p for p in overlay["service"]["pipelines"]["logs"]["processors"] if "batch" in p]
    assert merged["processors"][batch]["send_batch_max_size"] > 0


def test_otel_collector_manifest_loads_the_logs_overlay():
    overlay = yaml.safe_load(OTEL_LOGS_OVERLAY.read_text(encoding="utf-8"))
    configmap = named("ConfigMap", "otel-collector-config")
    assert yaml.safe_load(configmap["data"]["meshgov-logs.yaml"]) == overlay
    [container] = pod_spec(named("Deployment", "otel-collector"))["containers"]
    mount = next(m["mountPath"] for m in container["volumeMounts"] if m["name"] == "config")
    assert f"--config={mount}/meshgov-logs.yaml" in container["args"]
    authorization = overlay["exporters"]["otlphttp/meshgov"]["headers"]["Authorization"]
    variable = re.search(r"\$\{env:(\w+)\}", authorization)[1]
    [env] = [e for e in container.get("env") or [] if e["name"] == variable]
    assert env["valueFrom"]["secretKeyRef"]


# ---- the config renderer


def load_renderer() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("render_config", DEPLOY / "render_config.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_renderer_adds_the_webhook_url_from_the_environment(tmp_path, monkeypatch):
    renderer = load_renderer()
    [configmap] = [c for c in of_kind("ConfigMap") if "meshgov.yaml" in c.get("data", {})]
    source, target = tmp_path / "cm.yaml", tmp_path / "ws" / "meshgov.yaml"
    source.write_text(configmap["data"]["meshgov.yaml"])

    monkeypatch.setenv("MESHGOV_WEBHOOK_URL", "https://hooks.example/T/B/token")
    assert renderer.main(["x", str(source), str(target)]) == 0
    rendered = yaml.safe_load(target.read_text())
    assert rendered["notifications"]["webhook"]["url"] == "https://hooks.example/T/B/token"
    assert target.stat().st_mode & 0o077 == 0

    monkeypatch.delenv("MESHGOV_WEBHOOK_URL")
    assert renderer.main(["x", str(source), str(target)]) == 0
    assert "notifications" not in yaml.safe_load(target.read_text())

    source.write_text("notifications:\n  webhook: {url: https://hooks.example/T/B/leaked}\n")
    assert renderer.main(["x", str(source), str(target)]) == 2


# ---- the Airflow DAG (compiled and run against stand-ins: airflow is not installed here)


class _Recorded:
    """Stands in for every airflow/kubernetes class the DAG uses; records what it was given."""

    made: list[_Recorded] = []

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs, self.downstream = args, kwargs, []
        _Recorded.made.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __rshift__(self, other):
        for target in other if isinstance(other, list) else [other]:
            self.downstream.append(target)
        return other

    def __rrshift__(self, other):
        for source in other if isinstance(other, list) else [other]:
            source.downstream.append(self)
        return self


def run_dag_with_stand_ins(monkeypatch) -> types.ModuleType:
    recorder = type("Recorded", (_Recorded,), {})
    models = types.ModuleType("kubernetes.client.models")
    models.__getattr__ = lambda name: recorder
    names = {
        "airflow": {"DAG": recorder},
        "airflow.providers": {},
        "airflow.providers.cncf": {},
        "airflow.providers.cncf.kubernetes": {},
        "airflow.providers.cncf.kubernetes.operators": {},
        "airflow.providers.cncf.kubernetes.operators.pod": {"KubernetesPodOperator": recorder},
        "airflow.providers.cncf.kubernetes.secret": {"Secret": recorder},
        "kubernetes": {},
        "kubernetes.client": {"models": models},
        "pendulum": {"datetime": lambda *a, **k: None, "duration": lambda *a, **k: None},
    }
    for name, attributes in names.items():
        module = types.ModuleType(name)
        for key, value in attributes.items():
            setattr(module, key, value)
        monkeypatch.setitem(sys.modules, name, module)
    _Recorded.made = []
    spec = importlib.util.spec_from_file_location("meshgov_dag_under_test", DAG)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dag_compiles_without_airflow(tmp_path):
    py_compile.compile(str(DAG), cfile=str(tmp_path / "meshgov_dag.pyc"), doraise=True)
    tree = ast.parse(DAG.read_text(encoding="utf-8"))
    assigned = {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert isinstance(assigned["SHARDS"], ast.Constant)


def test_dag_collects_every_shard_before_evaluating(monkeypatch):
    module = run_dag_with_stand_ins(monkeypatch)
    tasks = {
        r.kwargs["task_id"]: r
        for r in _Recorded.made
        if "task_id" in r.kwargs and "cmds" in r.kwargs
    }
    commands = {}
    for task_id, task in tasks.items():
        [script] = task.kwargs["arguments"]
        lines = [shlex.split(p) for p in re.split(r"&&|;", script)]
        [rest] = [r for line in lines for r in meshgov_invocations(line)]
        commands[task_id] = (check_invocation(rest, f"DAG task {task_id}"), rest)
    shard_tasks = [t for t, (path, _) in commands.items() if path == ("collect",)]
    shards = sorted(shard_arguments(commands[t][1]) for t in shard_tasks)
    assert shards == sorted(f"{i}/{module.SHARDS}" for i in range(1, module.SHARDS + 1))
    [cronjob] = [c for c in of_kind("CronJob") if c["metadata"]["name"] == "meshgov-collect"]
    assert module.SHARDS == job_spec(cronjob)["parallelism"]
    [evaluate] = [tasks[t] for t, (path, _) in commands.items() if path == ("evaluate",)]
    for task_id in shard_tasks:
        assert evaluate in tasks[task_id].downstream, task_id


# ---- Airflow's lineage to the ingest server (openlineage-python reads the variables)


def test_airflow_values_point_openlineage_at_the_ingest_server(tmp_path, monkeypatch):
    from openlineage.client import OpenLineageClient
    from openlineage.client.transport.http import HttpTransport

    values = yaml.safe_load(OPENLINEAGE_VALUES.read_text(encoding="utf-8"))
    env = {e["name"]: e["value"] for e in values["env"]}
    secrets = {s["envName"]: s for s in values["secret"]}
    # The token reaches the containers from a Secret, never as a plain value.
    assert "OPENLINEAGE_API_KEY" in secrets and "OPENLINEAGE_API_KEY" not in env
    # The provider's own transport setting would win over OPENLINEAGE_URL.
    assert "AIRFLOW__OPENLINEAGE__TRANSPORT" not in env

    url = urlsplit(env["OPENLINEAGE_URL"])
    assert url.scheme == "https"  # the bearer token must not cross the network in clear
    ingress_hosts = {r["host"] for r in named("Ingress", "meshgov-ingest")["spec"]["rules"]}
    assert url.hostname in ingress_hosts

    # What the OpenLineage client makes of these variables, with nothing else configured.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENLINEAGE")}
    given = {k: v for k, v in env.items() if k.startswith("OPENLINEAGE")}
    with mock.patch.dict(
        os.environ, {**clean, **given, "OPENLINEAGE_API_KEY": "s3cr3t"}, clear=True
    ):
        transport = OpenLineageClient().transport
    assert isinstance(transport, HttpTransport)
    assert (
        urljoin(transport.url, transport.endpoint) == f"{url.geturl().rstrip('/')}/api/v1/lineage"
    )
    assert transport.config.auth.get_bearer() == "Bearer s3cr3t"
