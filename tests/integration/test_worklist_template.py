"""template.yaml: the billers' API is authenticated, logged, throttled, and its function may do only what it must."""

from __future__ import annotations

from typing import Any

import pytest
from tests.integration.test_template import TEMPLATE, as_list, function_props, granted, props, role_of, sub_text

from remitflow_local import load_template, translate_template

ROUTES = {
    ("GET", "/"): "NONE",
    ("GET", "/static/{name}"): "NONE",
    ("GET", "/api/followups"): None,
    ("GET", "/api/followups/{followup_id}"): None,
    ("POST", "/api/followups/{followup_id}/assign"): None,
    ("POST", "/api/followups/{followup_id}/unassign"): None,
    ("POST", "/api/followups/{followup_id}/resolve"): None,
    ("GET", "/api/codes"): None,
    ("GET", "/api/eras"): None,
    ("GET", "/api/eras/{era_id}"): None,
    ("GET", "/api/deposits"): None,
    ("GET", "/api/deposits/{deposit_id}"): None,
    ("GET", "/api/search"): None,
    ("GET", "/api/claims"): None,
    ("GET", "/api/claims/{claim_id}"): None,
    ("GET", "/api/accounts/{account_id}"): None,
    ("GET", "/api/export/{kind}"): None,
}


@pytest.fixture(scope="module")
def sam() -> dict[str, Any]:
    return load_template(TEMPLATE)


@pytest.fixture(scope="module")
def cfn(sam: dict[str, Any]) -> dict[str, Any]:
    return translate_template(sam)


def test_only_the_page_is_public_every_api_route_needs_a_cognito_token(sam: dict[str, Any]) -> None:
    api = props(sam, "WorklistHttpApi")
    assert api["Auth"]["DefaultAuthorizer"] == "BillersJwt"
    jwt = api["Auth"]["Authorizers"]["BillersJwt"]["JwtConfiguration"]
    assert sub_text(jwt["issuer"]) == "https://cognito-idp.${AWS::Region}.amazonaws.com/${BillersUserPool}"
    assert jwt["audience"] == [{"Ref": "BillersUserPoolClient"}]
    events = function_props(sam, "WorklistApi")["Events"].values()
    routes = {
        (e["Properties"]["Method"], e["Properties"]["Path"]): e["Properties"].get("Auth", {}).get("Authorizer")
        for e in events
        if e["Type"] == "HttpApi"
    }
    assert routes == ROUTES
    assert all(e["Properties"]["ApiId"] == {"Ref": "WorklistHttpApi"} for e in events)


def test_billers_are_invited_and_sign_in_with_strong_passwords(sam: dict[str, Any]) -> None:
    pool = props(sam, "BillersUserPool")
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    assert pool["MfaConfiguration"] in ("OPTIONAL", "ON")
    client = props(sam, "BillersUserPoolClient")
    assert client["GenerateSecret"] is False  # a browser page cannot keep one
    assert "ALLOW_USER_PASSWORD_AUTH" not in client["ExplicitAuthFlows"]


def test_the_api_logs_access_to_an_encrypted_log_group_and_is_throttled(sam: dict[str, Any]) -> None:
    api = props(sam, "WorklistHttpApi")
    log_group = api["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]
    assert props(sam, log_group)["KmsKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
    assert "$context.authorizer.claims.sub" in api["AccessLogSettings"]["Format"]
    assert "querystring" not in api["AccessLogSettings"]["Format"].lower()  # filters can name claims
    assert api["DefaultRouteSettings"]["ThrottlingRateLimit"] == {"Ref": "WorklistApiRateLimit"}
    assert api["DefaultRouteSettings"]["ThrottlingBurstLimit"] == {"Ref": "WorklistApiBurstLimit"}
    statement = next(s for s in props(sam, "DataKey")["KeyPolicy"]["Statement"] if s["Sid"] == "AllowStackLogGroups")
    arns = [sub_text(a) for a in as_list(statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"])]
    assert any(sub_text(props(sam, log_group)["LogGroupName"]).startswith(a.split("log-group:")[1][:-1]) for a in arns)


def test_the_api_function_may_post_and_resolve_but_never_delete(cfn: dict[str, Any]) -> None:
    role = role_of(cfn, "WorklistApi")
    claims, remittances, followups = (
        {"Fn::GetAtt": [t, "Arn"]} for t in ("ClaimsTable", "RemittancesTable", "FollowupsTable")
    )
    # One transaction: posting and claim (Put), held money (Update), follow-up (Update), new follow-ups (Put).
    assert claims in granted(cfn, role, "dynamodb:PutItem")
    assert claims in granted(cfn, role, "dynamodb:ConditionCheckItem")
    assert remittances in granted(cfn, role, "dynamodb:UpdateItem")
    assert followups in granted(cfn, role, "dynamodb:UpdateItem")
    assert followups in granted(cfn, role, "dynamodb:PutItem")
    indexes = {sub_text(r) for r in granted(cfn, role, "dynamodb:Query") if isinstance(r, dict) and "Fn::Sub" in r}
    assert indexes == {
        "${FollowupsTable.Arn}/index/by_status",
        "${FollowupsTable.Arn}/index/by_type",
        # The ERA and deposit views read, a page at a time.
        "${ClaimsTable.Arn}/index/claims_by_era",
        "${ClaimsTable.Arn}/index/claims_by_account",
        "${RemittancesTable.Arn}/index/eras_by_date",
        "${RemittancesTable.Arn}/index/eras_by_payer",
        "${RemittancesTable.Arn}/index/eras_by_trace",
        "${RemittancesTable.Arn}/index/deposits_by_date",
        # claims list, accounts: claims by account, payer and status
        "${ClaimsTable.Arn}/index/by_account",
        "${ClaimsTable.Arn}/index/by_payer",
        "${ClaimsTable.Arn}/index/by_status",
    }
    for action in (
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:Scan",
        "s3:GetObject",
        "sqs:ReceiveMessage",
    ):
        assert granted(cfn, role, action) == [], action
    assert remittances not in granted(cfn, role, "dynamodb:PutItem")  # it releases held money, never creates it


def test_outputs_name_the_page_the_user_pool_and_the_function(sam: dict[str, Any]) -> None:
    outputs = sam["Outputs"]
    assert sub_text(outputs["WorklistApiUrl"]["Value"]).startswith("https://${WorklistHttpApi}.execute-api.")
    assert outputs["UserPoolId"]["Value"] == {"Ref": "BillersUserPool"}
    assert outputs["UserPoolClientId"]["Value"] == {"Ref": "BillersUserPoolClient"}
    assert outputs["WorklistApiFunctionName"]["Value"] == {"Ref": "WorklistApi"}
    assert function_props(sam, "WorklistApi")["Timeout"] < 30  # HTTP APIs give up on an integration at 30 s
