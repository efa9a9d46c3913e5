"""The deployment templates in deploy/: they lint, their IAM policies pass parliament, and they grant
exactly what the rule's code calls (acm_expiry.permissions), no more.

Templates are read with cfn-lint's CloudFormation-aware YAML loader and their intrinsics (Ref, Fn::Sub,
Fn::If with AWS::NoValue, conditions) are resolved for concrete parameter values, so every check below
looks at the policy AWS would see for that deployment.
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
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import regex
from cfnlint.api import lint_file
from cfnlint.decode import decode

from acm_expiry.permissions import EXEMPTION_ACTIONS, FINDINGS_ACTIONS
from acm_expiry.permissions import RULE_ACTIONS as RULE_ACTIONS_BY_OPERATION

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
TEMPLATES = sorted(DEPLOY.glob("*.yaml"))
RULE_NAME = "ACMExpiryRule"
RDK_FUNCTION_NAME = f"RDK-Rule-Function-{RULE_NAME}"
MEMBER_ROLE = "ACMExpiryRule-Member"
EXEMPT_TAG_KEY = "acm-expiry-exempt"

ACCOUNT = "111111111111"
CENTRAL_ACCOUNT = "222222222222"
PSEUDO_PARAMETERS = {
    "AWS::Partition": "aws",
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": "us-east-1",
    "AWS::StackName": "acm-expiry",
    "AWS::URLSuffix": "amazonaws.com",
}
NO_VALUE = object()

# Deployments whose policies are checked: parameter values on top of each template's defaults.
EXECUTION_ROLE_CASES: dict[str, dict[str, str]] = {
    "single-account": {},
    "single-account-findings": {"SecurityHubFindings": "true"},
    "organization": {"MemberRoleName": MEMBER_ROLE},
    "organization-findings-fenced": {
        "SecurityHubFindings": "true",
        "MemberRoleName": MEMBER_ROLE,
        "OrganizationId": "o-exampleorg1",
    },
    "custom-function-name": {"FunctionName": "acm-expiry-rule"},
    "single-account-exemptions": {"ExemptTagKey": EXEMPT_TAG_KEY},
    "organization-everything": {
        "SecurityHubFindings": "true",
        "MemberRoleName": MEMBER_ROLE,
        "OrganizationId": "o-exampleorg1",
        "ExemptTagKey": EXEMPT_TAG_KEY,
    },
}
MEMBER_ROLE_CASES: dict[str, dict[str, str]] = {
    "member": {"CentralAccountId": CENTRAL_ACCOUNT},
    "member-findings": {"CentralAccountId": CENTRAL_ACCOUNT, "SecurityHubFindings": "true"},
    "member-exemptions": {"CentralAccountId": CENTRAL_ACCOUNT, "ExemptTagKey": EXEMPT_TAG_KEY},
    "member-everything": {
        "CentralAccountId": CENTRAL_ACCOUNT,
        "SecurityHubFindings": "true",
        "ExemptTagKey": EXEMPT_TAG_KEY,
    },
}
POLICY_CASES = [
    pytest.param("execution-role.yaml", overrides, id=f"execution-role-{name}")
    for name, overrides in EXECUTION_ROLE_CASES.items()
] + [
    pytest.param("member-role.yaml", overrides, id=f"member-role-{name}")
    for name, overrides in MEMBER_ROLE_CASES.items()
]

# What the templates must grant besides the rule's API calls: the function's own logs (execution role only)
# and sts:AssumeRole on the member role (execution role, organization use only).
LOGS_ACTIONS = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
ASSUME_ROLE = "sts:AssumeRole"
RULE_ACTIONS = set(RULE_ACTIONS_BY_OPERATION.values()) - {ASSUME_ROLE}


# --- reading templates -------------------------------------------------------------------------------


def load(name: str) -> dict[str, Any]:
    template, matches = decode(str(DEPLOY / name))
    assert not matches, matches
    assert template is not None
    return template


def allowed_by_pattern(pattern: str, value: str) -> bool:
    """CloudFormation's AllowedPattern, a Java regular expression matched against the whole value. The
    ``regex`` module (a dependency of cfn-lint) knows the Unicode classes (``\\p{L}``) Java has and ``re`` lacks."""
    return regex.fullmatch(pattern, value) is not None


class Resolver:
    """Evaluates a template's intrinsics for given parameter values (defaults where not given)."""

    def __init__(self, template: Mapping[str, Any], overrides: Mapping[str, str] | None = None) -> None:
        overrides = dict(overrides or {})
        parameters: Mapping[str, Any] = template.get("Parameters", {})
        unknown = set(overrides) - set(parameters)
        assert not unknown, f"no such parameters: {unknown}"
        self.values: dict[str, str] = dict(PSEUDO_PARAMETERS)
        for name, spec in parameters.items():
            value = overrides.get(name, spec.get("Default"))
            assert value is not None, f"parameter {name} has no default; the case must give it"
            value = str(value)
            if "AllowedValues" in spec:
                assert value in [str(v) for v in spec["AllowedValues"]], (name, value)
            if "AllowedPattern" in spec:
                assert allowed_by_pattern(str(spec["AllowedPattern"]), value), (name, value)
            if "MinValue" in spec:
                assert float(value) >= float(spec["MinValue"]), (name, value)
            if "MaxValue" in spec:
                assert float(value) <= float(spec["MaxValue"]), (name, value)
            self.values[str(name)] = value
        self.conditions: Mapping[str, Any] = template.get("Conditions", {})
        self.resources: Mapping[str, Any] = template.get("Resources", {})

    def condition(self, name: str) -> bool:
        return self._truth(self.conditions[name])

    def _truth(self, node: Any) -> bool:
        ((function, argument),) = node.items()
        if function == "Fn::Equals":
            left, right = (self.resolve(item) for item in argument)
            return bool(left == right)
        if function == "Fn::Not":
            return not self._truth(argument[0])
        if function == "Fn::And":
            return all(self._truth(item) for item in argument)
        if function == "Fn::Or":
            return any(self._truth(item) for item in argument)
        if function == "Condition":
            return self.condition(argument)
        raise AssertionError(f"unsupported condition function {function}")

    def ref(self, name: str) -> str:
        if name in self.values:
            return self.values[name]
        if name in self.resources:
            return f"sample-{name}"
        raise AssertionError(f"Ref to unknown name {name}")

    def get_att(self, name: str, attribute: str) -> str:
        assert name in self.resources, f"GetAtt of unknown resource {name}"
        return f"sample-{name}-{attribute}"

    def resolve(self, node: Any) -> Any:
        """The node with intrinsics replaced by values; AWS::NoValue items and keys are dropped."""
        if isinstance(node, Mapping):
            if len(node) == 1:
                ((key, argument),) = node.items()
                if key == "Ref":
                    return NO_VALUE if argument == "AWS::NoValue" else self.ref(str(argument))
                if key == "Fn::Sub":
                    return self._sub(argument)
                if key == "Fn::If":
                    name, if_true, if_false = argument
                    return self.resolve(if_true if self.condition(str(name)) else if_false)
                if key == "Fn::GetAtt":
                    return self.get_att(str(argument[0]), str(argument[1]))
                assert not str(key).startswith("Fn::"), f"unsupported intrinsic {key}"
            resolved = {str(k): self.resolve(v) for k, v in node.items()}
            return {k: v for k, v in resolved.items() if v is not NO_VALUE}
        if isinstance(node, list):
            items = [self.resolve(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if isinstance(node, str):
            return str(node)
        return node

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        local = {str(k): self.resolve(v) for k, v in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            return str(local[name]) if name in local else self.ref(name)

        return re.sub(r"\$\{([^}!]+)\}", replace, str(text))


def active_resources(template: Mapping[str, Any], resolver: Resolver) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(logical id, type, resolved properties) of each resource the deployment creates."""
    for logical_id, resource in template["Resources"].items():
        if "Condition" in resource and not resolver.condition(str(resource["Condition"])):
            continue
        yield str(logical_id), str(resource["Type"]), resolver.resolve(resource.get("Properties", {}))


def policies(name: str, overrides: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Every IAM policy document the deployment creates, resolved, keyed by where it sits."""
    template = load(name)
    resolver = Resolver(template, overrides)
    found: dict[str, dict[str, Any]] = {}
    for logical_id, kind, properties in active_resources(template, resolver):
        if kind == "AWS::IAM::Role":
            found[f"{logical_id}.AssumeRolePolicyDocument"] = properties["AssumeRolePolicyDocument"]
            for policy in properties.get("Policies", []):
                found[f"{logical_id}.Policies.{policy['PolicyName']}"] = policy["PolicyDocument"]
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
            found[f"{logical_id}.PolicyDocument"] = properties["PolicyDocument"]
    return found


def permission_statements(name: str, overrides: Mapping[str, str]) -> list[dict[str, Any]]:
    """The statements of the permission policies (trust policies left out)."""
    return [
        statement
        for where, document in policies(name, overrides).items()
        if not where.endswith("AssumeRolePolicyDocument")
        for statement in document["Statement"]
    ]


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def granted(name: str, overrides: Mapping[str, str]) -> set[str]:
    actions: set[str] = set()
    for statement in permission_statements(name, overrides):
        assert statement["Effect"] == "Allow"
        actions.update(as_list(statement["Action"]))
    return actions


def statements_for(action: str, name: str, overrides: Mapping[str, str]) -> list[dict[str, Any]]:
    return [s for s in permission_statements(name, overrides) if action in as_list(s["Action"])]


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
    } <= names
    assert (DEPLOY / "README.md").is_file()


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
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role['RoleName']}"
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


def test_the_optional_actions_are_rule_actions() -> None:
    """What the parameters switch on is part of what the code calls, and the two switches do not overlap."""
    assert FINDINGS_ACTIONS | EXEMPTION_ACTIONS <= RULE_ACTIONS
    assert not FINDINGS_ACTIONS & EXEMPTION_ACTIONS


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        pytest.param("execution-role.yaml", {"MemberRoleName": MEMBER_ROLE}, id="execution-role"),
        pytest.param("member-role.yaml", MEMBER_ROLE_CASES["member"], id="member-role"),
    ],
)
def test_findings_off_grants_no_findings_import(name: str, overrides: dict[str, str]) -> None:
    actions = granted(name, overrides)
    assert not actions & FINDINGS_ACTIONS
    assert actions - LOGS_ACTIONS - {ASSUME_ROLE} == RULE_ACTIONS - FINDINGS_ACTIONS - EXEMPTION_ACTIONS


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        pytest.param("execution-role.yaml", EXECUTION_ROLE_CASES[case], id=f"execution-role-{case}")
        for case in ("single-account", "single-account-findings", "organization", "organization-findings-fenced")
    ]
    + [
        pytest.param("member-role.yaml", MEMBER_ROLE_CASES[case], id=f"member-role-{case}")
        for case in ("member", "member-findings")
    ],
)
def test_exemptions_off_grant_no_tagging(name: str, overrides: dict[str, str]) -> None:
    """Without ExemptTagKey the rule makes no tagging call, and the role cannot make one either."""
    assert "ExemptTagKey" not in overrides
    actions = granted(name, overrides)
    assert not actions & EXEMPTION_ACTIONS
    assert not any(action.startswith("tag:") for action in actions)


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        pytest.param("execution-role.yaml", EXECUTION_ROLE_CASES["single-account-exemptions"], id="execution-role"),
        pytest.param("member-role.yaml", MEMBER_ROLE_CASES["member-exemptions"], id="member-role"),
    ],
)
def test_exempt_tag_key_grants_get_resources_alone(name: str, overrides: dict[str, str]) -> None:
    actions = granted(name, overrides)
    assert actions - LOGS_ACTIONS - {ASSUME_ROLE} == RULE_ACTIONS - FINDINGS_ACTIONS
    (statement,) = statements_for("tag:GetResources", name, overrides)
    # A statement of its own: "*" (GetResources has no resource-level permissions) reaches nothing else.
    assert as_list(statement["Action"]) == ["tag:GetResources"]
    assert as_list(statement["Resource"]) == ["*"]
    assert "Condition" not in statement


@pytest.mark.parametrize("name", ["execution-role.yaml", "member-role.yaml"])
@pytest.mark.parametrize(
    ("tag_key", "allowed"),
    [
        ("", True),
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
    """1 to 128 letters, digits, spaces and _ . : / = + - @ (the tag key pattern of ACM's API), or empty."""
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


def test_single_account_role_cannot_assume_roles() -> None:
    for case in ("single-account", "single-account-findings", "custom-function-name"):
        assert ASSUME_ROLE not in granted("execution-role.yaml", EXECUTION_ROLE_CASES[case])


def test_assume_role_names_the_member_role_only() -> None:
    (statement,) = statements_for(ASSUME_ROLE, "execution-role.yaml", EXECUTION_ROLE_CASES["organization"])
    assert as_list(statement["Action"]) == [ASSUME_ROLE]
    # rdklib assumes <prefix of event executionRoleArn>/<ExecutionRoleName>: any member account, this name, no path.
    assert as_list(statement["Resource"]) == [f"arn:aws:iam::*:role/{MEMBER_ROLE}"]
    assert "Condition" not in statement

    fenced = EXECUTION_ROLE_CASES["organization-findings-fenced"]
    (statement,) = statements_for(ASSUME_ROLE, "execution-role.yaml", fenced)
    assert statement["Condition"] == {"StringEquals": {"aws:ResourceOrgID": "o-exampleorg1"}}


@pytest.mark.parametrize("function_name", [RDK_FUNCTION_NAME, "acm-expiry-rule"])
def test_logs_are_the_functions_own_log_group(function_name: str) -> None:
    (statement,) = statements_for("logs:PutLogEvents", "execution-role.yaml", {"FunctionName": function_name})
    assert set(as_list(statement["Action"])) == LOGS_ACTIONS
    log_group = f"arn:aws:logs:*:{ACCOUNT}:log-group:/aws/lambda/{function_name}"
    assert sorted(as_list(statement["Resource"])) == [log_group, f"{log_group}:*"]


@pytest.mark.parametrize(("name", "overrides"), POLICY_CASES)
def test_resources_are_scoped_where_the_service_allows(name: str, overrides: dict[str, str]) -> None:
    # Actions without resource-level permissions (Service Authorization Reference) must use "*".
    unscoped = {"acm:ListCertificates", "config:PutEvaluations", "config:GetResourceConfigHistory", "tag:GetResources"}
    scoped = {
        "acm:DescribeCertificate": f"arn:aws:acm:*:{ACCOUNT}:certificate/*",
        "config:GetComplianceDetailsByConfigRule": f"arn:aws:config:*:{ACCOUNT}:config-rule/*",
        "securityhub:BatchImportFindings": f"arn:aws:securityhub:*:{ACCOUNT}:product/{ACCOUNT}/default",
        "securityhub:BatchUpdateFindings": f"arn:aws:securityhub:*:{ACCOUNT}:hub/default",
        "securityhub:GetFindings": f"arn:aws:securityhub:*:{ACCOUNT}:hub/default",
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


def test_execution_role_trusts_lambda_and_outputs_its_arn() -> None:
    template = load("execution-role.yaml")
    (statement,) = policies("execution-role.yaml", {})["ExecutionRole.AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert template["Outputs"]["RoleArn"]["Value"] == {"Fn::GetAtt": ["ExecutionRole", "Arn"]}


@pytest.mark.parametrize(("source_account", "expected"), [("", ACCOUNT), (CENTRAL_ACCOUNT, CENTRAL_ACCOUNT)])
def test_invoke_permission_is_for_config_in_one_account(source_account: str, expected: str) -> None:
    template = load("invoke-permission.yaml")
    resolver = Resolver(template, {"SourceAccountId": source_account})
    ((_, kind, permission),) = list(active_resources(template, resolver))
    assert kind == "AWS::Lambda::Permission"
    assert permission == {
        "FunctionName": RDK_FUNCTION_NAME,
        "Action": "lambda:InvokeFunction",
        "Principal": "config.amazonaws.com",
        "SourceAccount": expected,
    }


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


def test_conformance_pack_rule_triggers_and_scope() -> None:
    rule = conformance_pack_rule({})
    assert rule["Scope"] == {"ComplianceResourceTypes": ["AWS::ACM::Certificate"]}
    assert rule["Source"]["Owner"] == "CUSTOM_LAMBDA"
    assert rule["Source"]["SourceIdentifier"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:x"
    details = {d["MessageType"]: d for d in rule["Source"]["SourceDetails"]}
    assert set(details) == {
        "ConfigurationItemChangeNotification",
        "OversizedConfigurationItemChangeNotification",
        "ScheduledNotification",
    }
    assert all(d["EventSource"] == "aws.config" for d in details.values())
    assert details["ScheduledNotification"]["MaximumExecutionFrequency"] == "TwentyFour_Hours"


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
