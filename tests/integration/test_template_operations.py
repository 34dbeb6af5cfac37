"""template.yaml: what operating the stack safely needs — no payload in traces, an alarm on every
queue that holds failed work and on every function, and a sign-in that demands a second factor."""

from __future__ import annotations

from typing import Any

import pytest
from tests.integration.test_template import FUNCTIONS, TEMPLATE, function_props, props, resources

from remitflow.domain.followups import FollowupType
from remitflow_local import load_template

FAILED_WORK_QUEUES = ("FollowupDeadLetterQueue", "PostingDeadLetterQueue", "FunctionFailureQueue")
WORK_QUEUES = ("FollowupQueue", "PostingQueue")


@pytest.fixture(scope="module")
def sam() -> dict[str, Any]:
    return load_template(TEMPLATE)


def alarms(sam: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {lid: r["Properties"] for lid, r in resources(sam, "AWS::CloudWatch::Alarm").items()}


def watched(alarm: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(namespace, metric, dimensions) of every metric an alarm reads, plain or inside metric math."""
    if "MetricName" in alarm:
        dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
        return [(alarm["Namespace"], alarm["MetricName"], dimensions)]
    found = []
    for query in alarm["Metrics"]:
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            found.append(
                (metric["Namespace"], metric["MetricName"], {d["Name"]: d["Value"] for d in metric["Dimensions"]})
            )
    return found


def alarms_on(sam: dict[str, Any], namespace: str, metric: str, dimension: str, value: Any) -> list[dict[str, Any]]:
    return [
        alarm
        for alarm in alarms(sam).values()
        if any(n == namespace and m == metric and d.get(dimension) == value for n, m, d in watched(alarm))
    ]


def test_traces_never_capture_responses_or_errors(sam: dict[str, Any]) -> None:
    for function in FUNCTIONS:
        variables = function_props(sam, function)["Environment"]["Variables"]
        assert variables["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false", function
        assert variables["POWERTOOLS_TRACER_CAPTURE_ERROR"] == "false", function


@pytest.mark.parametrize("queue", FAILED_WORK_QUEUES)
def test_a_single_failed_message_raises_an_alarm(sam: dict[str, Any], queue: str) -> None:
    (alarm,) = alarms_on(
        sam, "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", {"Fn::GetAtt": [queue, "QueueName"]}
    )
    assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert "remitflow ops failures" in alarm["AlarmDescription"]


@pytest.mark.parametrize("queue", WORK_QUEUES)
def test_work_waiting_too_long_raises_an_alarm(sam: dict[str, Any], queue: str) -> None:
    (alarm,) = alarms_on(
        sam, "AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", {"Fn::GetAtt": [queue, "QueueName"]}
    )
    assert alarm["Statistic"] == "Maximum"
    assert 0 < alarm["Threshold"] <= 3600


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_alarms_on_errors_and_throttles(sam: dict[str, Any], function: str, metric: str) -> None:
    (alarm,) = alarms_on(sam, "AWS/Lambda", metric, "FunctionName", {"Ref": function})
    assert alarm["Statistic"] == "Sum" and alarm["Threshold"] == 1


@pytest.mark.parametrize("function", ["RemittanceIngest", "PostingWorker"])
def test_a_run_near_its_timeout_raises_an_alarm(sam: dict[str, Any], function: str) -> None:
    (alarm,) = alarms_on(sam, "AWS/Lambda", "Duration", "FunctionName", {"Ref": function})
    timeout_ms = function_props(sam, function)["Timeout"] * 1000
    assert alarm["Statistic"] == "Maximum"
    assert 0.5 * timeout_ms <= alarm["Threshold"] < timeout_ms


@pytest.mark.parametrize(
    ("followup_type", "services"),
    [
        (FollowupType.UNREADABLE_FILE, {"remittance-ingest"}),
        (FollowupType.UNBALANCED, {"remittance-ingest", "posting-worker"}),
    ],
)
def test_unreadable_files_and_unbalanced_eras_raise_an_alarm(
    sam: dict[str, Any], followup_type: FollowupType, services: set[str]
) -> None:
    # The names the functions emit (tests/integration/test_metrics.py asserts them), with the service dimension.
    metric = f"FollowupsRaised_{followup_type.value}"
    names = {function_props(sam, f)["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] for f in FUNCTIONS}
    assert services <= names  # the dimension is a service that exists
    for service in services:
        assert alarms_on(sam, "remitflow", metric, "service", service), (metric, service)


def test_every_alarm_notifies_the_encrypted_topic_both_ways(sam: dict[str, Any]) -> None:
    assert len(alarms(sam)) >= len(FAILED_WORK_QUEUES) + len(WORK_QUEUES) + 2 * len(FUNCTIONS) + 4
    for lid, alarm in alarms(sam).items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], lid
        assert alarm["OKActions"] == [{"Ref": "AlarmTopic"}], lid
        assert alarm["TreatMissingData"] == "notBreaching", lid
    assert props(sam, "AlarmTopic")["KmsMasterKeyId"] == {"Ref": "DataKey"}
    statements = props(sam, "DataKey")["KeyPolicy"]["Statement"]
    assert any(s.get("Principal", {}).get("Service") == "cloudwatch.amazonaws.com" for s in statements)


def test_the_alarm_email_is_optional(sam: dict[str, Any]) -> None:
    assert sam["Parameters"]["AlarmEmail"]["Default"] == ""
    subscription = sam["Resources"]["AlarmEmailSubscription"]
    assert subscription["Condition"] == "AlarmEmailGiven"
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": "AlarmTopic"},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }


def test_billers_sign_in_with_totp_and_threat_protection(sam: dict[str, Any]) -> None:
    pool = props(sam, "BillersUserPool")
    assert pool["MfaConfiguration"] == "ON"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert pool["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
    assert pool["UserPoolTier"] == "PLUS"  # threat protection is a Plus feature


def test_the_page_signs_in_with_the_code_flow_never_the_implicit_one(sam: dict[str, Any]) -> None:
    client = props(sam, "BillersUserPoolClient")
    flows = client["AllowedOAuthFlows"]["Fn::If"]
    assert flows[0] == "HostedSignIn"
    assert flows[1] == ["code"]
    assert client["GenerateSecret"] is False  # a public client: PKCE stands in for the secret
