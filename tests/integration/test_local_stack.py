"""The local stack: template.yaml created in moto, code staged, names and event sources resolved.

The tests work on a copy of the project layout in a temporary folder (the template plus trivial
function folders and layer), so the real functions/ need not exist yet. The stack is deployed once
for the module and emptied before each test; deploying itself is tested in test_local_stack_deploy.py.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from remitflow_local import LocalStack, deploy_local_stack, load_template
from remitflow_local.reset import StackData
from remitflow_local.runner import function_settings

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account

SERVICE_NAMES = {
    "RemittanceIngest": "remittance-ingest",
    "ReferenceImport": "reference-import",
    "FollowupWorker": "followup-worker",
    "PostingWorker": "posting-worker",
    "WorklistApi": "worklist-api",
    "DepositIngest": "deposit-ingest",
    "ReconciliationSweeper": "reconciliation-sweeper",
}


def make_project(root: Path, *, with_functions: bool = True) -> Path:
    """A copy of the project layout: template.yaml, the layer, and (optionally) trivial functions."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(TEMPLATE, root / "template.yaml")
    layer = root / "layers" / "remitflow"
    (layer / "remitflow" / "__pycache__").mkdir(parents=True)
    (layer / "requirements.txt").write_text("pydantic>=2.7\n")
    (layer / "remitflow" / "__init__.py").write_text('"""remitflow."""\n')
    (layer / "remitflow" / "__pycache__" / "__init__.cpython-313.pyc").write_bytes(b"junk")
    if with_functions:
        for resource in load_template(TEMPLATE)["Resources"].values():
            if resource["Type"] == "AWS::Serverless::Function":
                folder = root / resource["Properties"]["CodeUri"]
                folder.mkdir(parents=True)
                (folder / "app.py").write_text("def lambda_handler(event, context):\n    return {}\n")
    return root / "template.yaml"


@pytest.fixture(scope="module")
def aws_env() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            env.delenv(name, raising=False)
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", REGION)
        env.setenv("MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR", "false")  # emptied before every test
        yield


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("local-stack") / "project")


@pytest.fixture(scope="module")
def deployed(aws_env: None, project: Path) -> Iterator[tuple[LocalStack, StackData]]:
    """One deployment for the module (the tests that deploy stacks themselves are in test_local_stack_deploy.py)."""
    with mock_aws():
        stack = deploy_local_stack(project)
        yield stack, StackData.of(stack)


@pytest.fixture
def stack(deployed: tuple[LocalStack, StackData]) -> LocalStack:
    """The module's stack, emptied of what earlier tests put in its tables, buckets and queues."""
    stack, data = deployed
    data.clear()
    return stack


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)  # type: ignore[call-overload]


def zip_names(bucket: str, prefix: str) -> list[str]:
    s3 = client("s3")
    (obj,) = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]
    body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return sorted(archive.namelist())


# ---------------------------------------------------------------------------- resources


@pytest.mark.parametrize("table", ["ClaimsTable", "RemittancesTable", "FollowupsTable"])
def test_tables_have_the_keys_and_indexes_the_template_declares(stack: LocalStack, table: str) -> None:
    declared = load_template(TEMPLATE)["Resources"][table]["Properties"]
    created = client("dynamodb").describe_table(TableName=stack.table_names[table])["Table"]

    assert created["KeySchema"] == declared["KeySchema"]
    assert {(a["AttributeName"], a["AttributeType"]) for a in created["AttributeDefinitions"]} == {
        (a["AttributeName"], a["AttributeType"]) for a in declared["AttributeDefinitions"]
    }
    indexes = {i["IndexName"]: i["KeySchema"] for i in created.get("GlobalSecondaryIndexes", [])}
    assert indexes == {i["IndexName"]: i["KeySchema"] for i in declared.get("GlobalSecondaryIndexes", [])}
    assert created["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_followups_table_can_be_queried_by_status(stack: LocalStack) -> None:
    ddb = client("dynamodb")
    for pk, status, created_at in [
        ("F1", "open", "2025-01-02"),
        ("F2", "done", "2025-01-01"),
        ("F3", "open", "2025-01-01"),
    ]:
        item = {"pk": {"S": pk}, "status": {"S": status}, "type": {"S": "denial"}, "created_at": {"S": created_at}}
        ddb.put_item(TableName=stack.followups_table, Item=item)

    page = ddb.query(
        TableName=stack.followups_table,
        IndexName="by_status",
        KeyConditionExpression="#s = :open",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":open": {"S": "open"}},
    )
    assert [i["pk"]["S"] for i in page["Items"]] == ["F3", "F1"]  # oldest first


def test_followup_queue_redrives_to_the_dead_letter_queue(stack: LocalStack) -> None:
    sqs = client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=stack.followup_queue_url, AttributeNames=["All"])["Attributes"]
    dlq = sqs.get_queue_attributes(QueueUrl=stack.followup_dead_letter_queue_url, AttributeNames=["All"])["Attributes"]

    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": dlq["QueueArn"], "maxReceiveCount": 5}
    assert int(attributes["VisibilityTimeout"]) >= 6 * stack.functions["FollowupWorker"].timeout
    assert dlq["MessageRetentionPeriod"] == str(14 * 24 * 3600)
    key_id = stack.kms_key_arn.rsplit("/", 1)[1]
    assert attributes["KmsMasterKeyId"] == dlq["KmsMasterKeyId"] == key_id


def test_a_message_that_keeps_failing_lands_in_the_dead_letter_queue(stack: LocalStack) -> None:
    sqs = client("sqs")
    sqs.send_message(QueueUrl=stack.followup_queue_url, MessageBody='{"followup": "poison"}')

    for _ in range(5):  # five failed attempts: received, never deleted
        (message,) = sqs.receive_message(QueueUrl=stack.followup_queue_url)["Messages"]
        sqs.change_message_visibility(
            QueueUrl=stack.followup_queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    assert sqs.receive_message(QueueUrl=stack.followup_queue_url).get("Messages", []) == []

    (dead,) = sqs.receive_message(QueueUrl=stack.followup_dead_letter_queue_url)["Messages"]
    assert dead["Body"] == '{"followup": "poison"}'


def test_messages_wait_on_the_queue_for_a_local_dispatcher(stack: LocalStack) -> None:
    # moto would otherwise try to run FollowupWorker in Docker on every send, using up receives.
    sqs = client("sqs")
    sqs.send_message(QueueUrl=stack.followup_queue_url, MessageBody="{}")

    (message,) = sqs.receive_message(QueueUrl=stack.followup_queue_url, AttributeNames=["All"])["Messages"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    (trigger,) = stack.functions["FollowupWorker"].sqs_triggers
    mapping = client("lambda").get_event_source_mapping(UUID=trigger.event_source_mapping_uuid)
    assert mapping["State"] == "Disabled"


def test_inbox_has_its_fixed_name_and_stores_uploads_versioned_under_our_key(stack: LocalStack) -> None:
    s3 = client("s3")
    assert stack.inbox_bucket == f"remitflow-inbox-{ACCOUNT}-{REGION}" == stack.outputs["InboxBucketName"]

    first = s3.put_object(Bucket=stack.inbox_bucket, Key="remittances/era.835", Body=b"ISA*00*")
    second = s3.put_object(Bucket=stack.inbox_bucket, Key="remittances/era.835", Body=b"ISA*01*")

    assert first["VersionId"] != second["VersionId"]  # a re-upload keeps the original
    original = s3.get_object(Bucket=stack.inbox_bucket, Key="remittances/era.835", VersionId=first["VersionId"])
    assert original["Body"].read() == b"ISA*00*"
    assert original["ServerSideEncryption"] == "aws:kms"
    assert original["SSEKMSKeyId"] == stack.kms_key_arn
    block = s3.get_public_access_block(Bucket=stack.inbox_bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4


def test_key_rotates_and_its_policy_is_the_templates(stack: LocalStack) -> None:
    kms = client("kms")
    assert kms.get_key_rotation_status(KeyId=stack.kms_key_arn)["KeyRotationEnabled"] is True
    policy = json.loads(kms.get_key_policy(KeyId=stack.kms_key_arn, PolicyName="default")["Policy"])
    sids = [s["Sid"] for s in policy["Statement"]]
    assert sids == [
        s["Sid"] for s in load_template(TEMPLATE)["Resources"]["DataKey"]["Properties"]["KeyPolicy"]["Statement"]
    ]
    assert policy["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}  # intrinsics resolved
    aliases = [a["AliasName"] for a in kms.list_aliases(KeyId=stack.kms_key_arn)["Aliases"]]
    assert aliases == ["alias/remitflow-data"]


def test_everything_that_holds_data_or_runs_code_is_created_from_the_template(stack: LocalStack) -> None:
    template = load_template(TEMPLATE)["Resources"]
    kinds = {"AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::KMS::Key", "AWS::Serverless::Function"}
    for logical_id, resource in template.items():
        if resource["Type"] in kinds:
            assert stack.physical_ids.get(logical_id), f"{logical_id} was not created"
    # moto 5 skips policies, async-invoke configs, and API Gateway v2 and Cognito altogether: the
    # template tests and linters cover those, and locally the API is served by invoking WorklistApi.
    assert set(stack.not_created.values()) <= {
        "AWS::S3::BucketPolicy",
        "AWS::SQS::QueuePolicy",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::ApiGatewayV2::Api",
        "AWS::ApiGatewayV2::Stage",
        "AWS::Cognito::UserPool",
        "AWS::Cognito::UserPoolClient",
        "AWS::Cognito::UserPoolDomain",  # only with hosted sign-in (off by default, a condition)
        # The alarms, the topic's policy and its e-mail subscription: test_template_operations.py.
        "AWS::CloudWatch::Alarm",
        "AWS::SNS::TopicPolicy",
        "AWS::SNS::Subscription",
    }


# ---------------------------------------------------------------------------- functions


def test_functions_see_the_stacks_names_in_their_environment(stack: LocalStack) -> None:
    assert set(stack.functions) == set(SERVICE_NAMES)
    for logical_id, function in stack.functions.items():
        env = function.environment
        assert env["POWERTOOLS_SERVICE_NAME"] == SERVICE_NAMES[logical_id]
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "remitflow"
        assert env["LOG_LEVEL"] == "INFO"
        settings = function_settings(function)  # what the settings model reads from that environment
        assert settings.inbox_bucket_name == stack.inbox_bucket
        assert settings.claims_table_name == stack.claims_table
        assert settings.remittances_table_name == stack.remittances_table
        assert settings.followups_table_name == stack.followups_table
        assert settings.followup_queue_url == stack.followup_queue_url
        assert settings.posting_queue_url == stack.physical_ids["PostingQueue"]
        assert settings.posting_chunk_size == 500  # a number in the template, a string in Lambda's environment
        assert function.name == stack.outputs[f"{logical_id}FunctionName"]


def test_handlers_are_the_app_py_of_each_function_folder(stack: LocalStack, project: Path) -> None:
    paths = {lid: f.handler_path for lid, f in stack.functions.items()}
    assert paths == {
        "RemittanceIngest": project.parent / "functions/remittance_ingest/app.py",
        "ReferenceImport": project.parent / "functions/reference_import/app.py",
        "FollowupWorker": project.parent / "functions/followup_worker/app.py",
        "PostingWorker": project.parent / "functions/posting_worker/app.py",
        "WorklistApi": project.parent / "functions/worklist_api/app.py",
        "DepositIngest": project.parent / "functions/deposit_ingest/app.py",
        "ReconciliationSweeper": project.parent / "functions/reconciliation_sweeper/app.py",
    }
    assert all(path.is_file() for path in paths.values())
    assert {f.handler_name for f in stack.functions.values()} == {"lambda_handler"}


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("remittances/2025/era%201.835", ["RemittanceIngest"]),
        ("claims/claims.csv", ["ReferenceImport"]),
        ("fee-schedules/acme.csv", ["ReferenceImport"]),
        ("processed/remittances/era.json", []),  # summaries never re-trigger a function
        ("deposits/bank.bai", ["DepositIngest"]),
        ("remittances", []),
    ],
)
def test_s3_uploads_route_to_the_functions_the_template_names(stack: LocalStack, key: str, expected: list[str]) -> None:
    assert [f.logical_id for f in stack.functions_for_s3(stack.inbox_bucket, key)] == expected


def test_s3_routing_is_for_the_inbox_and_object_creation_only(stack: LocalStack) -> None:
    assert stack.functions_for_s3(stack.access_log_bucket, "remittances/era.835") == []
    assert stack.functions_for_s3(stack.inbox_bucket, "remittances/era.835", "ObjectRemoved:Delete") == []
    assert [
        f.logical_id for f in stack.functions_for_s3(stack.inbox_bucket, "claims/c.csv", "s3:ObjectCreated:Copy")
    ] == ["ReferenceImport"]


def test_the_followup_queue_feeds_the_worker_in_batches_of_a_hundred(stack: LocalStack) -> None:
    (by_url,) = stack.functions_for_queue(stack.followup_queue_url)
    (trigger,) = by_url.sqs_triggers
    assert by_url.logical_id == "FollowupWorker"
    assert stack.functions_for_queue(trigger.queue_arn) == [by_url]
    assert (trigger.batch_size, trigger.report_batch_item_failures) == (100, True)  # the template's BatchSize
    assert stack.functions_for_queue(stack.followup_dead_letter_queue_url) == []


def test_the_posting_queue_feeds_the_posting_worker_with_partial_failures(stack: LocalStack) -> None:
    (by_url,) = stack.functions_for_queue(stack.physical_ids["PostingQueue"])
    (trigger,) = by_url.sqs_triggers
    assert by_url.logical_id == "PostingWorker"
    assert (trigger.batch_size, trigger.report_batch_item_failures) == (2, True)
    assert stack.functions_for_queue(stack.physical_ids["PostingDeadLetterQueue"]) == []


def test_code_and_layer_are_zipped_without_build_leftovers(stack: LocalStack) -> None:
    assert zip_names(stack.staging_bucket, "remitflow/RemittanceIngest/") == ["app.py"]
    assert zip_names(stack.staging_bucket, "remitflow/RemitflowLayer/") == [
        "python/remitflow/__init__.py",
        "python/requirements.txt",
    ]
    assert stack.missing_code == ()
