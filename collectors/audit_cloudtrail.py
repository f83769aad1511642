"""AWS CloudTrail log files (``{"Records": [...]}``), for the audit_logs collector.

Per record: ``eventTime`` (ISO 8601, UTC 'Z'), ``eventSource`` and ``eventName`` are
required; the action is IAM-style ``<service>:<eventName>`` (``s3:GetObject``); the event
id is ``eventID``. The actor is the most specific readable name in ``userIdentity``:
``userName`` (IAM users), else ``arn`` (assumed roles: role and session), else
``sessionContext.sessionIssuer.userName``, ``principalId``, ``invokedBy`` (AWS services),
``accountId``. ``readOnly`` is taken as written; when absent, calls named Get*, List*,
Describe*, Head* (and Scan, Query, Select*, BatchGet*, Lookup*) count as reads.
The resource is the first ``resources[].ARN``, else built from ``requestParameters``
(``bucketName`` + ``key`` as ``s3://bucket/key``, ``tableName``, Glue ``databaseName`` +
``name``/``tableName``, ``functionName``, ...), else the service itself (``eventSource``).
Failed calls (``errorCode``) are kept: a denied attempt is audit evidence too.
CloudTrail Insights records are skipped; digest files are not evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from collectors import SourceContext
from collectors.json_lines import json_type, parse_zoned_time
from governance.errors import CollectorParseError, MeshgovError
from governance.model.records import AuditEvent

_READ_PREFIXES = ("Get", "List", "Describe", "Head", "Select", "BatchGet", "Lookup")
_READ_NAMES = {"Scan", "Query"}
_DETAIL_KEYS = (
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "eventType",
    "eventCategory",
    "recipientAccountId",
    "managementEvent",
)
# Request parameters that name a single resource, in the order they are tried.
_NAMED_PARAMETERS = (
    "tableName",
    "functionName",
    "queueUrl",
    "topicArn",
    "streamName",
    "deliveryStreamName",
    "secretId",
    "keyId",
    "roleName",
    "userName",
    "policyArn",
    "workGroup",
    "clusterIdentifier",
    "dBInstanceIdentifier",
)
_DIGEST_KEYS = {"digestStartTime", "digestEndTime", "digestS3Bucket"}


def is_digest(document: dict[str, Any]) -> bool:
    """CloudTrail writes digest files (hashes of log files) beside the logs in S3."""
    return len(_DIGEST_KEYS & document.keys()) >= 2 and "Records" not in document


def parse_cloudtrail(
    document: dict[str, Any], source: SourceContext
) -> Iterator[tuple[str, AuditEvent | CollectorParseError]]:
    """Each record's position and event, or the problem with it."""
    records = document.get("Records")
    if not isinstance(records, list):
        raise CollectorParseError(f"'Records' must be a list, found {json_type(records)}")
    for index, record in enumerate(records):
        where = f"Records[{index}]"
        if not isinstance(record, dict):
            yield (
                where,
                CollectorParseError(f"expected an object, found {json_type(record)}", where),
            )
            continue
        if record.get("eventType") == "AwsCloudTrailInsight":
            continue  # an anomaly summary CloudTrail computed, not an API call someone made
        try:
            yield where, _event(record, source)
        except _FieldError as exc:
            yield where, CollectorParseError(str(exc), where)


class _FieldError(MeshgovError, ValueError):
    """A record field that cannot be read: 'eventTime is missing', 'readOnly: expected ...'."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field} {reason}" if reason.startswith("is ") else f"{field}: {reason}")


def _event(record: dict[str, Any], source: SourceContext) -> AuditEvent:
    if "eventTime" not in record:
        raise _FieldError("eventTime", "is missing")
    try:
        time = parse_zoned_time(record["eventTime"])
    except ValueError as exc:
        raise _FieldError("eventTime", str(exc)) from None
    event_name = _required_text(record, "eventName")
    event_source = _required_text(record, "eventSource")
    event_id = record.get("eventID")
    if event_id is not None and (not isinstance(event_id, str) or not event_id):
        raise _FieldError("eventID", f"expected a string, found {json_type(event_id)}")
    actor = _actor(record.get("userIdentity"))
    read_only = record.get("readOnly")
    inferred = read_only is None
    if inferred:
        read_only = event_name.startswith(_READ_PREFIXES) or event_name in _READ_NAMES
    elif not isinstance(read_only, bool):
        raise _FieldError("readOnly", f"expected true or false, found {json_type(read_only)}")
    resource, candidates = _resource(record, event_source)
    service = event_source.split(".", 1)[0]
    details: dict[str, Any] = {
        "event_source": event_source,
        "event_name": event_name,
        "identity_type": record["userIdentity"].get("type"),
    }
    if inferred:
        details["read_only_inferred"] = True
    for key in _DETAIL_KEYS:
        if isinstance(record.get(key), str | bool | int | float):
            details[key] = record[key]
    return AuditEvent(
        product_id=source.attribute(*candidates),
        time=time,
        actor=actor,
        action=f"{service}:{event_name}",
        resource=resource,
        read_only=bool(read_only),
        source_tool="cloudtrail",
        source=source.path,
        event_id=event_id,
        details=details,
    )


def _required_text(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if value is None:
        raise _FieldError(key, "is missing")
    if not isinstance(value, str) or not value.strip():
        raise _FieldError(key, f"expected a non-empty string, found {json_type(value)}")
    return value


def _actor(identity: Any) -> str:
    if not isinstance(identity, dict):
        found = "missing" if identity is None else f"{json_type(identity)}, not an object"
        raise _FieldError("userIdentity", f"is {found}")
    context = identity.get("sessionContext")
    issuer = context.get("sessionIssuer") if isinstance(context, dict) else None
    candidates = (
        identity.get("userName"),
        identity.get("arn"),
        issuer.get("userName") if isinstance(issuer, dict) else None,
        identity.get("principalId"),
        identity.get("invokedBy"),
        identity.get("accountId"),
    )
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return candidate
    raise _FieldError("userIdentity", "names nobody (no userName, arn, principalId, invokedBy)")


def _resource(record: dict[str, Any], event_source: str) -> tuple[str, list[str | None]]:
    """The resource as shown, and the names the product directory may know it by."""
    resources = record.get("resources")
    arns = [
        r["ARN"]
        for r in (resources if isinstance(resources, list) else [])
        if isinstance(r, dict) and isinstance(r.get("ARN"), str) and r["ARN"]
    ]
    parameters = record.get("requestParameters")
    parameters = parameters if isinstance(parameters, dict) else {}
    bucket, key = _text(parameters.get("bucketName")), _text(parameters.get("key"))
    candidates: list[str | None] = []
    for arn in arns:
        candidates.extend(_arn_aliases(arn))
    if bucket:
        candidates.extend(_s3_aliases(bucket, key))
    database = _text(parameters.get("databaseName"))
    table = _text(parameters.get("tableName")) or _text(parameters.get("name"))
    if database and table:
        candidates.append(f"{database}.{table}")
    named = [_text(parameters.get(k)) for k in _NAMED_PARAMETERS]
    candidates.extend(named)
    if arns:
        shown = arns[0]
    elif bucket:
        shown = f"s3://{bucket}/{key}" if key else f"s3://{bucket}"
    elif database and table:
        shown = f"{database}.{table}"
    else:
        shown = next((n for n in named if n), None) or database or event_source
    return shown, [shown, *candidates]


def _arn_aliases(arn: str) -> list[str]:
    # arn:partition:service:region:account:resource; S3 ARNs name bucket[/key] with no region.
    match = re.match(r"^arn:[^:]*:s3:::([^/]+)(?:/(.*))?$", arn)
    if match:
        return [arn, *_s3_aliases(match.group(1), match.group(2))]
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "dynamodb" and parts[5].startswith("table/"):
        return [arn, parts[5].split("/")[1]]
    return [arn]


def _s3_aliases(bucket: str, key: str | None) -> list[str]:
    """s3://bucket/a/b/c.parquet, then its folders up to the bucket: locations a port declares."""
    aliases = []
    if key:
        segments = key.strip("/").split("/")
        for end in range(len(segments), 0, -1):
            aliases.append(f"s3://{bucket}/{'/'.join(segments[:end])}")
    aliases.extend([f"s3://{bucket}", bucket])
    return aliases


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
