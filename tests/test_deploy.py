"""The deployment templates in deploy/: they lint (cfn-lint, checkov), their IAM policies pass parliament,
and they grant exactly what the rule's code calls (acm_expiry.permissions), no more.

Templates are read by tests/support/templates.py, which resolves their intrinsics for concrete parameter
values, so every check below looks at the policy AWS would see for that deployment.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_file

from acm_expiry.permissions import EXEMPTION_ACTIONS, FINDINGS_ACTIONS, PAGES_ACTIONS
from acm_expiry.permissions import RULE_ACTIONS as RULE_ACTIONS_BY_OPERATION
from tests.support.templates import (
    ACCOUNT,
    DEPLOY,
    RELEASED_MEMBER,
    ROOT,
    SAMPLE_PINS,
    Resolver,
    RuleAssertionFailed,
    active_resources,
    allowed_by_pattern,
    as_list,
    granted,
    load,
    permission_statements,
    policies,
    statements_for,
)

# tests/test_alerts.py (and any test written against this module before the helpers moved) imports these here.
from tests.support.templates import NO_VALUE as NO_VALUE
from tests.support.templates import PSEUDO_PARAMETERS as PSEUDO_PARAMETERS

TEMPLATES = sorted(DEPLOY.glob("*.yaml"))
RULE_NAME = "ACMExpiryRule"
RDK_FUNCTION_NAME = f"RDK-Rule-Function-{RULE_NAME}"
MEMBER_ROLE = "ACMExpiryRule-Member"
EXEMPT_TAG_KEY = "acm-expiry-exempt"
ORGANIZATION_ID = "o-exampleorg1"
CENTRAL_ACCOUNT = "222222222222"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"

# Deployments whose policies are checked: parameter values on top of each template's defaults.
EXECUTION_ROLE_CASES: dict[str, dict[str, str]] = {
    "single-account": {},
    "single-account-findings": {"SecurityHubFindings": "true"},
    "organization": {"MemberRoleName": MEMBER_ROLE, "OrganizationId": ORGANIZATION_ID},
    "organization-findings": {
        "SecurityHubFindings": "true",
        "MemberRoleName": MEMBER_ROLE,
        "OrganizationId": ORGANIZATION_ID,
    },
    "custom-function-name": {"FunctionName": "acm-expiry-rule"},
    "single-account-exemptions": {"ExemptTagKey": EXEMPT_TAG_KEY},
    "single-account-no-oversized": {"OversizedNotifications": "false"},
    "single-account-no-pages": {"CrossingEvents": "false"},
    "organization-everything": {
        "SecurityHubFindings": "true",
        "MemberRoleName": MEMBER_ROLE,
        "OrganizationId": ORGANIZATION_ID,
        "ExemptTagKey": EXEMPT_TAG_KEY,
    },
}
MEMBER_ROLE_CASES: dict[str, dict[str, str]] = {
    "member": {"CentralAccountId": CENTRAL_ACCOUNT},
    "member-fenced": {"CentralAccountId": CENTRAL_ACCOUNT, "OrganizationId": ORGANIZATION_ID},
    "member-findings": {"CentralAccountId": CENTRAL_ACCOUNT, "SecurityHubFindings": "true"},
    "member-exemptions": {"CentralAccountId": CENTRAL_ACCOUNT, "ExemptTagKey": EXEMPT_TAG_KEY},
    "member-no-oversized": {"CentralAccountId": CENTRAL_ACCOUNT, "OversizedNotifications": "false"},
    "member-no-pages": {"CentralAccountId": CENTRAL_ACCOUNT, "CrossingEvents": "false"},
    "member-everything": {
        "CentralAccountId": CENTRAL_ACCOUNT,
        "SecurityHubFindings": "true",
        "ExemptTagKey": EXEMPT_TAG_KEY,
        "OrganizationId": ORGANIZATION_ID,
    },
}
# deploy/member.yaml: the whole rule in one account (what organization.yaml's StackSet deploys).
# The keys and versions are in the released copy's Artifacts mapping (tests/support/templates.py, SAMPLE_PINS).
ARTIFACTS = {"ArtifactBucketAccount": CENTRAL_ACCOUNT}
MEMBER_FUNCTION_NAME = "acm-expiry-rule"  # member.yaml's default: not RDK's name
# The function's role alone: Remediation "none" leaves the runbook's role out (tests/test_runbook.py checks that one).
FUNCTION_ONLY = {**ARTIFACTS, "Remediation": "none"}
STACK_CASES: dict[str, dict[str, str]] = {
    "defaults": FUNCTION_ONLY,
    "findings": {**FUNCTION_ONLY, "SecurityHubFindings": "true"},
    "exemptions": {**FUNCTION_ONLY, "ExemptTagKey": EXEMPT_TAG_KEY},
    "no-oversized": {**FUNCTION_ONLY, "OversizedNotifications": "false"},
    "no-pages": {**FUNCTION_ONLY, "CrossingEvents": "false"},
    "everything": {**FUNCTION_ONLY, "SecurityHubFindings": "true", "ExemptTagKey": EXEMPT_TAG_KEY},
}
ROLE_TEMPLATES = ("execution-role.yaml", "member-role.yaml", RELEASED_MEMBER)
POLICY_CASES = (
    [
        pytest.param("execution-role.yaml", overrides, id=f"execution-role-{name}")
        for name, overrides in EXECUTION_ROLE_CASES.items()
    ]
    + [
        pytest.param("member-role.yaml", overrides, id=f"member-role-{name}")
        for name, overrides in MEMBER_ROLE_CASES.items()
    ]
    + [pytest.param(RELEASED_MEMBER, overrides, id=f"member-stack-{name}") for name, overrides in STACK_CASES.items()]
    + [pytest.param("aggregator.yaml", {}, id="aggregator")]
)
CASES_BY_TEMPLATE = {
    "execution-role.yaml": EXECUTION_ROLE_CASES,
    "member-role.yaml": MEMBER_ROLE_CASES,
    RELEASED_MEMBER: STACK_CASES,
}

# What the templates must grant besides the rule's API calls: the function's own logs (execution role and
# the member stack's role, which needs no CreateLogGroup: its stack creates the group) and sts:AssumeRole
# on the member role (execution role, organization use only).
LOGS_ACTIONS = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
ASSUME_ROLE = "sts:AssumeRole"
OVERSIZED_ACTION = "config:GetResourceConfigHistory"
RULE_ACTIONS = set(RULE_ACTIONS_BY_OPERATION.values()) - {ASSUME_ROLE}


def one_case_each(execution_role: str, member_role: str, member_stack: str) -> list[Any]:
    """A case (by name) of each role template, for a property all three must have."""
    return [
        pytest.param("execution-role.yaml", EXECUTION_ROLE_CASES[execution_role], id="execution-role"),
        pytest.param("member-role.yaml", MEMBER_ROLE_CASES[member_role], id="member-role"),
        pytest.param(RELEASED_MEMBER, STACK_CASES[member_stack], id="member-stack"),
    ]


def rule_grants(name: str, overrides: Mapping[str, str]) -> set[str]:
    """What a role template grants of the rule's own calls (logs and sts:AssumeRole left out)."""
    return granted(name, overrides) - LOGS_ACTIONS - {ASSUME_ROLE}


# --- cfn-lint ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rdk_rule_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `rdk create-rule-template --rules-only` makes of parameters.json (offline)."""
    rdk = Path(sys.executable).parent / "rdk"
    executable = str(rdk) if rdk.exists() else shutil.which("rdk")
    assert executable, "rdk is not installed"
    output = tmp_path_factory.mktemp("rdk") / "rule.json"
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    result = subprocess.run(
        [executable, "create-rule-template", "--rules-only", "-o", str(output), RULE_NAME],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return output


def assert_lints_clean(path: Path) -> None:
    matches = lint_file(path)
    assert not matches, "\n".join(str(match) for match in matches)


def test_deploy_has_the_templates() -> None:
    names = {path.name for path in TEMPLATES}
    assert {
        "execution-role.yaml",
        "member-role.yaml",
        "invoke-permission.yaml",
        "conformance-pack.yaml",
        "alerts.yaml",
        "member.yaml",
        "organization.yaml",
        "artifacts.yaml",
        "aggregator.yaml",
        "remediation.yaml",
    } <= names
    assert (DEPLOY / "README.md").is_file() and (DEPLOY.parent / "docs" / "deployment.md").is_file()


@pytest.mark.parametrize("path", TEMPLATES, ids=[path.name for path in TEMPLATES])
def test_template_lints_clean(path: Path) -> None:
    assert_lints_clean(path)


def test_rdk_rule_template_lints_clean(rdk_rule_template: Path) -> None:
    assert_lints_clean(rdk_rule_template)


def test_rdk_rule_template_describes_the_rule(rdk_rule_template: Path) -> None:
    template = json.loads(rdk_rule_template.read_text())
    rules = [r for r in template["Resources"].values() if r["Type"] == "AWS::Config::ConfigRule"]
    assert len(rules) == 1
    rule = rules[0]["Properties"]
    assert rule["ConfigRuleName"] == RULE_NAME
    assert rule["Scope"] == {"ComplianceResourceTypes": ["AWS::ACM::Certificate"]}
    assert rule["Source"]["Owner"] == "CUSTOM_LAMBDA"
    # The function name RDK gives the function is the one the execution role's logs grant defaults to.
    assert rule["Source"]["SourceIdentifier"]["Fn::Sub"].endswith(f":function:{RDK_FUNCTION_NAME}")
    assert load("execution-role.yaml")["Parameters"]["FunctionName"]["Default"] == RDK_FUNCTION_NAME
    details = {d["MessageType"]: d for d in rule["Source"]["SourceDetails"]}
    assert "ConfigurationItemChangeNotification" in details
    assert details["ScheduledNotification"]["MaximumExecutionFrequency"] == "TwentyFour_Hours"
    days = rule["InputParameters"]["daysToExpiration"]
    assert template["Parameters"][days["Ref"]]["Default"] == "30"


# --- parliament --------------------------------------------------------------------------------------


@functools.cache
def parliament_module() -> types.ModuleType:
    """parliament 1.6 imports pkg_resources only for resource_filename; setuptools (which ships
    pkg_resources) is not in a fresh Python 3.12 virtualenv, so stand in for that one function."""
    if importlib.util.find_spec("pkg_resources") is None:
        shim = types.ModuleType("pkg_resources")

        def resource_filename(package: str, resource: str) -> str:
            spec = importlib.util.find_spec(package)
            assert spec is not None and spec.origin is not None
            return str(Path(spec.origin).parent / resource)

        shim.resource_filename = resource_filename  # type: ignore[attr-defined]
        sys.modules["pkg_resources"] = shim
    import parliament

    community = Path(parliament.__file__).parent / "community_auditors" / "config_override.yaml"
    parliament.override_config(str(community))
    return parliament


# Findings accepted, each for a reason; everything else, of any severity, fails.
# CREDENTIALS_EXPOSURE (community auditor) lists sts:AssumeRole because its answer is credentials. A role's
# trust policy is nothing but sts:AssumeRole, and the execution role's grant names the member role only
# (test_assume_role_names_the_member_role_only).
ACCEPTED_FINDINGS = {("CREDENTIALS_EXPOSURE", json.dumps({"actions": ["sts:assumerole"]}, sort_keys=True))}


def parliament_findings(document: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    parliament = parliament_module()
    policy = parliament.analyze_policy_string(json.dumps(document), include_community_auditors=True)
    findings = []
    for finding in policy.findings:
        finding = parliament.enhance_finding(finding)
        location = {k: v for k, v in finding.location.items() if k not in ("filepath", "line", "column")}
        key = (finding.issue, json.dumps(location, sort_keys=True))
        if key not in ACCEPTED_FINDINGS:
            findings.append((finding.severity, finding.issue, f"{finding.detail} {location}"))
    return findings


def as_parliament_sees_it(where: str, document: dict[str, Any], role_arn: str) -> dict[str, Any]:
    """parliament lints identity policies, which name their Resource. A trust policy is the resource
    policy of the role itself, so it is checked with the role as its Resource."""
    if not where.endswith("AssumeRolePolicyDocument"):
        return document
    statements = [{**statement, "Resource": role_arn} for statement in document["Statement"]]
    return {**document, "Statement": statements}


@pytest.mark.parametrize(("name", "overrides"), POLICY_CASES)
def test_policies_pass_parliament(name: str, overrides: dict[str, str]) -> None:
    documents = policies(name, overrides)
    assert documents
    template = load(name)
    (role,) = [
        props
        for _, kind, props in active_resources(template, Resolver(template, overrides))
        if kind == "AWS::IAM::Role"
    ]
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role.get('RoleName', 'generated-by-cloudformation')}"
    problems = {
        where: found
        for where, document in documents.items()
        if (found := parliament_findings(as_parliament_sees_it(where, document, role_arn)))
    }
    assert not problems, json.dumps(problems, indent=2)


def test_parliament_still_catches_a_wildcard() -> None:
    """The check above is live: parliament does report what it should."""
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "acm:*", "Resource": "*"}]}
    assert parliament_findings(document)


# --- what the roles grant ----------------------------------------------------------------------------


def test_execution_role_grants_exactly_what_the_code_calls() -> None:
    actions = granted("execution-role.yaml", EXECUTION_ROLE_CASES["organization-everything"])
    assert actions - LOGS_ACTIONS - {ASSUME_ROLE} == RULE_ACTIONS
    assert actions & {a for a in actions if a.startswith("logs:")} == LOGS_ACTIONS
    assert ASSUME_ROLE in actions


def test_member_role_grants_exactly_what_the_code_calls() -> None:
    actions = granted("member-role.yaml", MEMBER_ROLE_CASES["member-everything"])
    assert actions == RULE_ACTIONS
    assert not any(action.startswith("logs:") for action in actions)


def test_member_stack_role_grants_exactly_what_the_code_calls() -> None:
    """The function uses its own role (AssumeRoleMode "false"): no sts:AssumeRole; its stack creates the log
    group, so no logs:CreateLogGroup either."""
    actions = granted(RELEASED_MEMBER, STACK_CASES["everything"])
    assert actions == RULE_ACTIONS | {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert ASSUME_ROLE not in actions


def test_the_optional_actions_are_rule_actions() -> None:
    """What the parameters switch on is part of what the code calls, and the switches do not overlap."""
    assert FINDINGS_ACTIONS | EXEMPTION_ACTIONS | {OVERSIZED_ACTION} <= RULE_ACTIONS
    assert not FINDINGS_ACTIONS & EXEMPTION_ACTIONS
    assert OVERSIZED_ACTION not in FINDINGS_ACTIONS | EXEMPTION_ACTIONS


@pytest.mark.parametrize(("name", "overrides"), one_case_each("organization", "member", "defaults"))
def test_findings_off_grants_no_findings_import(name: str, overrides: dict[str, str]) -> None:
    assert not granted(name, overrides) & FINDINGS_ACTIONS
    assert rule_grants(name, overrides) == RULE_ACTIONS - FINDINGS_ACTIONS - EXEMPTION_ACTIONS


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        pytest.param(name, overrides, id=f"{name.removesuffix('.yaml')}-{case}")
        for name, cases in CASES_BY_TEMPLATE.items()
        for case, overrides in cases.items()
        if "ExemptTagKey" not in overrides
    ],
)
def test_exemptions_off_grant_no_tagging(name: str, overrides: dict[str, str]) -> None:
    """Without ExemptTagKey the rule makes no tagging call, and the role cannot make one either."""
    actions = granted(name, overrides)
    assert not actions & EXEMPTION_ACTIONS
    assert not any(action.startswith("tag:") for action in actions)


@pytest.mark.parametrize(("name", "overrides"), one_case_each("single-account-no-pages", "member-no-pages", "no-pages"))
def test_crossing_events_off_grants_neither_put_events_nor_the_held_result_read(
    name: str, overrides: dict[str, str]
) -> None:
    assert not granted(name, overrides) & PAGES_ACTIONS
    assert rule_grants(name, overrides) == RULE_ACTIONS - FINDINGS_ACTIONS - EXEMPTION_ACTIONS - PAGES_ACTIONS
    with_pages = {key: value for key, value in overrides.items() if key != "CrossingEvents"}
    (statement,) = statements_for("events:PutEvents", name, with_pages)
    # The rule's own source and detail-type, on the default bus: nothing else can be put with the role.
    assert statement["Condition"] == {
        "StringEquals": {
            "events:source": "acm-expiry-rule",
            "events:detail-type": "ACM Certificate Crossed an Expiry Threshold",
        }
    }
    assert load(name)["Parameters"]["CrossingEvents"]["Default"] == "true"


@pytest.mark.parametrize(
    ("name", "overrides"), one_case_each("single-account-exemptions", "member-exemptions", "exemptions")
)
def test_exempt_tag_key_grants_get_resources_alone(name: str, overrides: dict[str, str]) -> None:
    assert rule_grants(name, overrides) == RULE_ACTIONS - FINDINGS_ACTIONS
    (statement,) = statements_for("tag:GetResources", name, overrides)
    # A statement of its own: "*" (GetResources has no resource-level permissions) reaches nothing else.
    assert as_list(statement["Action"]) == ["tag:GetResources"]
    assert as_list(statement["Resource"]) == ["*"]
    assert "Condition" not in statement


@pytest.mark.parametrize(
    ("name", "overrides"), one_case_each("single-account-no-oversized", "member-no-oversized", "no-oversized")
)
def test_get_resource_config_history_only_with_oversized_notifications(name: str, overrides: dict[str, str]) -> None:
    """Only oversized change notifications read an item back: without them, no GetResourceConfigHistory."""
    assert OVERSIZED_ACTION not in granted(name, overrides)
    assert rule_grants(name, overrides) == RULE_ACTIONS - FINDINGS_ACTIONS - EXEMPTION_ACTIONS - {OVERSIZED_ACTION}
    with_oversized = {key: value for key, value in overrides.items() if key != "OversizedNotifications"}
    (statement,) = statements_for(OVERSIZED_ACTION, name, with_oversized)
    assert as_list(statement["Action"]) == [OVERSIZED_ACTION]  # "*": a statement of its own
    assert load(name)["Parameters"]["OversizedNotifications"]["Default"] == "true"


@pytest.mark.parametrize("name", ["execution-role.yaml", "member-role.yaml", "member.yaml", "organization.yaml"])
@pytest.mark.parametrize(
    ("tag_key", "allowed"),
    [
        ("", True),
        ("aws:reserved", False),  # AWS's own prefix: the rule refuses it (every invocation would fail)
        ("AWS:Reserved", False),
        ("aws-team", True),
        (EXEMPT_TAG_KEY, True),
        ("Exempt From Expiry", True),
        ("team:acm/exempt=+-@_.", True),
        ("ausgenommen-\u00e4\u00f6\u00fc", True),
        ("k" * 128, True),
        ("k" * 129, False),
        ("bad#key", False),
        ('quote"key', False),
    ],
)
def test_exempt_tag_key_takes_what_a_tag_key_may_be(name: str, tag_key: str, allowed: bool) -> None:
    """1 to 128 letters, digits, spaces and _ . : / = + - @ (the tag key pattern of ACM's API), not aws:, or empty:
    what the rule's exemptTagKey accepts, so a stack never deploys a parameter every invocation refuses."""
    spec = load(name)["Parameters"]["ExemptTagKey"]
    assert spec["Default"] == ""
    assert allowed_by_pattern(str(spec["AllowedPattern"]), tag_key) is allowed


@pytest.mark.parametrize(("name", "overrides"), POLICY_CASES)
def test_no_wildcard_actions_and_no_negations(name: str, overrides: dict[str, str]) -> None:
    for document in policies(name, overrides).values():
        for statement in document["Statement"]:
            assert statement["Effect"] == "Allow"
            assert not {"NotAction", "NotResource", "NotPrincipal"} & set(statement)
            assert all("*" not in action for action in as_list(statement["Action"])), statement


def test_single_account_roles_cannot_assume_roles() -> None:
    for case in ("single-account", "single-account-findings", "custom-function-name"):
        assert ASSUME_ROLE not in granted("execution-role.yaml", EXECUTION_ROLE_CASES[case])
    for overrides in STACK_CASES.values():
        assert ASSUME_ROLE not in granted(RELEASED_MEMBER, overrides)


def test_assume_role_names_the_member_role_in_the_organization_only() -> None:
    (statement,) = statements_for(ASSUME_ROLE, "execution-role.yaml", EXECUTION_ROLE_CASES["organization"])
    assert as_list(statement["Action"]) == [ASSUME_ROLE]
    # rdklib assumes <prefix of event executionRoleArn>/<ExecutionRoleName>: any member account, this name, no path.
    assert as_list(statement["Resource"]) == [f"arn:aws:iam::*:role/{MEMBER_ROLE}"]
    # The fence is not optional across accounts.
    assert statement["Condition"] == {"StringEquals": {"aws:ResourceOrgID": ORGANIZATION_ID}}


def test_a_member_role_name_without_an_organization_is_refused() -> None:
    """CloudFormation refuses the stack (the template's Rules): no cross-account grant without the fence."""
    template = load("execution-role.yaml")
    with pytest.raises(RuleAssertionFailed, match="OrganizationId"):
        Resolver(template, {"MemberRoleName": MEMBER_ROLE})
    Resolver(template, {"OrganizationId": ORGANIZATION_ID})  # unused without MemberRoleName, and harmless


@pytest.mark.parametrize(("function_name", "region"), [(RDK_FUNCTION_NAME, "*"), ("acm-expiry-rule", "*")])
def test_logs_are_the_functions_own_log_group(function_name: str, region: str) -> None:
    (statement,) = statements_for("logs:PutLogEvents", "execution-role.yaml", {"FunctionName": function_name})
    assert set(as_list(statement["Action"])) == LOGS_ACTIONS
    log_group = f"arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/lambda/{function_name}"
    assert sorted(as_list(statement["Resource"])) == [log_group, f"{log_group}:*"]


def test_member_stack_logs_to_the_group_it_creates() -> None:
    template = load(RELEASED_MEMBER)
    resolver = Resolver(template, ARTIFACTS)
    resources = {logical_id: props for logical_id, _, props in active_resources(template, resolver)}
    group = resources["FunctionLogGroup"]
    assert (
        group["LogGroupName"]
        == f"/aws/lambda/{MEMBER_FUNCTION_NAME}"
        == f"/aws/lambda/{resources['Function']['FunctionName']}"
    )
    assert int(group["RetentionInDays"]) > 0
    assert template["Resources"]["Function"]["DependsOn"] == "FunctionLogGroup"
    (statement,) = statements_for("logs:PutLogEvents", RELEASED_MEMBER, ARTIFACTS)
    assert set(as_list(statement["Action"])) == {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert as_list(statement["Resource"]) == [
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/{MEMBER_FUNCTION_NAME}:*"
    ]


@pytest.mark.parametrize(("name", "overrides"), POLICY_CASES)
def test_resources_are_scoped_where_the_service_allows(name: str, overrides: dict[str, str]) -> None:
    # Actions without resource-level permissions (Service Authorization Reference) must use "*".
    unscoped = {
        "acm:ListCertificates",
        "config:PutEvaluations",
        "config:GetResourceConfigHistory",
        "config:GetComplianceDetailsByResource",
        "tag:GetResources",
    }
    # One role serves every Region (IAM is global), except the member stack's: one per Region.
    region = "us-east-1" if name == RELEASED_MEMBER else "*"
    scoped = {
        "acm:DescribeCertificate": f"arn:aws:acm:{region}:{ACCOUNT}:certificate/*",
        "config:GetComplianceDetailsByConfigRule": f"arn:aws:config:{region}:{ACCOUNT}:config-rule/*",
        "securityhub:BatchImportFindings": f"arn:aws:securityhub:{region}:{ACCOUNT}:product/{ACCOUNT}/default",
        "securityhub:BatchUpdateFindings": f"arn:aws:securityhub:{region}:{ACCOUNT}:hub/default",
        "securityhub:GetFindings": f"arn:aws:securityhub:{region}:{ACCOUNT}:hub/default",
        "events:PutEvents": f"arn:aws:events:{region}:{ACCOUNT}:event-bus/default",
    }
    for statement in permission_statements(name, overrides):
        resources = as_list(statement["Resource"])
        for action in as_list(statement["Action"]):
            if action in scoped:
                assert resources == [scoped[action]], (action, resources)
            elif resources == ["*"]:
                assert action in unscoped, f"{action} is granted on every resource"


@functools.cache
def authorization_reference() -> dict[str, dict[str, Any]]:
    """The Service Authorization Reference as parliament ships it: for each IAM action, the ARN pattern of
    every resource type it names (empty: the action has no resource-level permissions)."""
    source = Path(parliament_module().__file__).parent / "iam_definition.json"
    reference: dict[str, dict[str, Any]] = {}
    for service in json.loads(source.read_text()):
        arns = {resource["resource"]: resource["arn"] for resource in service["resources"]}
        for privilege in service["privileges"]:
            types_named = [t["resource_type"].rstrip("*") for t in privilege["resource_types"] if t["resource_type"]]
            action = f"{service['prefix']}:{privilege['privilege']}".lower()
            reference[action] = {name: arns[name] for name in types_named}
    return reference


def matches_arn_pattern(resource: str, pattern: str) -> bool:
    """Some ARN fits both ``resource`` (a policy's, ``*`` matching any text) and the reference's ``pattern``
    (``${Name}`` matching any text). As in IAM, the partition, service, Region and account are matched each on
    its own; the resource part, which may hold colons, as a whole."""
    parts, pattern_parts = resource.split(":", 5), pattern.split(":", 5)
    return len(parts) == len(pattern_parts) == 6 and all(map(_globs_meet, parts, pattern_parts))


def _globs_meet(glob: str, pattern: str) -> bool:
    """The two globs (``*`` in ``glob``, ``${Name}`` in ``pattern``, both any text) have a string in common."""
    star = None
    left = [star if char == "*" else char for char in glob]
    right = [
        token
        for part in re.split(r"(\$\{[^}]+\})", pattern)
        for token in ([star] if part.startswith("${") else list(part))
    ]

    @functools.cache
    def meet(i: int, j: int) -> bool:
        if i == len(left) and j == len(right):
            return True
        if i < len(left) and left[i] is star:
            return meet(i + 1, j) or (j < len(right) and meet(i, j + 1))
        if j < len(right) and right[j] is star:
            return meet(i, j + 1) or (i < len(left) and meet(i + 1, j))
        return i < len(left) and j < len(right) and left[i] == right[j] and meet(i + 1, j + 1)

    return meet(0, 0)


@pytest.mark.parametrize(("name", "overrides"), POLICY_CASES)
def test_resources_follow_the_service_authorization_reference(name: str, overrides: dict[str, str]) -> None:
    """Every action of a statement reaches one of its resources through a resource type the reference lists for
    it, every resource serves one of the actions, and "*" stands only for actions that list no resource type."""
    reference = authorization_reference()
    for statement in permission_statements(name, overrides):
        actions = {action: reference[action.lower()] for action in as_list(statement["Action"])}
        resources = as_list(statement["Resource"])
        if resources == ["*"]:
            scopable = {action: sorted(types.values()) for action, types in actions.items() if types}
            assert not scopable, f"granted on every resource, but the reference scopes them: {scopable}"
            continue
        assert "*" not in resources, statement
        fits = {
            (resource, action): any(matches_arn_pattern(resource, arn) for arn in types.values())
            for resource in resources
            for action, types in actions.items()
        }
        for action in actions:
            assert any(fits[resource, action] for resource in resources), (action, resources, actions[action])
        for resource in resources:
            assert any(fits[resource, action] for action in actions), (resource, actions)


def test_get_resources_has_no_resource_level_permissions() -> None:
    """Why tag:GetResources is granted on "*": the reference names no resource type for it."""
    assert authorization_reference()["tag:getresources"] == {}


def test_batch_update_findings_is_scoped_to_the_hub() -> None:
    """BatchImportFindings needs the product; BatchUpdateFindings names the hub (not required, but listed)."""
    reference = authorization_reference()
    assert set(reference["securityhub:batchupdatefindings"]) == {"hub"}
    assert set(reference["securityhub:getfindings"]) == {"hub"}
    assert set(reference["securityhub:batchimportfindings"]) == {"product"}
    for name, overrides in (
        ("execution-role.yaml", EXECUTION_ROLE_CASES["single-account-findings"]),
        ("member-role.yaml", MEMBER_ROLE_CASES["member-findings"]),
    ):
        (statement,) = statements_for("securityhub:BatchUpdateFindings", name, overrides)
        assert as_list(statement["Action"]) == ["securityhub:GetFindings", "securityhub:BatchUpdateFindings"]
        assert as_list(statement["Resource"]) == [f"arn:aws:securityhub:*:{ACCOUNT}:hub/default"]


def test_member_role_trusts_the_central_function_role_only() -> None:
    template = load("member-role.yaml")
    documents = policies("member-role.yaml", MEMBER_ROLE_CASES["member"])
    (statement,) = documents["MemberRole.AssumeRolePolicyDocument"]["Statement"]
    central_role = template["Parameters"]["CentralExecutionRoleName"]["Default"]
    assert central_role == load("execution-role.yaml")["Parameters"]["RoleName"]["Default"]
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/{central_role}"}
    assert statement["Action"] == ASSUME_ROLE
    # rdklib cannot assume a role with a path, and the name is what ExecutionRoleName carries.
    (role,) = [props for _, kind, props in active_resources(template, Resolver(template, MEMBER_ROLE_CASES["member"]))]
    assert role["Path"] == "/"
    assert role["RoleName"] == MEMBER_ROLE
    assert "Condition" not in statement


def test_member_role_trust_is_fenced_to_the_organization_when_given() -> None:
    documents = policies("member-role.yaml", MEMBER_ROLE_CASES["member-fenced"])
    (statement,) = documents["MemberRole.AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION_ID}}


def test_execution_role_trusts_lambda_and_outputs_its_arn() -> None:
    template = load("execution-role.yaml")
    (statement,) = policies("execution-role.yaml", {})["ExecutionRole.AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert template["Outputs"]["RoleArn"]["Value"] == {"Fn::GetAtt": ["ExecutionRole", "Arn"]}


RULE_ARN = f"arn:aws:config:us-east-1:{CENTRAL_ACCOUNT}:config-rule/config-rule-ab12cd"


@pytest.mark.parametrize(
    ("overrides", "account", "source_arn"),
    [
        pytest.param({}, ACCOUNT, f"arn:aws:config:us-east-1:{ACCOUNT}:config-rule/*", id="this-account"),
        pytest.param(
            {"SourceAccountId": CENTRAL_ACCOUNT},
            CENTRAL_ACCOUNT,
            f"arn:aws:config:us-east-1:{CENTRAL_ACCOUNT}:config-rule/*",
            id="another-account",
        ),
        pytest.param(
            {"SourceAccountId": CENTRAL_ACCOUNT, "ConfigRuleArn": RULE_ARN}, CENTRAL_ACCOUNT, RULE_ARN, id="one-rule"
        ),
    ],
)
def test_invoke_permission_is_for_config_rules_of_one_account(
    overrides: dict[str, str], account: str, source_arn: str
) -> None:
    """SourceAccount and SourceArn: one account's Config rules in this Region, or one rule by its ARN."""
    template = load("invoke-permission.yaml")
    ((_, kind, permission),) = list(active_resources(template, Resolver(template, overrides)))
    assert kind == "AWS::Lambda::Permission"
    assert permission == {
        "FunctionName": RDK_FUNCTION_NAME,
        "Action": "lambda:InvokeFunction",
        "Principal": "config.amazonaws.com",
        "SourceAccount": account,
        "SourceArn": source_arn,
    }


def test_member_stack_invoke_permission_names_its_account_and_its_rules() -> None:
    """The rule's own ARN cannot be named (Config checks the permission before the rule, and its id, exist):
    this account, and this account's Config rules in this Region; the rule is created after the permission."""
    template = load(RELEASED_MEMBER)
    resources = {
        logical_id: props for logical_id, _, props in active_resources(template, Resolver(template, ARTIFACTS))
    }
    assert resources["ConfigInvokePermission"] == {
        "FunctionName": "sample-Function-Arn",
        "Action": "lambda:InvokeFunction",
        "Principal": "config.amazonaws.com",
        "SourceAccount": ACCOUNT,
        "SourceArn": f"arn:aws:config:us-east-1:{ACCOUNT}:config-rule/*",
    }
    assert template["Resources"]["Rule"]["DependsOn"] == "ConfigInvokePermission"


# --- the conformance pack ----------------------------------------------------------------------------


def conformance_pack_rule(overrides: Mapping[str, str]) -> dict[str, Any]:
    template = load("conformance-pack.yaml")
    resolver = Resolver(template, {"LambdaFunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:x", **overrides})
    ((_, kind, rule),) = list(active_resources(template, resolver))
    assert kind == "AWS::Config::ConfigRule"
    return rule


def test_conformance_pack_uses_only_what_packs_support() -> None:
    template = load("conformance-pack.yaml")
    assert set(template) <= {"AWSTemplateFormatVersion", "Description", "Parameters", "Conditions", "Resources"}
    kinds = {resource["Type"] for resource in template["Resources"].values()}
    assert kinds <= {"AWS::Config::ConfigRule", "AWS::Config::RemediationConfiguration"}


ALL_TRIGGERS = {
    "ConfigurationItemChangeNotification",
    "OversizedConfigurationItemChangeNotification",
    "ScheduledNotification",
}


def assert_rule_triggers_and_scope(rule: Mapping[str, Any], triggers: set[str] = ALL_TRIGGERS) -> None:
    assert rule["Scope"] == {"ComplianceResourceTypes": ["AWS::ACM::Certificate"]}
    assert rule["Source"]["Owner"] == "CUSTOM_LAMBDA"
    details = {d["MessageType"]: d for d in rule["Source"]["SourceDetails"]}
    assert set(details) == triggers
    assert all(d["EventSource"] == "aws.config" for d in details.values())
    assert details["ScheduledNotification"]["MaximumExecutionFrequency"] == "TwentyFour_Hours"
    assert all("MaximumExecutionFrequency" not in d for kind, d in details.items() if kind != "ScheduledNotification")


def test_conformance_pack_rule_triggers_and_scope() -> None:
    rule = conformance_pack_rule({})
    assert_rule_triggers_and_scope(rule)
    assert rule["Source"]["SourceIdentifier"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:x"
    no_oversized = conformance_pack_rule({"OversizedNotifications": "false"})
    assert_rule_triggers_and_scope(no_oversized, ALL_TRIGGERS - {"OversizedConfigurationItemChangeNotification"})


# --- the member stack: the whole rule in one account ---------------------------------------------------


def member_stack(overrides: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    template = load(RELEASED_MEMBER)
    return {logical_id: props for logical_id, _, props in active_resources(template, Resolver(template, overrides))}


def test_member_stack_rule_has_all_three_triggers_and_runs_on_its_own_role() -> None:
    rule = member_stack(ARTIFACTS)["Rule"]
    assert_rule_triggers_and_scope(rule)
    assert rule["ConfigRuleName"] == MEMBER_FUNCTION_NAME  # acm-expiry-rule, not RDK's ACMExpiryRule
    assert rule["Source"]["SourceIdentifier"] == "sample-Function-Arn"
    assert rule["InputParameters"] == {
        "daysToExpiration": "30",
        "securityHubFindings": "false",
        "crossingEvents": "true",
        "alertThresholdDays": "7",
        "AssumeRoleMode": "false",
    }
    everything = member_stack({**STACK_CASES["everything"], "DaysToExpiration": "45", "AlertThresholdDays": "14,3"})
    assert everything["Rule"]["InputParameters"] == {
        "daysToExpiration": "45",
        "securityHubFindings": "true",
        "crossingEvents": "true",
        "alertThresholdDays": "14,3",
        "AssumeRoleMode": "false",
        "exemptTagKey": EXEMPT_TAG_KEY,
    }
    no_oversized = member_stack(STACK_CASES["no-oversized"])["Rule"]
    assert_rule_triggers_and_scope(no_oversized, ALL_TRIGGERS - {"OversizedConfigurationItemChangeNotification"})


def test_member_stack_function_runs_on_the_layer_with_the_recommended_settings() -> None:
    """python3.12, 900 s and 256 MB by default (the brief's recommended settings), on the layer of pinned SDK,
    both zips from this Region's artifact bucket of the releasing account, at the S3 versions the release pinned
    for this Region."""
    resources = member_stack(ARTIFACTS)
    function, layer = resources["Function"], resources["SdkLayer"]
    bucket = f"acm-expiry-artifacts-{CENTRAL_ACCOUNT}-us-east-1"
    assert function["Runtime"] == "python3.12"
    assert function["Handler"] == "ACMExpiryRule.lambda_handler"
    assert (function["Timeout"], function["MemorySize"]) == ("900", "256")
    assert function["FunctionName"] == MEMBER_FUNCTION_NAME
    assert function["Layers"] == ["sample-SdkLayer"]
    assert function["Code"] == {
        "S3Bucket": bucket,
        "S3Key": SAMPLE_PINS.function_key,
        "S3ObjectVersion": SAMPLE_PINS.function_version,
    }
    assert layer["Content"] == {
        "S3Bucket": bucket,
        "S3Key": SAMPLE_PINS.layer_key,
        "S3ObjectVersion": SAMPLE_PINS.layer_version,
    }
    assert "CodeSigningConfigArn" not in function
    assert layer["CompatibleRuntimes"] == ["python3.12"]
    assert function["Role"] == "sample-FunctionRole-Arn"
    parameters = load("member.yaml")["Parameters"]
    assert parameters["FunctionTimeout"]["MaxValue"] == 900  # Lambda's most


# --- checkov -----------------------------------------------------------------------------------------


def checkov(*arguments: str) -> dict[str, Any]:
    """checkov's JSON report (its own virtualenv: `make test` makes it, see the Makefile)."""
    assert CHECKOV.exists(), f"{CHECKOV} is missing: run `make test`, which installs deploy/checkov-requirements.txt"
    answer = subprocess.run(
        [str(CHECKOV), *arguments, "--framework", "cloudformation", "--skip-download", "--output", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    report = json.loads(answer.stdout)
    reports = report if isinstance(report, list) else [report]
    merged: dict[str, list[dict[str, Any]]] = {"passed_checks": [], "failed_checks": [], "skipped_checks": []}
    for one in reports:
        for kind in merged:
            merged[kind] += one.get("results", {}).get(kind, [])
    return merged


@pytest.fixture(scope="module")
def checkov_report() -> dict[str, Any]:
    return checkov("--directory", str(DEPLOY))


def test_templates_pass_checkov(checkov_report: dict[str, Any]) -> None:
    failed = [(c["check_id"], c["file_path"], c["resource"]) for c in checkov_report["failed_checks"]]
    assert not failed
    assert len(checkov_report["passed_checks"]) > 30


def test_every_checkov_skip_says_why(checkov_report: dict[str, Any]) -> None:
    """A check is skipped only inline, with the reason next to the resource."""
    skipped = checkov_report["skipped_checks"]
    assert skipped
    for check in skipped:
        assert len(str(check["check_result"].get("suppress_comment", ""))) > 40, check["check_id"]


def test_checkov_still_catches_an_unrestricted_invoke_permission(tmp_path: Path) -> None:
    """The checks above are live: checkov flags a Lambda permission with neither SourceArn nor SourceAccount."""
    template = tmp_path / "open.yaml"
    template.write_text(
        "Resources:\n  Open:\n    Type: AWS::Lambda::Permission\n    Properties:\n"
        "      FunctionName: f\n      Action: lambda:InvokeFunction\n      Principal: config.amazonaws.com\n"
    )
    failed = {c["check_id"] for c in checkov("--file", str(template))["failed_checks"]}
    assert "CKV_AWS_364" in failed


def test_conformance_pack_parameters() -> None:
    parameters = load("conformance-pack.yaml")["Parameters"]
    assert parameters["DaysToExpiration"]["Default"] == "30"
    assert parameters["SecurityHubFindings"]["Default"] == "false"
    assert "Default" not in parameters["LambdaFunctionArn"]
    # Defaults: a single account where the function uses its own role.
    assert conformance_pack_rule({})["InputParameters"] == {
        "daysToExpiration": "30",
        "securityHubFindings": "false",
        "AssumeRoleMode": "false",
    }
    organization = {"DaysToExpiration": "45", "AssumeRoleMode": "true", "ExecutionRoleName": MEMBER_ROLE}
    assert conformance_pack_rule(organization)["InputParameters"] == {
        "daysToExpiration": "45",
        "securityHubFindings": "false",
        "AssumeRoleMode": "true",
        "ExecutionRoleName": MEMBER_ROLE,
    }
    assert conformance_pack_rule({"AssumeRoleMode": ""})["InputParameters"] == {
        "daysToExpiration": "30",
        "securityHubFindings": "false",
    }


def test_conformance_pack_exempt_tag_key() -> None:
    """exemptTagKey reaches the rule only when set: empty means no tagging call (and no grant in the roles)."""
    parameters = load("conformance-pack.yaml")["Parameters"]
    assert parameters["ExemptTagKey"]["Default"] == ""
    assert "exemptTagKey" not in conformance_pack_rule({})["InputParameters"]
    assert conformance_pack_rule({"ExemptTagKey": EXEMPT_TAG_KEY})["InputParameters"] == {
        "daysToExpiration": "30",
        "securityHubFindings": "false",
        "AssumeRoleMode": "false",
        "exemptTagKey": EXEMPT_TAG_KEY,
    }


def test_conformance_pack_says_how_to_add_alerts() -> None:
    text = (DEPLOY / "conformance-pack.yaml").read_text()
    assert "deploy/alerts.yaml" in text


@pytest.mark.parametrize(
    "name", ["conformance-pack.yaml", "execution-role.yaml", "member-role.yaml", "member.yaml", "organization.yaml"]
)
def test_where_findings_are_turned_on_the_duplicates_are_said(name: str) -> None:
    """Config's own Security Hub integration already sends the rule's evaluations: users must know they see two."""
    description = " ".join(load(name)["Parameters"]["SecurityHubFindings"]["Description"].split())
    assert "Security Hub integration" in description and "shows twice" in description, name
    assert "severity by days left" in description and "the advice" in description, name
