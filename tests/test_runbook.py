"""The remediation runbook as deployed: deploy/remediation.yaml (the RDK path) and deploy/member.yaml.

- The runbook runs the package's own module: its script is acm_expiry/remediation.py, byte for byte.
- The document keeps the rules of SSM's schema 0.3 that can be checked here (SSM user guide: "Data elements
  and parameters", "Systems Manager Automation actions reference", "aws:executeScript"): the top-level
  elements, parameter types and defaults, step names, actions and common properties, executeScript's inputs
  and its 600-second limit, output selectors and types, every {{ reference }} declared, 64 KB of content.
- The remediation configuration passes what the document asks for; manual unless the owner says automatic.
- The automation role grants what the script calls and nothing else, evaluated as IAM would, and passes
  parliament (tests/test_deploy.py runs cfn-lint and checkov on every template).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest
import runbook

from acm_expiry import remediation
from acm_expiry.remediation import Action, Report
from tests.support.policy import ALLOW, IMPLICIT_DENY, Request, decide
from tests.support.templates import (
    ACCOUNT,
    DEPLOY,
    RELEASED_MEMBER,
    Resolver,
    active_resources,
    as_list,
    load,
    policies,
)
from tests.test_deploy import ARTIFACTS, checkov, parliament_findings

SCRIPT = Path(remediation.__file__)
# member.yaml as released (its Artifacts mapping filled in, as tests/test_deploy.py reads it); the script block is the
# file's own.
TEMPLATES = {"remediation.yaml": {}, RELEASED_MEMBER: ARTIFACTS}
FILES = {"remediation.yaml": "remediation.yaml", RELEASED_MEMBER: "member.yaml"}
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/acm-expiry-RemediationRole-1A2B3C"
# SSM's documented vocabulary.
PARAMETER_TYPES = {"String", "StringList", "Integer", "Boolean", "MapList", "StringMap"}
OUTPUT_TYPES = {"String", "Integer", "Boolean", "StringList", "StringMap", "MapList"}
TOP_LEVEL = {"schemaVersion", "description", "assumeRole", "parameters", "mainSteps", "outputs", "files"}
STEP_PROPERTIES = {"name", "action", "description", "maxAttempts", "timeoutSeconds", "onFailure", "onCancel",
                   "isEnd", "nextStep", "isCritical", "inputs", "outputs"}  # fmt: skip
EXECUTE_SCRIPT_INPUTS = {"Runtime", "Handler", "InputPayload", "Script", "Attachment"}
AUTOMATION_ACTIONS = {
    "aws:approve", "aws:assertAwsResourceProperty", "aws:branch", "aws:changeInstanceState", "aws:copyImage",
    "aws:createImage", "aws:createStack", "aws:createTags", "aws:deleteImage", "aws:deleteStack",
    "aws:executeAutomation", "aws:executeAwsApi", "aws:executeScript", "aws:executeStateMachine",
    "aws:invokeLambdaFunction", "aws:pause", "aws:runCommand", "aws:runInstances", "aws:sleep",
    "aws:waitForAwsResourceProperty",
}  # fmt: skip
EXECUTE_SCRIPT_SECONDS = 600  # "Each aws:executeScript action can run up to a maximum duration of 600 seconds"
DOCUMENT_BYTES = 64 * 1024  # "the content of the document must not exceed 64KB"
TEMPLATE_BODY_BYTES = 51_200  # CloudFormation's most for a template sent inline (aws cloudformation deploy)


def resources(name: str, overrides: dict[str, str] | None = None) -> dict[str, tuple[str, dict[str, Any]]]:
    template = load(name)
    values = {**TEMPLATES[name], **(overrides or {})}
    known = {"RemediationRole.Arn": ROLE_ARN, "RemediationDocument": "acm-expiry-RemediationDocument-XYZ"}
    resolver = Resolver(template, values, known=known)
    return {logical_id: (kind, props) for logical_id, kind, props in active_resources(template, resolver)}


def document(name: str) -> dict[str, Any]:
    kind, properties = resources(name)["RemediationDocument"]
    assert kind == "AWS::SSM::Document"
    assert properties["DocumentType"] == "Automation"
    content: dict[str, Any] = properties["Content"]
    return content


def script_step(content: dict[str, Any]) -> dict[str, Any]:
    (step,) = [step for step in content["mainSteps"] if step["action"] == "aws:executeScript"]
    return step


# --- one implementation ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_runbook_runs_the_module_itself(name: str) -> None:
    inputs = script_step(document(name))["inputs"]
    assert inputs["Script"] == SCRIPT.read_text(), f"{name}: run make runbook"
    assert inputs["Runtime"] == remediation.RUNTIME == "python3.11"
    handler = next(
        f for f in ast.parse(inputs["Script"]).body if isinstance(f, ast.FunctionDef) and f.name == "handler"
    )
    assert inputs["Handler"] == "handler" and [a.arg for a in handler.args.args] == ["events", "context"]


@pytest.mark.parametrize("name", TEMPLATES)
def test_extract_reads_the_script_as_yaml_does(name: str) -> None:
    """What the runbook's own tests exec (tests/test_remediation.py) is what SSM receives."""
    assert runbook.extract((DEPLOY / FILES[name]).read_text()) == script_step(document(name))["inputs"]["Script"]


def test_make_runbook_has_nothing_to_write() -> None:
    assert runbook.main(["--check"]) == 0


def test_embed_replaces_the_marked_block_only_and_is_idempotent() -> None:
    template = (
        "a:\n  b:\n    " + runbook.MARKER + "\n    Script: |\n      old line\n\n      old, after a blank\n"
        "    After: kept\n"
    )
    written = runbook.embed(template, 'print("x")\n\nif True:\n    pass\n')
    assert written == (
        "a:\n  b:\n    " + runbook.MARKER + '\n    Script: |\n      print("x")\n\n      if True:\n          pass\n'
        "    After: kept\n"
    )
    assert runbook.embed(written, 'print("x")\n\nif True:\n    pass\n') == written
    with pytest.raises(runbook.TemplateWithoutScript):
        runbook.embed("Script: |\n  x\n", "y\n")


def test_the_document_and_role_are_the_same_in_both_templates() -> None:
    """member.yaml's copies differ only in their Condition (there, "none" leaves them out)."""
    blocks = {name: load(name)["Resources"] for name in FILES.values()}
    for logical_id in ("RemediationDocument", "RemediationRole"):
        member = {k: v for k, v in blocks["member.yaml"][logical_id].items() if k != "Condition"}
        assert member == blocks["remediation.yaml"][logical_id], logical_id
    member_configuration = dict(blocks["member.yaml"]["RemediationConfiguration"]["Properties"])
    standalone = dict(blocks["remediation.yaml"]["RemediationConfiguration"]["Properties"])
    assert member_configuration.pop("ConfigRuleName") == {"Ref": "Rule"}
    assert standalone.pop("ConfigRuleName") == {"Ref": "ConfigRuleName"}
    assert member_configuration == standalone


# --- SSM's schema ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_document_keeps_ssms_schema(name: str) -> None:
    content = document(name)
    assert content["schemaVersion"] == "0.3" and set(content) <= TOP_LEVEL
    parameters = content["parameters"]
    python_types = {"String": str, "Integer": int, "Boolean": bool}
    for parameter, spec in parameters.items():
        assert spec["type"] in PARAMETER_TYPES, parameter
        if "default" in spec:
            assert type(spec["default"]) is python_types[spec["type"]], parameter
        if "allowedPattern" in spec:
            re.compile(spec["allowedPattern"])
    # Config's automatic remediation takes only AutomationAssumeRole (PutRemediationConfigurations).
    assert (
        content["assumeRole"] == "{{ AutomationAssumeRole }}" and parameters["AutomationAssumeRole"]["type"] == "String"
    )
    names = [step["name"] for step in content["mainSteps"]]
    assert len(names) == len(set(names)) and all(re.fullmatch(r"[A-Za-z0-9]+", n) for n in names)
    outputs = set()
    for step in content["mainSteps"]:
        assert set(step) <= STEP_PROPERTIES and step["action"] in AUTOMATION_ACTIONS, step["name"]
        for output in step.get("outputs", []):
            assert output["Type"] in OUTPUT_TYPES and output["Selector"].startswith("$.Payload.")
            outputs.add(f"{step['name']}.{output['Name']}")
    step = script_step(content)
    assert set(step["inputs"]) <= EXECUTE_SCRIPT_INPUTS
    assert step["timeoutSeconds"] <= EXECUTE_SCRIPT_SECONDS
    assert set(content["outputs"]) <= outputs
    # Every {{ reference }} names a parameter or an earlier step's output.
    text = json.dumps(content).replace(json.dumps(step["inputs"]["Script"]), '""')
    references = set(re.findall(r"\{\{\s*([\w.:-]+)\s*\}\}", text))
    assert references and references <= set(parameters) | outputs, references - set(parameters) - outputs
    assert len(json.dumps(content).encode()) <= DOCUMENT_BYTES


def test_the_payload_is_what_the_handler_reads() -> None:
    """InputPayload passes each parameter the script reads, under its own name, typed as SSM substitutes it."""
    content = document("remediation.yaml")
    payload = script_step(content)["inputs"]["InputPayload"]
    found = re.findall(r'payload, "(\w+)"|payload\.get\("(\w+)"|events\.get\("(\w+)"', SCRIPT.read_text())
    read = {name for names in found for name in names if name}
    assert set(payload) == read == set(content["parameters"]) - {"AutomationAssumeRole"}
    assert all(value == "{{ " + key + " }}" for key, value in payload.items())


def test_the_outputs_select_what_the_handler_returns() -> None:
    step = script_step(document("remediation.yaml"))
    report = Report("arn:aws:acm:us-east-1:123456789012:certificate/x", False, [Action("a", "t", "done", "why")])
    returned = {"Payload": report.output()}
    kinds = {"String": str, "Boolean": bool, "MapList": list}
    for output in step["outputs"]:
        value: Any = returned
        for part in output["Selector"].removeprefix("$.").split("."):
            value = value[part]
        assert isinstance(value, kinds[output["Type"]]), output
    assert all(isinstance(v, str) for item in report.output()["Actions"] for v in item.values())  # a MapList of strings


def test_the_standalone_template_can_be_deployed_inline() -> None:
    """remediation.yaml is sent inline by aws cloudformation deploy (member.yaml goes through S3, as StackSets do)."""
    assert len((DEPLOY / "remediation.yaml").read_bytes()) <= TEMPLATE_BODY_BYTES


# --- the remediation configuration ---------------------------------------------------------------


@pytest.mark.parametrize("name", TEMPLATES)
def test_manual_by_default_and_passing_what_the_document_asks(name: str) -> None:
    configuration = resources(name)["RemediationConfiguration"][1]
    content = document(name)
    assert configuration["TargetType"] == "SSM_DOCUMENT"
    assert configuration["TargetId"] == "acm-expiry-RemediationDocument-XYZ"
    assert configuration["ResourceType"] == "AWS::ACM::Certificate"
    assert configuration["Automatic"] is False
    assert not {"MaximumAutomaticAttempts", "RetryAttemptSeconds", "ExecutionControls"} & set(configuration)
    passed = configuration["Parameters"]
    assert set(passed) <= set(content["parameters"])
    required = {p for p, spec in content["parameters"].items() if "default" not in spec}
    assert required <= set(passed)
    assert passed["CertificateArn"] == {"ResourceValue": {"Value": "RESOURCE_ID"}}  # the certificate's ARN
    assert passed["AutomationAssumeRole"] == {"StaticValue": {"Values": [ROLE_ARN]}}
    assert passed["DryRun"] == {"StaticValue": {"Values": ["false"]}}
    assert passed["RenewWithinDays"] == {"StaticValue": {"Values": ["30"]}}  # the rule's daysToExpiration
    assert passed["RenewExportedPrivate"]["StaticValue"]["Values"] == ["true"]
    assert passed["RenewExportedPublic"]["StaticValue"]["Values"] == ["false"]


@pytest.mark.parametrize("name", TEMPLATES)
def test_automatic_only_when_the_owner_says_so(name: str) -> None:
    configuration = resources(
        name,
        {
            "Remediation": "automatic",
            "RemediationMaximumAttempts": "3",
            "RemediationRetrySeconds": "3600",
            "RemediationConcurrencyPercentage": "20",
            "RemediationErrorPercentage": "40",
        },
    )["RemediationConfiguration"][1]
    assert configuration["Automatic"] is True
    assert (configuration["MaximumAutomaticAttempts"], configuration["RetryAttemptSeconds"]) == ("3", "3600")
    assert configuration["ExecutionControls"] == {
        "SsmControls": {"ConcurrentExecutionRatePercentage": "20", "ErrorPercentage": "40"}
    }


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("RemediationMaximumAttempts", "26"), ("RemediationRetrySeconds", "2678001"),
     ("RemediationConcurrencyPercentage", "0"), ("RemediationErrorPercentage", "101"), ("Remediation", "always")],
)  # fmt: skip
def test_config_s_own_limits_are_the_parameters(parameter: str, value: str) -> None:
    """MaximumAutomaticAttempts 1-25, RetryAttemptSeconds 1-2678000, SsmControls percentages 1-100 (API reference)."""
    for name in TEMPLATES:
        with pytest.raises(AssertionError):
            resources(name, {parameter: value})


def test_none_leaves_the_configuration_out() -> None:
    assert set(resources(RELEASED_MEMBER, {"Remediation": "none"})) & {
        "RemediationDocument", "RemediationRole", "RemediationConfiguration"} == set()  # fmt: skip
    standalone = resources("remediation.yaml", {"Remediation": "none"})
    assert {"RemediationDocument", "RemediationRole"} <= set(
        standalone
    ) and "RemediationConfiguration" not in standalone
    assert "RemediationConfiguration" not in resources("remediation.yaml", {"ConfigRuleName": ""})


@pytest.mark.parametrize(
    ("renewals", "private", "public", "granted"),
    [
        ("private", "true", "false", True),
        ("private-and-public", "true", "true", True),
        ("none", "false", "false", False),
    ],
)
def test_renewals_follow_the_parameter_in_the_configuration_and_the_role(
    renewals: str, private: str, public: str, granted: bool
) -> None:
    for name in TEMPLATES:
        found = resources(name, {"RenewExportedCertificates": renewals})
        passed = found["RemediationConfiguration"][1]["Parameters"]
        assert passed["RenewExportedPrivate"]["StaticValue"]["Values"] == [private]
        assert passed["RenewExportedPublic"]["StaticValue"]["Values"] == [public]
        assert ("acm:RenewCertificate" in role_actions(name, {"RenewExportedCertificates": renewals})) is granted


# --- the automation role -----------------------------------------------------------------------------


def role_policies(name: str, overrides: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    documents = policies(name, {**TEMPLATES[name], **(overrides or {})})
    return {where: document for where, document in documents.items() if where.startswith("RemediationRole.")}


def role_actions(name: str, overrides: dict[str, str] | None = None) -> set[str]:
    return {
        action
        for where, document in role_policies(name, overrides).items()
        if not where.endswith("AssumeRolePolicyDocument")
        for statement in document["Statement"]
        for action in as_list(statement["Action"])
    }


def script_calls() -> set[str]:
    """The IAM actions of every AWS call the script makes: self.call("<service>", "<Operation>", ...)."""
    calls = re.findall(r'self\.call\(\s*"([a-z0-9-]+)",\s*"([A-Za-z]+)"', SCRIPT.read_text())
    return {f"{service}:{operation}" for service, operation in calls}


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_role_grants_what_the_script_calls_and_nothing_else(name: str) -> None:
    assert script_calls() == {
        "acm:DescribeCertificate", "acm:RenewCertificate", "acm-pca:DescribeCertificateAuthority",
        "route53:ListHostedZonesByName", "route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets",
    }  # fmt: skip
    assert role_actions(name) == script_calls()


@pytest.mark.parametrize("name", TEMPLATES)
def test_only_ssm_automation_of_this_account_and_region_may_assume_it(name: str) -> None:
    trust = role_policies(name)["RemediationRole.AssumeRolePolicyDocument"]
    role = "arn:aws:iam::111111111111:role/r"
    execution = f"arn:aws:ssm:us-east-1:{ACCOUNT}:automation-execution/0a1b2c3d"
    ok = {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": execution}
    assert decide(trust, Request("ssm.amazonaws.com", "sts:AssumeRole", role, ok)) == ALLOW
    for context in (
        {},  # no source: another path to the role
        ok | {"aws:SourceAccount": "222222222222"},
        ok | {"aws:SourceArn": execution.replace(ACCOUNT, "222222222222")},
        ok | {"aws:SourceArn": execution.replace("us-east-1", "eu-west-1")},
    ):
        assert decide(trust, Request("ssm.amazonaws.com", "sts:AssumeRole", role, context)) == IMPLICIT_DENY
    assert decide(trust, Request("lambda.amazonaws.com", "sts:AssumeRole", role, ok)) == IMPLICIT_DENY


def change(actions: list[str], types: list[str], names: list[str]) -> dict[str, Any]:
    return {
        "route53:ChangeResourceRecordSetsActions": actions,
        "route53:ChangeResourceRecordSetsRecordTypes": types,
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": names,
    }


@pytest.mark.parametrize(
    ("context", "decision"),
    [
        (change(["UPSERT"], ["CNAME"], ["_a1.example.com"]), ALLOW),
        (change(["UPSERT", "UPSERT"], ["CNAME"], ["_a1.example.com", "_b2.www.example.com"]), ALLOW),
        (change(["DELETE"], ["CNAME"], ["_a1.example.com"]), IMPLICIT_DENY),  # never a deletion
        (change(["UPSERT", "DELETE"], ["CNAME"], ["_a1.example.com"]), IMPLICIT_DENY),
        (change(["CREATE"], ["CNAME"], ["_a1.example.com"]), IMPLICIT_DENY),
        (change(["UPSERT"], ["A"], ["_a1.example.com"]), IMPLICIT_DENY),
        (change(["UPSERT"], ["CNAME"], ["www.example.com"]), IMPLICIT_DENY),  # not a validation record
        (change(["UPSERT"], ["CNAME"], ["_a1.example.com", "shop.example.com"]), IMPLICIT_DENY),
    ],
)
def test_record_writes_are_upserts_of_underscore_cnames_only(context: dict[str, Any], decision: str) -> None:
    for name in TEMPLATES:
        permissions = role_policies(name)["RemediationRole.Policies.ACMExpiryRuleRemediation"]
        request = Request(ROLE_ARN, "route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z1", context)
        assert decide(permissions, request, identity=True) == decision, (name, context)


@pytest.mark.parametrize("name", TEMPLATES)
def test_reads_are_scoped_to_this_account_and_region(name: str) -> None:
    permissions = role_policies(name)["RemediationRole.Policies.ACMExpiryRuleRemediation"]

    def allowed(action: str, resource: str) -> bool:
        return decide(permissions, Request(ROLE_ARN, action, resource), identity=True) == ALLOW

    here = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/x"
    assert allowed("acm:DescribeCertificate", here) and allowed("acm:RenewCertificate", here)
    assert not allowed("acm:DescribeCertificate", here.replace(ACCOUNT, "222222222222"))
    assert not allowed("acm:RenewCertificate", here.replace("us-east-1", "eu-west-1"))
    # A shared CA of another account, in the certificate's Region.
    assert allowed("acm-pca:DescribeCertificateAuthority",
                   "arn:aws:acm-pca:us-east-1:222222222222:certificate-authority/ca")  # fmt: skip
    assert not allowed("acm-pca:DescribeCertificateAuthority",
                       "arn:aws:acm-pca:eu-west-1:222222222222:certificate-authority/ca")  # fmt: skip
    assert not allowed("acm:DeleteCertificate", here)


@pytest.mark.parametrize("renewals", ["private", "private-and-public", "none"])
@pytest.mark.parametrize("name", TEMPLATES)
def test_the_role_passes_parliament(name: str, renewals: str) -> None:
    for where, document in role_policies(name, {"RenewExportedCertificates": renewals}).items():
        if where.endswith("AssumeRolePolicyDocument"):
            document = {**document, "Statement": [{**s, "Resource": ROLE_ARN} for s in document["Statement"]]}
        assert parliament_findings(document) == [], where


def test_checkov_checks_the_automation_role_and_finds_nothing() -> None:
    report = checkov("--file", str(DEPLOY / "remediation.yaml"))
    assert not report["failed_checks"] and not report["skipped_checks"]
    checked = {c["check_id"] for c in report["passed_checks"] if c["resource"] == "AWS::IAM::Role.RemediationRole"}
    # Assumable by one service only; no "*" actions; no administrator policy.
    assert {"CKV_AWS_60", "CKV_AWS_61", "CKV_AWS_62", "CKV_AWS_63"} <= checked
