"""Deploy template.yaml into an already-active moto, the way `sam deploy` would into AWS.

The template is the single source of truth: it is translated with aws-sam-translator, the code
folders are zipped and staged in S3, and moto's CloudFormation creates the stack. What moto's
CloudFormation ignores is patched afterwards only where local behaviour depends on it (see
``_apply_ignored_properties``); the security properties it ignores are checked by cfn-lint and
checkov instead (infra/lint-template.sh).

Works inside ``moto.mock_aws()`` (default clients are patched) and against a moto server
(pass ``endpoint_url``, e.g. from ``ThreadedMotoServer.get_host_and_port()``).

This package is dev-only: it is never shipped in the Lambda layer.
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import io
import json
import logging
import re
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import boto3
from botocore.exceptions import ClientError
from samtranslator.parser.parser import Parser  # type: ignore[import-untyped]
from samtranslator.translator.translator import Translator  # type: ignore[import-untyped]
from samtranslator.yaml_helper import yaml_parse  # type: ignore[import-untyped]

from remitflow_local import client_validation as remitflow_client_validation
from remitflow_local import moto_condition, moto_dynamodb, moto_sqs, moto_update, moto_wire

__all__ = [
    "DEFAULT_LOCAL_PARAMETERS",
    "LocalFunction",
    "LocalStack",
    "LocalStackError",
    "S3Trigger",
    "SqsTrigger",
    "deploy_local_stack",
    "load_template",
    "translate_template",
]

# Locally the stack is thrown away with the process: deletion protection would only get in the way.
DEFAULT_LOCAL_PARAMETERS: Mapping[str, str] = MappingProxyType({"DeletionProtection": "false"})

# Zipped code never carries build or editor leftovers.
_EXCLUDED_NAMES = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".DS_Store"})
_EXCLUDED_SUFFIXES = (".pyc", ".pyo", ".egg-info")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: same code, same zip, same S3 key

# Logical ids of the resources LocalStack names directly (template.yaml's logical ids).
_INBOX_BUCKET = "InboxBucket"
_ACCESS_LOG_BUCKET = "AccessLogBucket"
_CLAIMS_TABLE = "ClaimsTable"
_REMITTANCES_TABLE = "RemittancesTable"
_FOLLOWUPS_TABLE = "FollowupsTable"
_FOLLOWUP_QUEUE = "FollowupQueue"
_FOLLOWUP_DLQ = "FollowupDeadLetterQueue"
_FUNCTION_FAILURE_QUEUE = "FunctionFailureQueue"
_DATA_KEY = "DataKey"

_Template = dict[str, Any]

_CODE_URI_PROPERTIES = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}


class LocalStackError(RuntimeError):
    """The template could not be turned into a local stack; the message says which part and why."""


@dataclass(frozen=True)
class S3Trigger:
    """One S3 notification rule of a function: which objects of which bucket invoke it."""

    bucket: str
    event: str  # as in the template, e.g. "s3:ObjectCreated:*"
    prefix: str = ""
    suffix: str = ""

    def matches(self, bucket: str, key: str, event_name: str = "ObjectCreated:Put") -> bool:
        """Whether an S3 event record (``eventName`` like "ObjectCreated:Put") fires this rule.

        ``key`` is the plain object key (S3 event records carry it URL-encoded: unquote_plus it).
        """
        wanted = self.event.removeprefix("s3:")
        return (
            bucket == self.bucket
            and key.startswith(self.prefix)
            and key.endswith(self.suffix)
            and fnmatch.fnmatchcase(event_name.removeprefix("s3:"), wanted)
        )


@dataclass(frozen=True)
class SqsTrigger:
    """An SQS event source mapping of a function (disabled in moto: see ``deploy_local_stack``)."""

    queue_url: str
    queue_arn: str
    batch_size: int
    report_batch_item_failures: bool
    event_source_mapping_uuid: str


@dataclass(frozen=True)
class LocalFunction:
    """A Lambda function of the stack, with what a local dispatcher needs to run it in-process."""

    logical_id: str
    name: str
    arn: str
    code_dir: Path
    handler: str  # as in the template: "app.lambda_handler"
    handler_path: Path  # code_dir / "app.py"
    handler_name: str  # "lambda_handler"
    timeout: int
    environment: Mapping[str, str]  # as resolved by the stack (table names, queue URL, ...)
    s3_triggers: tuple[S3Trigger, ...] = ()
    sqs_triggers: tuple[SqsTrigger, ...] = ()


@dataclass(frozen=True)
class LocalStack:
    """Physical names of a stack created from template.yaml in moto."""

    stack_name: str
    region: str
    account_id: str
    template_path: Path
    inbox_bucket: str
    access_log_bucket: str
    claims_table: str
    remittances_table: str
    followups_table: str
    followup_queue_url: str
    followup_dead_letter_queue_url: str
    function_failure_queue_url: str
    kms_key_arn: str
    staging_bucket: str
    functions: Mapping[str, LocalFunction]  # by logical id: "RemittanceIngest", ...
    outputs: Mapping[str, str]
    physical_ids: Mapping[str, str]  # logical id -> physical id, for every resource moto created
    # Resources of the translated template that moto's CloudFormation skipped (logical id -> type).
    not_created: Mapping[str, str] = field(default_factory=dict)
    # Functions/layers whose code folder did not exist: they were deployed with an empty zip.
    missing_code: tuple[str, ...] = ()

    @property
    def table_names(self) -> Mapping[str, str]:
        return {
            _CLAIMS_TABLE: self.claims_table,
            _REMITTANCES_TABLE: self.remittances_table,
            _FOLLOWUPS_TABLE: self.followups_table,
        }

    def functions_for_s3(self, bucket: str, key: str, event_name: str = "ObjectCreated:Put") -> list[LocalFunction]:
        """The functions an S3 event for ``bucket``/``key`` would invoke, in logical-id order."""
        return [
            fn
            for _, fn in sorted(self.functions.items())
            if any(t.matches(bucket, key, event_name) for t in fn.s3_triggers)
        ]

    def functions_for_queue(self, queue: str) -> list[LocalFunction]:
        """The functions fed by the queue with this URL or ARN, in logical-id order."""
        return [
            fn
            for _, fn in sorted(self.functions.items())
            if any(queue in (t.queue_url, t.queue_arn) for t in fn.sqs_triggers)
        ]


# ---------------------------------------------------------------------------- template


def load_template(template_path: Path) -> _Template:
    """Parse a SAM/CloudFormation YAML template, short-form intrinsics (!Ref, !Sub...) included."""
    try:
        parsed = yaml_parse(template_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LocalStackError(f"cannot read template {template_path}: {exc}") from exc
    if not isinstance(parsed, dict) or not isinstance(parsed.get("Resources"), dict):
        raise LocalStackError(f"{template_path} is not a CloudFormation template: no Resources mapping")
    return parsed


def translate_template(
    sam_template: _Template, *, region: str = "us-east-1", parameters: Mapping[str, str] | None = None
) -> _Template:
    """Translate a SAM template to plain CloudFormation, offline.

    The managed-policy loader is a stub (no IAM call): template.yaml attaches no AWS managed
    policies, its roles are explicit. Code URIs that are still local folders (the template as
    written, before ``deploy_local_stack`` stages the code) become placeholder S3 locations,
    {"Bucket": "local-code-not-staged", "Key": <folder>}, as `sam validate` does.
    """
    sam_template = copy.deepcopy(sam_template)
    for resource in sam_template.get("Resources", {}).values():
        uri_property = _CODE_URI_PROPERTIES.get(resource.get("Type"))
        properties = resource.get("Properties") or {}
        uri = properties.get(uri_property) if uri_property else None
        if isinstance(uri, str) and not uri.startswith("s3://"):
            properties[uri_property] = {"Bucket": "local-code-not-staged", "Key": uri}
    partition = boto3.Session().get_partition_for_region(region)
    parameter_values: dict[str, Any] = {"AWS::Region": region, "AWS::Partition": partition}
    parameter_values.update(parameters or {})
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=region))
    try:
        translated: _Template = translator.translate(
            sam_template,
            parameter_values=parameter_values,
            get_managed_policy_map=_no_managed_policies,
        )
    except Exception as exc:  # the translator raises its own exception types, with good messages
        raise LocalStackError(f"SAM translation failed: {exc}") from exc
    return translated


def _no_managed_policies() -> dict[str, str]:
    """Stub managed-policy loader: SAM would otherwise list every AWS managed policy from IAM."""
    return {}


# ---------------------------------------------------------------------------- deploy


def deploy_local_stack(
    template_path: Path,
    *,
    stack_name: str = "remitflow",
    region: str = "us-east-1",
    parameters: Mapping[str, str] | None = None,
    session: boto3.Session | None = None,
    endpoint_url: str | None = None,
    client_validation: bool = True,
) -> LocalStack:
    """Create the stack described by ``template_path`` in the active moto and return its names.

    Paths in the template (CodeUri, ContentUri) are relative to the template's folder. A code
    folder that does not exist yet is deployed as an empty zip and listed in ``missing_code``.
    ``parameters`` override the template's defaults (and ``DEFAULT_LOCAL_PARAMETERS``).
    Use ``session``/``endpoint_url`` to talk to a moto server; by default boto3's default
    credentials chain is used, which ``mock_aws`` patches.
    Installs the local stack's fixes into this process's moto (``moto_dynamodb``, ``moto_sqs``):
    they reach ``mock_aws`` and a ``ThreadedMotoServer`` of this process, not a server elsewhere.
    ``client_validation=False`` (the bench only) makes every AWS client
    this process creates from then on skip botocore's parameter validation: see
    ``remitflow_local.client_validation``.
    """
    # Before the first request: moto as shipped costs O(table) per DynamoDB transaction, O(queue)
    # per SQS message received.
    moto_dynamodb.install()
    moto_sqs.install()
    moto_wire.install()  # and O(attributes²) per item, O(calls per attribute) per response
    moto_update.install()  # and a parse and super-linear checks per update expression
    moto_condition.install()  # and three parses of each condition expression
    if not client_validation:
        remitflow_client_validation.disable()
    template_path = template_path.resolve()
    project_root = template_path.parent
    session = session or boto3.Session(region_name=region)

    def client(service: str) -> Any:
        return session.client(service, region_name=region, endpoint_url=endpoint_url)  # type: ignore[call-overload]

    sam_template = load_template(template_path)
    stack_parameters = _stack_parameters(sam_template, parameters, template_path)

    s3 = client("s3")
    account_id: str = client("sts").get_caller_identity()["Account"]
    staging_bucket = _ensure_bucket(s3, f"{stack_name}-local-artifacts-{account_id}-{region}".lower(), region)

    code_dirs, missing = _stage_code(sam_template, project_root, s3, staging_bucket, stack_name)
    translated = translate_template(sam_template, region=region, parameters=stack_parameters)

    cloudformation = client("cloudformation")
    deployed = _adapt_for_moto(translated)
    with _quiet_moto_cloudformation():
        try:
            cloudformation.create_stack(
                StackName=stack_name,
                TemplateBody=json.dumps(deployed),
                Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in stack_parameters.items()],
                Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
            )
            stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
            described = cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]
        except ClientError as exc:
            raise LocalStackError(f"creating stack {stack_name!r} from {template_path} failed: {exc}") from exc
    if stack["StackStatus"] != "CREATE_COMPLETE":
        reason = stack.get("StackStatusReason", "no reason given")
        raise LocalStackError(f"stack {stack_name!r} ended {stack['StackStatus']}: {reason}")

    # moto lists the resources it skipped as entries without ids: leave those out. Resources it
    # created without a physical id (layer versions, permissions) still count as created.
    physical_ids: dict[str, str] = {
        r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in described if "LogicalResourceId" in r
    }
    resources: dict[str, Any] = translated["Resources"]
    not_created = {lid: r["Type"] for lid, r in resources.items() if lid not in physical_ids}
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    _apply_ignored_properties(resources, physical_ids, s3=s3, dynamodb=client("dynamodb"))
    functions = _describe_functions(
        sam_template,
        resources,
        physical_ids,
        code_dirs,
        lambda_=client("lambda"),
        sqs=client("sqs"),
    )

    def physical(logical_id: str) -> str:
        try:
            return physical_ids[logical_id]
        except KeyError:
            raise LocalStackError(f"{template_path} defines no {logical_id} (or moto did not create it)") from None

    key_id = physical(_DATA_KEY)
    return LocalStack(
        stack_name=stack_name,
        region=region,
        account_id=account_id,
        template_path=template_path,
        inbox_bucket=physical(_INBOX_BUCKET),
        access_log_bucket=physical(_ACCESS_LOG_BUCKET),
        claims_table=physical(_CLAIMS_TABLE),
        remittances_table=physical(_REMITTANCES_TABLE),
        followups_table=physical(_FOLLOWUPS_TABLE),
        followup_queue_url=physical(_FOLLOWUP_QUEUE),
        followup_dead_letter_queue_url=physical(_FOLLOWUP_DLQ),
        function_failure_queue_url=physical(_FUNCTION_FAILURE_QUEUE),
        kms_key_arn=client("kms").describe_key(KeyId=key_id)["KeyMetadata"]["Arn"],
        staging_bucket=staging_bucket,
        functions=MappingProxyType(functions),
        outputs=MappingProxyType(outputs),
        physical_ids=MappingProxyType(physical_ids),
        not_created=MappingProxyType(not_created),
        missing_code=tuple(missing),
    )


def _stack_parameters(
    sam_template: _Template, overrides: Mapping[str, str] | None, template_path: Path
) -> dict[str, str]:
    declared = sam_template.get("Parameters") or {}
    unknown = sorted(set(overrides or {}) - set(declared))
    if unknown:
        raise LocalStackError(
            f"unknown stack parameter(s) {', '.join(unknown)}; {template_path} declares "
            f"{', '.join(sorted(declared)) or 'none'}"
        )
    merged = {k: v for k, v in DEFAULT_LOCAL_PARAMETERS.items() if k in declared}
    merged.update(overrides or {})
    return merged


def _ensure_bucket(s3: Any, name: str, region: str) -> str:
    try:
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
            raise
    return name


# ---------------------------------------------------------------------------- code staging


def _stage_code(
    sam_template: _Template, project_root: Path, s3: Any, bucket: str, stack_name: str
) -> tuple[dict[str, Path], list[str]]:
    """Zip every function's CodeUri and layer's ContentUri, upload, point the template at S3.

    Mutates ``sam_template``. Returns each function's code folder and the logical ids whose
    folder is missing (deployed with an empty zip so the stack can be created before the code
    exists).
    """
    globals_fn = (sam_template.get("Globals") or {}).get("Function") or {}
    code_dirs: dict[str, Path] = {}
    missing: list[str] = []
    for logical_id, resource in sam_template["Resources"].items():
        kind = resource.get("Type")
        properties = resource.setdefault("Properties", {})
        if kind == "AWS::Serverless::Function":
            uri_property, under = "CodeUri", ""
            uri = properties.get("CodeUri", globals_fn.get("CodeUri"))
        elif kind == "AWS::Serverless::LayerVersion":
            # What `sam build` makes of BuildMethod python3.x: the ContentUri tree under python/.
            uri_property, under = "ContentUri", "python/"
            uri = properties.get("ContentUri")
        else:
            continue
        if not isinstance(uri, str) or uri.startswith("s3://"):
            continue  # inline or already in S3: nothing to stage
        folder = (project_root / uri).resolve()
        if kind == "AWS::Serverless::Function":
            code_dirs[logical_id] = folder
        if not folder.is_dir():
            missing.append(logical_id)
        body = _zip_folder(folder, under)
        key = f"{stack_name}/{logical_id}/{hashlib.sha256(body).hexdigest()}.zip"
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        properties[uri_property] = {"Bucket": bucket, "Key": key}
    return code_dirs, missing


def _zip_folder(folder: Path, under: str) -> bytes:
    """A deterministic zip of ``folder`` (empty if it does not exist), paths prefixed by ``under``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                relative = path.relative_to(folder)
                if not path.is_file() or _excluded(relative):
                    continue
                info = zipfile.ZipInfo(under + relative.as_posix(), date_time=_ZIP_DATE)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def _excluded(relative: Path) -> bool:
    return any(part in _EXCLUDED_NAMES or part.endswith(_EXCLUDED_SUFFIXES) for part in relative.parts)


# ---------------------------------------------------------------------------- moto gaps


def _adapt_for_moto(translated: _Template) -> _Template:
    """A copy of the translated template that moto 5 can create faithfully.

    moto's CloudFormation stores a KMS KeyPolicy given as a JSON object as-is, and every later
    KMS call on the key then fails parsing it. The same policy is handed over as a JSON string,
    built with Fn::Join so that its intrinsics (!Sub of the account, region...) still resolve.
    """
    deployed = copy.deepcopy(translated)
    for resource in deployed["Resources"].values():
        properties = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::KMS::Key" and isinstance(properties.get("KeyPolicy"), dict):
            properties["KeyPolicy"] = _json_string_with_intrinsics(properties["KeyPolicy"])
    return deployed


def _json_string_with_intrinsics(document: Any) -> Any:
    """``document`` serialised to JSON, as a CloudFormation value: intrinsics stay live.

    Every intrinsic must resolve to a plain string (an ARN, an id), which is then spliced in.
    """
    intrinsics: list[Any] = []

    def hollow(value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1 and (next(iter(value)) == "Ref" or next(iter(value)).startswith("Fn::")):
                intrinsics.append(value)
                return f"@@intrinsic{len(intrinsics) - 1}@@"
            return {k: hollow(v) for k, v in value.items()}
        if isinstance(value, list):
            return [hollow(v) for v in value]
        return value

    text = json.dumps(hollow(document))
    if not intrinsics:
        return text
    pieces = re.split(r"@@intrinsic(\d+)@@", text)
    parts: list[Any] = [intrinsics[int(piece)] if index % 2 else piece for index, piece in enumerate(pieces) if piece]
    return {"Fn::Join": ["", parts]}


@contextmanager
def _quiet_moto_cloudformation() -> Iterator[None]:
    """Silence moto's "not supported" notices: the skipped resources are reported in ``not_created``."""

    def drop_unsupported(record: logging.LogRecord) -> bool:
        return "No Moto CloudFormation support" not in record.getMessage()

    moto_logger = logging.getLogger("moto")
    moto_logger.addFilter(drop_unsupported)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Tried to parse .* not supported by moto")
            yield
    finally:
        moto_logger.removeFilter(drop_unsupported)


def _apply_ignored_properties(
    resources: Mapping[str, Any], physical_ids: Mapping[str, str], *, s3: Any, dynamodb: Any
) -> None:
    """Apply, from the translated template, the ignored properties that change local behaviour.

    moto's CloudFormation (5.x) creates buckets with their encryption and tags only, and tables
    without TTL or point-in-time recovery. Versioning changes what S3 events and GetObject
    return, and a table's TTL decides what it keeps, so those are applied here (TTL for any table
    that declares one), as is the public access block. Not applied, because they change nothing in moto:
    bucket lifecycle/logging/ownership, PITR, table SSE details, bucket and queue policies (moto
    skips AWS::S3::BucketPolicy and AWS::SQS::QueuePolicy), KMS key policies (stored, never
    enforced), function layers/architectures/tracing/KMS/logging config, and EventInvokeConfig
    (skipped). Those are verified on the template by cfn-lint, checkov and test_template.py.
    """
    for logical_id, resource in resources.items():
        name = physical_ids.get(logical_id)
        properties = resource.get("Properties") or {}
        if not name:
            continue
        if resource["Type"] == "AWS::S3::Bucket":
            versioning = properties.get("VersioningConfiguration")
            if versioning:
                s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning["Status"]})
            block = properties.get("PublicAccessBlockConfiguration")
            if block:
                s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
        elif resource["Type"] == "AWS::DynamoDB::Table":
            ttl = properties.get("TimeToLiveSpecification")
            if ttl and ttl.get("Enabled"):
                dynamodb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
                )


# ---------------------------------------------------------------------------- functions


def _describe_functions(
    sam_template: _Template,
    resources: Mapping[str, Any],
    physical_ids: Mapping[str, str],
    code_dirs: Mapping[str, Path],
    *,
    lambda_: Any,
    sqs: Any,
) -> dict[str, LocalFunction]:
    globals_fn = (sam_template.get("Globals") or {}).get("Function") or {}
    s3_triggers = _s3_triggers(resources, physical_ids)
    sqs_triggers = _sqs_triggers(resources, physical_ids, lambda_=lambda_, sqs=sqs)

    functions: dict[str, LocalFunction] = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Lambda::Function" or logical_id not in physical_ids:
            continue
        name = physical_ids[logical_id]
        config = lambda_.get_function_configuration(FunctionName=name)
        sam_properties = sam_template["Resources"].get(logical_id, {}).get("Properties", {})
        handler = str(sam_properties.get("Handler") or globals_fn.get("Handler") or config["Handler"])
        module, _, handler_name = handler.rpartition(".")
        code_dir = code_dirs.get(logical_id, Path())
        functions[logical_id] = LocalFunction(
            logical_id=logical_id,
            name=name,
            arn=config["FunctionArn"],
            code_dir=code_dir,
            handler=handler,
            handler_path=code_dir / (module.replace(".", "/") + ".py"),
            handler_name=handler_name,
            timeout=int(config.get("Timeout", 3)),
            # Lambda's environment holds strings; moto keeps a Number parameter's value as a number.
            environment=MappingProxyType(
                {name: str(value) for name, value in config.get("Environment", {}).get("Variables", {}).items()}
            ),
            s3_triggers=tuple(s3_triggers.get(logical_id, ())),
            sqs_triggers=tuple(sqs_triggers.get(logical_id, ())),
        )
    return functions


def _logical_target(value: Any) -> str | None:
    """The logical id behind {"Ref": X} or {"Fn::GetAtt": [X, "Arn"]} (or "X.Arn")."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        target = value.get("Fn::GetAtt")
        if isinstance(target, list) and target:
            return str(target[0])
        if isinstance(target, str):
            return target.split(".", 1)[0]
    return None


def _s3_triggers(resources: Mapping[str, Any], physical_ids: Mapping[str, str]) -> dict[str, list[S3Trigger]]:
    """S3 → Lambda rules, read from the buckets' NotificationConfiguration (moto ignores it)."""
    triggers: dict[str, list[S3Trigger]] = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::S3::Bucket" or logical_id not in physical_ids:
            continue
        notification = (resource.get("Properties") or {}).get("NotificationConfiguration") or {}
        for rule in notification.get("LambdaConfigurations", []):
            function = _logical_target(rule.get("Function"))
            if function is None:
                continue
            filters = {
                str(r["Name"]).lower(): str(r["Value"])
                for r in rule.get("Filter", {}).get("S3Key", {}).get("Rules", [])
            }
            triggers.setdefault(function, []).append(
                S3Trigger(
                    bucket=physical_ids[logical_id],
                    event=str(rule["Event"]),
                    prefix=filters.get("prefix", ""),
                    suffix=filters.get("suffix", ""),
                )
            )
    return triggers


def _sqs_triggers(
    resources: Mapping[str, Any], physical_ids: Mapping[str, str], *, lambda_: Any, sqs: Any
) -> dict[str, list[SqsTrigger]]:
    """SQS event source mappings, disabled in moto.

    An enabled mapping makes moto receive each message as it is sent and try to run the function
    in Docker, which is not there: every send would then count a receive against the redrive
    policy and print a Docker error. Disabled, messages wait on the queue for a local dispatcher,
    as they would for Lambda's poller.
    """
    queue_arns: dict[str, str] = {}

    def queue_arn(url: str) -> str:
        if url not in queue_arns:
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
            queue_arns[url] = attributes["Attributes"]["QueueArn"]
        return queue_arns[url]

    triggers: dict[str, list[SqsTrigger]] = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Lambda::EventSourceMapping" or logical_id not in physical_ids:
            continue
        properties = resource.get("Properties") or {}
        function = _logical_target(properties.get("FunctionName"))
        queue = _logical_target(properties.get("EventSourceArn"))
        if function is None or queue is None or resources.get(queue, {}).get("Type") != "AWS::SQS::Queue":
            continue  # not an SQS mapping of this stack (e.g. a stream); nothing to dispatch
        uuid = physical_ids[logical_id]
        lambda_.update_event_source_mapping(UUID=uuid, Enabled=False)
        url = physical_ids[queue]
        triggers.setdefault(function, []).append(
            SqsTrigger(
                queue_url=url,
                queue_arn=queue_arn(url),
                batch_size=int(properties.get("BatchSize", 10)),
                report_batch_item_failures="ReportBatchItemFailures" in properties.get("FunctionResponseTypes", []),
                event_source_mapping_uuid=uuid,
            )
        )
    return triggers
