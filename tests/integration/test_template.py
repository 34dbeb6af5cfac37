"""template.yaml: the resources the stack needs, and the security properties moto cannot check.

moto creates the stack but ignores most security properties (see remitflow_local.stack), so they
are asserted here on the template itself, before and after SAM's translation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.settings_env import settings_variables

from remitflow.adapters.dynamodb.shared import TRANSACTION_LIMIT
from remitflow_local import load_template, translate_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

FUNCTIONS = {
    "RemittanceIngest": "functions/remittance_ingest/",
    "ReferenceImport": "functions/reference_import/",
    "FollowupWorker": "functions/followup_worker/",
    "PostingWorker": "functions/posting_worker/",
    "WorklistApi": "functions/worklist_api/",
    "DepositIngest": "functions/deposit_ingest/",
    "ReconciliationSweeper": "functions/reconciliation_sweeper/",
}
TABLES = ("ClaimsTable", "RemittancesTable", "FollowupsTable")
QUEUES = ("FollowupQueue", "FollowupDeadLetterQueue", "PostingQueue", "PostingDeadLetterQueue", "FunctionFailureQueue")
BUCKETS = ("InboxBucket", "AccessLogBucket")

# The only actions granted on Resource "*": X-Ray has no resource-level permissions.
UNSCOPABLE_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}

KEY = {"Fn::GetAtt": ["DataKey", "Arn"]}

# What a function reads besides the files that trigger it: posting in chunks reads the remittance's
# bytes in PostingWorker, and finishing a transaction set reads its manifest back.
READS_BEYOND_TRIGGERS = {
    "RemittanceIngest": {"processed/manifests/"},
    "PostingWorker": {"remittances/", "processed/manifests/"},
}


@pytest.fixture(scope="module")
def sam() -> dict[str, Any]:
    return load_template(TEMPLATE)


@pytest.fixture(scope="module")
def cfn(sam: dict[str, Any]) -> dict[str, Any]:
    return translate_template(sam)


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == kind}


def props(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    properties: dict[str, Any] = template["Resources"][logical_id].get("Properties", {})
    return properties


def function_props(sam: dict[str, Any], logical_id: str) -> dict[str, Any]:
    """A function's properties with the Globals it inherits (SAM merges maps, function wins)."""
    merged = dict(sam.get("Globals", {}).get("Function", {}))
    for key, value in props(sam, logical_id).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def allow_statements(cfn: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Allow statement of every IAM role and policy, with the role or policy's logical id."""
    for lid, resource in cfn["Resources"].items():
        properties = resource.get("Properties", {})
        documents = []
        if resource["Type"] == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in properties.get("Policies", [])]
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents = [properties["PolicyDocument"]]
        for document in documents:
            for statement in as_list(document["Statement"]):
                if statement["Effect"] == "Allow":
                    yield lid, statement


def role_of(cfn: dict[str, Any], function: str) -> str:
    role: dict[str, Any] = props(cfn, function)["Role"]
    return str(role["Fn::GetAtt"][0])


def granted(cfn: dict[str, Any], role: str, action: str) -> list[Any]:
    """The resources a role may perform ``action`` on (exact action names, as in the template)."""
    found: list[Any] = []
    for lid, statement in allow_statements(cfn):
        if lid == role and action in as_list(statement["Action"]):
            found.extend(as_list(statement["Resource"]))
    return found


def sub_text(value: Any) -> str:
    """The template string of a !Sub (or a literal)."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        return str(value["Fn::Sub"])
    return str(value)


# ---------------------------------------------------------------------------- lint


def test_cfn_lint_reports_nothing() -> None:
    from cfnlint.api import lint  # type: ignore[import-untyped]

    matches = lint(TEMPLATE.read_text(encoding="utf-8"), regions=["us-east-1"])
    assert [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches] == []


# ---------------------------------------------------------------------------- shape


def test_is_a_sam_template_with_the_whole_stack(sam: dict[str, Any]) -> None:
    assert sam["Transform"] == "AWS::Serverless-2016-10-31"
    expected = {
        **dict.fromkeys(BUCKETS, "AWS::S3::Bucket"),
        **dict.fromkeys(TABLES, "AWS::DynamoDB::Table"),
        **dict.fromkeys(QUEUES, "AWS::SQS::Queue"),
        **dict.fromkeys(FUNCTIONS, "AWS::Serverless::Function"),
        "DataKey": "AWS::KMS::Key",
        "RemitflowLayer": "AWS::Serverless::LayerVersion",
    }
    assert {lid: sam["Resources"][lid]["Type"] for lid in expected if lid in sam["Resources"]} == expected
    assert "LedgerTable" not in sam["Resources"]  # the ledger lives in ClaimsTable


def test_outputs_name_the_bucket_tables_and_queue(sam: dict[str, Any]) -> None:
    outputs = sam["Outputs"]
    assert outputs["InboxBucketName"]["Value"] == {"Ref": "InboxBucket"}
    assert outputs["FollowupQueueUrl"]["Value"] == {"Ref": "FollowupQueue"}
    for table in TABLES:
        assert outputs[f"{table}Name"]["Value"] == {"Ref": table}


def test_layer_is_built_from_its_folder_for_python313_on_arm(sam: dict[str, Any]) -> None:
    layer = sam["Resources"]["RemitflowLayer"]
    assert layer["Properties"]["ContentUri"] == "layers/remitflow"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    # layers/remitflow/Makefile installs the dependencies and compiles the 835 reader.
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}


@pytest.mark.parametrize(("function", "code_uri"), FUNCTIONS.items())
def test_functions_run_python313_on_arm_with_the_layer_and_tracing(
    sam: dict[str, Any], function: str, code_uri: str
) -> None:
    fn = function_props(sam, function)
    assert fn["CodeUri"] == code_uri
    assert fn["Handler"] == "app.lambda_handler"
    assert fn["Runtime"] == "python3.13"
    assert fn["Architectures"] == ["arm64"]
    assert fn["Tracing"] == "Active"
    assert {"Ref": "RemitflowLayer"} in fn["Layers"]
    assert fn["KmsKeyArn"] == KEY


@pytest.mark.parametrize("function", FUNCTIONS)
def test_reserved_concurrency_is_a_parameter(sam: dict[str, Any], function: str) -> None:
    concurrency = function_props(sam, function)["ReservedConcurrentExecutions"]
    assert concurrency["Ref"] in sam["Parameters"]


# Read by Powertools (and the Lambda runtime), not by the settings model.
POWERTOOLS_VARIABLES = {"LOG_LEVEL", "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_SERVICE_NAME"}
# Read by Powertools' Tracer: traces keep no responses or errors (test_template_operations.py).
POWERTOOLS_VARIABLES |= {"POWERTOOLS_TRACER_CAPTURE_RESPONSE", "POWERTOOLS_TRACER_CAPTURE_ERROR"}
# Read by one function itself: the page's sign-in link (functions/worklist_api/app.py).
FUNCTION_VARIABLES = {"WorklistApi": {"SIGN_IN_DOMAIN", "SIGN_IN_CLIENT_ID"}}


def stack_name_for(sam: dict[str, Any], variable: str) -> Any:
    """What the template must set a required name setting to, from the setting's own name."""
    words = variable.split("_")
    logical_id = "".join(word.capitalize() for word in words[:-1])  # CLAIMS_TABLE_NAME -> ClaimsTable
    if variable.endswith(("_TABLE_NAME", "_QUEUE_URL")):
        assert logical_id in sam["Resources"], f"{variable}: the template has no {logical_id}"
        return {"Ref": logical_id}
    if variable.endswith("_BUCKET_NAME"):
        # The bucket by its computed name: a !Ref would close a dependency cycle through the S3 event.
        return sub_text(props(sam, logical_id)["BucketName"])
    pytest.fail(f"setting {variable}: no rule says what the template must set it to; add one here")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_functions_get_the_names_the_settings_need(sam: dict[str, Any], function: str) -> None:
    variables = function_props(sam, function)["Environment"]["Variables"]
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "remitflow"
    assert variables["POWERTOOLS_SERVICE_NAME"] == FUNCTIONS[function].split("/")[1].replace("_", "-")
    assert variables["LOG_LEVEL"] == variables["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}
    settings = settings_variables()
    required = sorted(v for v, setting in settings.items() if setting.required)
    assert required, "the settings model names no required setting"
    assert [v for v in required if v not in variables] == []
    for variable in required:
        value = variables[variable]
        assert (sub_text(value) if variable.endswith("_BUCKET_NAME") else value) == stack_name_for(sam, variable)
    # Every other variable is a setting (tuned per deployment by a parameter) or named above: a
    # misspelt name would otherwise be ignored by the settings model without a word.
    for variable in set(variables) - set(required) - POWERTOOLS_VARIABLES - FUNCTION_VARIABLES.get(function, set()):
        assert variable in settings, f"{function}: {variable} is read by nothing"
        assert variables[variable]["Ref"] in sam["Parameters"], variable


def test_s3_events_route_each_prefix_to_its_function(sam: dict[str, Any]) -> None:
    routes: dict[str, set[str]] = {}
    for function in FUNCTIONS:
        for event in function_props(sam, function).get("Events", {}).values():
            if event["Type"] == "S3":
                assert event["Properties"]["Bucket"] == {"Ref": "InboxBucket"}
                assert event["Properties"]["Events"] == "s3:ObjectCreated:*"
                for rule in event["Properties"]["Filter"]["S3Key"]["Rules"]:
                    assert rule["Name"] == "prefix"
                    routes.setdefault(function, set()).add(rule["Value"])
    assert routes == {
        "RemittanceIngest": {"remittances/"},
        "ReferenceImport": {"claims/", "fee-schedules/"},
        "DepositIngest": {"deposits/"},
    }


def test_followup_worker_reads_the_queue_in_batches_with_partial_failures(sam: dict[str, Any]) -> None:
    events = function_props(sam, "FollowupWorker")["Events"]
    (sqs,) = [e["Properties"] for e in events.values() if e["Type"] == "SQS"]
    assert sqs["Queue"] == {"Fn::GetAtt": ["FollowupQueue", "Arn"]}
    # A batch's follow-ups open in one TransactWriteItems (100 items); Lambda takes more than SQS's
    # 10 a receive only with a batching window, and the queue hides a batch for its whole wait.
    assert sqs["BatchSize"] == TRANSACTION_LIMIT
    window = sqs["MaximumBatchingWindowInSeconds"]
    assert 1 <= window <= 10
    timeout = function_props(sam, "FollowupWorker")["Timeout"]
    assert props(sam, "FollowupQueue")["VisibilityTimeout"] >= 6 * timeout + window
    assert sqs["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_posting_worker_reads_chunks_in_small_batches_with_partial_failures_within_its_concurrency(
    sam: dict[str, Any],
) -> None:
    worker = function_props(sam, "PostingWorker")
    (sqs,) = [e["Properties"] for e in worker["Events"].values() if e["Type"] == "SQS"]
    assert sqs["Queue"] == {"Fn::GetAtt": ["PostingQueue", "Arn"]}
    assert sqs["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert sqs["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "PostingWorkerReservedConcurrency"}
    assert worker["ReservedConcurrentExecutions"] == {"Ref": "PostingWorkerReservedConcurrency"}
    # Every chunk of a batch may take up to half the timeout: the worker returns the rest when short.
    assert sqs["BatchSize"] <= 2
    chunk_size = sam["Parameters"]["PostingChunkSize"]
    assert (chunk_size["Default"], chunk_size["MinValue"]) == (500, 1)
    assert sam["Globals"]["Function"]["Environment"]["Variables"]["POSTING_CHUNK_SIZE"] == {"Ref": "PostingChunkSize"}


def test_posting_queue_redrives_to_its_dead_letter_queue(sam: dict[str, Any]) -> None:
    queue = props(sam, "PostingQueue")
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["PostingDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,  # the settings' posting_max_receives: the last attempt marks the ERA failed
    }
    assert queue["VisibilityTimeout"] >= 6 * function_props(sam, "PostingWorker")["Timeout"]
    assert props(sam, "PostingDeadLetterQueue")["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_only_the_ingest_sends_chunks_and_only_the_worker_takes_them(cfn: dict[str, Any]) -> None:
    posting_queue = {"Fn::GetAtt": ["PostingQueue", "Arn"]}
    senders = [
        lid
        for lid, s in allow_statements(cfn)
        if posting_queue in as_list(s["Resource"]) and "sqs:SendMessage" in as_list(s["Action"])
    ]
    assert senders == [role_of(cfn, "RemittanceIngest")]
    worker = role_of(cfn, "PostingWorker")
    assert granted(cfn, worker, "sqs:ReceiveMessage") == [posting_queue]
    assert granted(cfn, worker, "sqs:SendMessage") == [
        {"Fn::GetAtt": ["FollowupQueue", "Arn"]},
        {"Fn::GetAtt": ["FunctionFailureQueue", "Arn"]},
    ]
    writable = [sub_text(r) for r in granted(cfn, worker, "s3:PutObject")]
    assert len(writable) == 1 and writable[0].endswith("/processed/*")


# ---------------------------------------------------------------------------- tables


@pytest.mark.parametrize("table", ["ClaimsTable", "RemittancesTable"])
def test_aggregate_tables_have_pk_and_sk(sam: dict[str, Any], table: str) -> None:
    assert props(sam, table)["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]


def test_followups_table_has_status_and_type_indexes(sam: dict[str, Any]) -> None:
    table = props(sam, "FollowupsTable")
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    indexes = {i["IndexName"]: [k["AttributeName"] for k in i["KeySchema"]] for i in table["GlobalSecondaryIndexes"]}
    assert indexes == {"by_status": ["status", "created_at"], "by_type": ["type", "created_at"]}
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    assert types == {"pk": "S", "status": "S", "type": "S", "created_at": "S"}


@pytest.mark.parametrize("table", TABLES)
def test_tables_are_on_demand_encrypted_with_our_key_and_recoverable(sam: dict[str, Any], table: str) -> None:
    properties = props(sam, table)
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": KEY}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    condition = properties["DeletionProtectionEnabled"]["Fn::If"][0]
    assert sam["Conditions"][condition] == {"Fn::Equals": [{"Ref": "DeletionProtection"}, "true"]}
    assert sam["Parameters"]["DeletionProtection"]["Default"] == "true"


# ---------------------------------------------------------------------------- buckets


@pytest.mark.parametrize("bucket", BUCKETS)
def test_buckets_are_private_versioned_and_encrypted(sam: dict[str, Any], bucket: str) -> None:
    properties = props(sam, bucket)
    assert properties["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"], True
    )
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    # S3 cannot deliver access logs to a bucket encrypted with a KMS key: that one uses S3's own keys.
    kms = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY}
    expected = {"SSEAlgorithm": "AES256"} if bucket == "AccessLogBucket" else kms
    assert rule["ServerSideEncryptionByDefault"] == expected
    assert properties["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_inbox_is_encrypted_with_our_key_logged_and_keeps_old_versions_for_a_while(
    sam: dict[str, Any],
) -> None:
    inbox = props(sam, "InboxBucket")
    (rule,) = inbox["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY}
    assert inbox["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": "AccessLogBucket"}
    lifecycle = {r["Id"]: r for r in inbox["LifecycleConfiguration"]["Rules"]}
    assert lifecycle["expire-noncurrent-versions"]["Status"] == "Enabled"
    assert lifecycle["expire-noncurrent-versions"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": {"Ref": "NoncurrentVersionRetentionDays"}
    }
    assert not any("ExpirationInDays" in r for r in lifecycle.values())  # current inputs are kept


def test_access_log_bucket_skips_only_what_a_log_target_cannot_do(sam: dict[str, Any]) -> None:
    skips = sam["Resources"]["AccessLogBucket"]["Metadata"]["checkov"]["skip"]
    assert [s["id"] for s in skips] == ["CKV_AWS_18"]
    assert all(s["comment"] for s in skips)


@pytest.mark.parametrize("bucket", BUCKETS)
def test_buckets_refuse_plain_http(sam: dict[str, Any], bucket: str) -> None:
    (policy,) = [
        p for p in resources(sam, "AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == {"Ref": bucket}
    ]
    statements = as_list(policy["Properties"]["PolicyDocument"]["Statement"])
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Principal"] == "*"
    assert deny["Action"] == "s3:*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    targets = [sub_text(r) if "Fn::Sub" in r else r for r in deny["Resource"]]
    assert targets == [{"Fn::GetAtt": [bucket, "Arn"]}, f"${{{bucket}.Arn}}/*"]


# ---------------------------------------------------------------------------- queues and key


@pytest.mark.parametrize("queue", QUEUES)
def test_queues_are_encrypted_with_our_key_and_refuse_plain_http(sam: dict[str, Any], queue: str) -> None:
    assert props(sam, queue)["KmsMasterKeyId"] == {"Ref": "DataKey"}
    covering = [
        p["Properties"]
        for p in resources(sam, "AWS::SQS::QueuePolicy").values()
        if {"Ref": queue} in p["Properties"]["Queues"]
    ]
    assert covering, f"no queue policy covers {queue}"
    statements = [s for p in covering for s in as_list(p["PolicyDocument"]["Statement"])]
    assert any(
        s["Effect"] == "Deny"
        and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        and {"Fn::GetAtt": [queue, "Arn"]} in as_list(s["Resource"])
        for s in statements
    )


def test_followup_queue_redrives_to_its_dead_letter_queue(sam: dict[str, Any]) -> None:
    queue = props(sam, "FollowupQueue")
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["FollowupDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    worker_timeout = function_props(sam, "FollowupWorker")["Timeout"]
    assert queue["VisibilityTimeout"] >= 6 * worker_timeout
    assert props(sam, "FollowupDeadLetterQueue")["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_key_rotates_and_names_no_wildcard_principal(sam: dict[str, Any]) -> None:
    key = props(sam, "DataKey")
    assert key["EnableKeyRotation"] is True
    for statement in key["KeyPolicy"]["Statement"]:
        assert statement["Principal"] != "*"
        assert "*" not in as_list(statement["Principal"].get("AWS", []))


# ---------------------------------------------------------------------------- after SAM translation


@pytest.mark.parametrize("function", FUNCTIONS)
def test_async_failures_of_every_function_go_to_the_failure_queue(cfn: dict[str, Any], function: str) -> None:
    (config,) = [
        r["Properties"]
        for r in resources(cfn, "AWS::Lambda::EventInvokeConfig").values()
        if r["Properties"]["FunctionName"] == {"Ref": function}
    ]
    on_failure = config["DestinationConfig"]["OnFailure"]["Destination"]
    assert on_failure == {"Fn::GetAtt": ["FunctionFailureQueue", "Arn"]}
    assert config["MaximumRetryAttempts"] <= 2


def test_roles_attach_no_managed_policies(cfn: dict[str, Any]) -> None:
    roles = resources(cfn, "AWS::IAM::Role")
    assert set(roles) == {f"{f}Role" for f in FUNCTIONS}
    assert [lid for lid, r in roles.items() if r["Properties"].get("ManagedPolicyArns")] == []


def test_no_wildcard_resource_or_action_beyond_xray(cfn: dict[str, Any]) -> None:
    for lid, statement in allow_statements(cfn):
        actions = as_list(statement["Action"])
        assert not [a for a in actions if "*" in a], f"{lid}: wildcard action in {actions}"
        if "*" in as_list(statement["Resource"]):
            assert set(actions) <= UNSCOPABLE_ACTIONS, f"{lid}: {actions} granted on every resource"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_reads_exactly_the_prefixes_it_is_triggered_by(
    sam: dict[str, Any], cfn: dict[str, Any], function: str
) -> None:
    prefixes = {
        rule["Value"]
        for event in function_props(sam, function).get("Events", {}).values()
        if event["Type"] == "S3"
        for rule in event["Properties"]["Filter"]["S3Key"]["Rules"]
    }
    readable = {
        sub_text(r).rsplit("}/", 1)[1].removesuffix("*") for r in granted(cfn, role_of(cfn, function), "s3:GetObject")
    }
    assert readable == prefixes | READS_BEYOND_TRIGGERS.get(function, set())


@pytest.mark.parametrize("function", ["RemittanceIngest", "ReferenceImport", "PostingWorker"])
def test_importers_write_summaries_only_under_processed(cfn: dict[str, Any], function: str) -> None:
    writable = [sub_text(r) for r in granted(cfn, role_of(cfn, function), "s3:PutObject")]
    assert len(writable) == 1
    assert writable[0].endswith("/processed/*")


def test_ledger_is_append_only_for_the_posting_functions(cfn: dict[str, Any]) -> None:
    assert granted(cfn, role_of(cfn, "ReferenceImport"), "dynamodb:DeleteItem") == []
    for function in ("RemittanceIngest", "PostingWorker", "DepositIngest", "ReconciliationSweeper"):
        # Matching takes items off the reconciliation waiting list, and deletes nothing else.
        deletes = [
            statement
            for lid, statement in allow_statements(cfn)
            if lid == role_of(cfn, function) and "dynamodb:DeleteItem" in as_list(statement["Action"])
        ]
        (delete,) = deletes
        assert as_list(delete["Resource"]) == [{"Fn::GetAtt": ["RemittancesTable", "Arn"]}]
        assert delete["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["RECON#OPEN"]}}
    claims = {"Fn::GetAtt": ["ClaimsTable", "Arn"]}
    for function in ("RemittanceIngest", "PostingWorker"):
        for action in ("GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "ConditionCheckItem"):
            assert claims in granted(cfn, role_of(cfn, function), f"dynamodb:{action}")


def test_who_may_touch_the_worklist(cfn: dict[str, Any]) -> None:
    worker = role_of(cfn, "FollowupWorker")
    api = role_of(cfn, "WorklistApi")
    sweeper = role_of(cfn, "ReconciliationSweeper")
    for lid, statement in allow_statements(cfn):
        resources_ = as_list(statement["Resource"])
        if {"Fn::GetAtt": ["FollowupsTable", "Arn"]} in resources_:
            assert lid in (worker, api, sweeper)
            if lid == sweeper:  # it closes amount mismatches a later match settled, and adds nothing
                assert sorted(as_list(statement["Action"])) == ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    # The worker opens follow-ups with conditional puts (in transactions) and closes answered appeals.
    worklist = {"Fn::GetAtt": ["FollowupsTable", "Arn"]}
    for action in ("GetItem", "PutItem", "UpdateItem"):
        assert worklist in granted(cfn, worker, f"dynamodb:{action}")
    assert granted(cfn, worker, "dynamodb:DeleteItem") == []
    assert {"Fn::GetAtt": ["FollowupQueue", "Arn"]} in granted(cfn, worker, "sqs:ReceiveMessage")
    assert granted(cfn, worker, "s3:GetObject") == []


@pytest.mark.parametrize("function", FUNCTIONS)
def test_functions_log_only_to_their_own_encrypted_log_group(
    sam: dict[str, Any], cfn: dict[str, Any], function: str
) -> None:
    log_group = function_props(sam, function)["LoggingConfig"]["LogGroup"]["Ref"]
    assert props(sam, log_group)["KmsKeyId"] == KEY
    assert props(sam, log_group)["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
    assert granted(cfn, role_of(cfn, function), "logs:PutLogEvents") == [{"Fn::GetAtt": [log_group, "Arn"]}]
