"""meshgov on Airflow: register → collect in SHARDS parallel pods → evaluate → audit verify.

Each task is a pod of the meshgov image in the `meshgov` namespace (KubernetesPodOperator from
apache-airflow-providers-cncf-kubernetes), with the same ConfigMaps and Secrets as the
Kubernetes manifests in deploy/kubernetes. Unlike CronJobs on offset schedules, evaluate starts
only when every shard has finished. `meshgov evaluate` runs the review triggers itself, so a
separate `meshgov board sync` is only needed after a policy change without a new evaluation.

Shards are 1-based: `meshgov collect --shard i/n` with i in 1..n (collectors/sources.py).

Airflow's own lineage (apache-airflow-providers-openlineage) goes to meshgov's ingest server
when the Airflow containers have OPENLINEAGE_URL and OPENLINEAGE_API_KEY: see
openlineage-values.yaml next to this file.
"""

from __future__ import annotations

import pendulum
from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.cncf.kubernetes.secret import Secret
from kubernetes.client import models as k8s

NAMESPACE = "meshgov"
IMAGE = "registry.example.com/meshgov:0.1.0"
SHARDS = 4

# MESHGOV_DB_URL from the Secret, never from Airflow Variables or the task's logs.
DB_URL = Secret("env", "MESHGOV_DB_URL", "meshgov-db", "url")
WEBHOOK_URL = Secret("env", "MESHGOV_WEBHOOK_URL", "meshgov-webhook", "url")

VOLUMES = [
    k8s.V1Volume(name="workspace", empty_dir=k8s.V1EmptyDirVolumeSource()),
    k8s.V1Volume(name="tmp", empty_dir=k8s.V1EmptyDirVolumeSource()),
    k8s.V1Volume(name="config", config_map=k8s.V1ConfigMapVolumeSource(name="meshgov-config")),
    k8s.V1Volume(
        name="mesh",
        persistent_volume_claim=k8s.V1PersistentVolumeClaimVolumeSource(
            claim_name="meshgov-mesh", read_only=True
        ),
    ),
]
VOLUME_MOUNTS = [
    k8s.V1VolumeMount(name="workspace", mount_path="/workspace"),
    k8s.V1VolumeMount(name="tmp", mount_path="/tmp"),
    k8s.V1VolumeMount(name="config", mount_path="/etc/meshgov", read_only=True),
    k8s.V1VolumeMount(name="mesh", mount_path="/mesh", read_only=True),
]
# The workspace's meshgov.yaml is rendered from the ConfigMap first (adds the webhook URL when
# the pod has MESHGOV_WEBHOOK_URL), then the meshgov command runs on it.
RENDER = "meshgov-render-config /etc/meshgov/meshgov.yaml /workspace/meshgov.yaml"


def meshgov_pod(task_id: str, command: str, *, webhook: bool = False) -> KubernetesPodOperator:
    """One task: a pod running `command` (a meshgov command line) after rendering meshgov.yaml."""
    return KubernetesPodOperator(
        task_id=task_id,
        name=f"meshgov-{task_id.replace('_', '-')}",
        namespace=NAMESPACE,
        image=IMAGE,
        cmds=["sh", "-c"],
        arguments=[f"{RENDER} && exec {command}"],
        env_from=[k8s.V1EnvFromSource(config_map_ref=k8s.V1ConfigMapEnvSource(name="meshgov-env"))],
        secrets=[DB_URL, WEBHOOK_URL] if webhook else [DB_URL],
        volumes=VOLUMES,
        volume_mounts=VOLUME_MOUNTS,
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": "500m", "memory": "512Mi"}, limits={"memory": "2Gi"}
        ),
        security_context=k8s.V1PodSecurityContext(run_as_non_root=True, run_as_user=10001),
        get_logs=True,
        on_finish_action="delete_pod",
    )


with DAG(
    dag_id="meshgov",
    description="Collect governance evidence in shards, then evaluate the mesh",
    schedule="0 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # like the CronJobs' concurrencyPolicy: Forbid
    default_args={"retries": 1, "retry_delay": pendulum.duration(minutes=5)},
    tags=["meshgov", "governance"],
) as dag:
    register = meshgov_pod("register", "meshgov register /mesh/products")
    collect = [
        meshgov_pod(f"collect_shard_{i}", f"meshgov collect --shard {i}/{SHARDS} --json")
        for i in range(1, SHARDS + 1)
    ]
    evaluate = meshgov_pod("evaluate", "meshgov evaluate --json", webhook=True)
    audit_verify = meshgov_pod("audit_verify", "meshgov audit verify --json")

    register >> collect
    for shard in collect:
        shard >> evaluate
    evaluate >> audit_verify
