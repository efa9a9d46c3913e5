"""Every account of an organization, including the ones that join tomorrow (deploy/organization.yaml).

The release (deploy/artifacts.py) is played against moto: artifact buckets, the zips uploaded and pinned in
each Region, the member template rendered with the pins and uploaded, then the rule StackSet that
organization.yaml declares, with the properties it resolves to and the template its URL names, is created in
moto's CloudFormation, whose service-managed stack instances build it in every account of the target OU and
Region; then the alerts StackSet the same way (moto creates its key, topic and event rules, not its alarms,
subscription or metric filter: tests/test_alerts.py resolves those). There the rule is invoked by Config events
through the real handler, and its page matches the crossing rule the alerts made in that account and Region.

Where moto stops, the test does what AWS documents, no kinder:

- moto's CloudFormation has no ``AWS::CloudFormation::StackSet`` (nor ``AWS::S3::BucketPolicy``): the
  test creates the StackSet and its instances through moto's StackSets API from the resolved resource.
- it has no ``AWS::Config::ConfigRule`` (and refuses a template whose outputs name one): the StackSet
  gets member.yaml without the rule, and the test creates the rule from its resolved properties
  through :func:`put_config_rule_as_config_does`, which refuses as Config does (no recorder:
  NoAvailableConfigurationRecorderException; a function that may not be invoked:
  InsufficientPermissionsException, judged before the rule, and so its ARN, exists).
- it ignores ``AWS::Lambda::Function``'s ``Layers``: the test attaches the layer the template names.
- its Lambda ignores ``S3ObjectVersion`` and takes a key's latest object: the test gives the function the bytes
  Lambda takes, the pinned version (:func:`lambda_fetches`), and checks the layer's pinned version exists.
- its CloudFormation ignores the bucket's ``VersioningConfiguration``: the test turns versioning on as the
  template asks, and the release's uploads (through :class:`tests.support.aws_cli.MotoCli`, the AWS CLI commands
  deploy/artifacts.py runs) get their versions from moto's S3.
- StackSets' automatic deployment is not modelled: the test does what AWS documents it does when an
  account joins a target OU (instances for it in the StackSet's Regions, with the StackSet's own
  parameters), so what is proven is that nothing account-specific is needed.
- bucket, function and role policies are stored, not enforced: tests/support/policy.py evaluates them
  for the principal AWS documents as making each request.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.events.models import EventPattern

import artifacts
from acm_expiry.edge import new_session
from acm_expiry.errors import MalformedEventError
from acm_expiry.permissions import RULE_ACTIONS
from acm_expiry_cli.sample_events import change_event, scheduled_event
from tests.conftest import World, amazon_issued_record
from tests.support.aws_cli import MotoCli
from tests.support.inventory import config_item
from tests.support.policy import ALLOW, DENY, Request, decide
from tests.support.templates import ACCOUNT, MappingNotFound, Resolver, active_resources, allowed_by_pattern, load

MANAGEMENT = "123456789012"  # moto's default account: here the organization's management account
REGIONS = ("us-east-1", "eu-west-1")
HOME = REGIONS[0]
# Not RDK's names (RDK-Rule-Function-ACMExpiryRule, ACMExpiryRule): an account can hold both.
FUNCTION_NAME = "acm-expiry-rule"
RULE_NAME = "acm-expiry-rule"
# The role service-managed StackSets' CloudFormation runs as in a member account (what the
# CloudFormationStackSetsOrgAdminServiceRolePolicy lets StackSets assume: role/stacksets-exec-*).
CONFIG_SERVICE_ROLE = "aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
STACKSETS_ROLE = "stacksets-exec-0123456789abcdef0123456789abcdef"


@contextmanager
def as_account(monkeypatch: pytest.MonkeyPatch, account: str) -> Iterator[None]:
    """moto answers as ``account`` (its MOTO_ACCOUNT_ID) inside the block."""
    monkeypatch.setenv("MOTO_ACCOUNT_ID", account)
    try:
        yield
    finally:
        monkeypatch.delenv("MOTO_ACCOUNT_ID")


def client(service: str, region: str = HOME) -> Any:
    """A moto client of the test's own, past the doubles (a session of its own: boto3's default stays untouched;
    made as the handler's are, with botocore's API models read once)."""
    return new_session().client(service, region_name=region)


def moto_deployable(template: dict[str, Any]) -> dict[str, Any]:
    """member.yaml less what moto's CloudFormation cannot create: the Config rule and outputs naming it."""
    deployable = json.loads(json.dumps(template))
    del deployable["Resources"]["Rule"]
    deployable["Outputs"] = {k: v for k, v in deployable["Outputs"].items() if "Rule" not in json.dumps(v)}
    return deployable


def template_at(url: str) -> bytes:
    """The object a StackSet's TemplateURL names (https://<bucket>.s3.<region>.amazonaws.com/<key>)."""
    host, _, key = url.removeprefix("https://").partition("/")
    bucket, _, rest = host.partition(".s3.")
    return bytes(client("s3", rest.split(".")[0]).get_object(Bucket=bucket, Key=key)["Body"].read())


def function_arn(account: str, region: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{FUNCTION_NAME}"


def rule_arn(account: str, region: str, rule_id: str) -> str:
    return f"arn:aws:config:{region}:{account}:config-rule/{rule_id}"


def may_invoke(policy: dict[str, Any], account: str, region: str, source_arn: str, source_account: str) -> bool:
    """Whether Lambda lets config.amazonaws.com invoke the function for this rule (Config sends both keys)."""
    request = Request(
        "config.amazonaws.com",
        "lambda:InvokeFunction",
        function_arn(account, region),
        {"AWS:SourceAccount": source_account, "AWS:SourceArn": source_arn},
    )
    return decide(policy, request) == ALLOW


class ConfigRefused(Exception):
    """PutConfigRule's answer when AWS Config refuses the rule (the error code is the message)."""


def put_config_rule_as_config_does(account: str, region: str, rule: dict[str, Any]) -> dict[str, Any]:
    """PutConfigRule with the checks AWS Config documents, then moto's own; the rule as Config describes it.

    Config refuses a rule when no configuration recorder exists (NoAvailableConfigurationRecorderException)
    and, for a custom Lambda rule, when it cannot invoke the function (InsufficientPermissionsException:
    "Check the function ARN, and check the function's permissions"). The rule's ARN ends in an id Config
    assigns only on creation, so the permission must admit a rule of this account and Region whatever its id.
    """
    config, functions = client("config", region), client("lambda", region)
    if not config.describe_configuration_recorders()["ConfigurationRecorders"]:
        raise ConfigRefused("NoAvailableConfigurationRecorderException")
    policy = json.loads(functions.get_policy(FunctionName=rule["Source"]["SourceIdentifier"])["Policy"])
    unborn = rule_arn(account, region, f"config-rule-{secrets.token_hex(3)}")
    if not may_invoke(policy, account, region, unborn, account):
        raise ConfigRefused("InsufficientPermissionsException")
    request = {key: rule[key] for key in ("ConfigRuleName", "Description", "Scope", "Source")}
    request["InputParameters"] = json.dumps(rule["InputParameters"])  # CloudFormation sends the map as JSON
    config.put_config_rule(ConfigRule=request)
    (created,) = config.describe_config_rules(ConfigRuleNames=[rule["ConfigRuleName"]])["ConfigRules"]
    return dict(created)


@dataclass
class Rollout:
    """The organization after a release: who got what."""

    organization_id: str
    ou: str
    members: list[str]
    outsider: str
    dist: Path
    stack_set: dict[str, Any]
    member_template: Path  # as the StackSet read it from S3
    staged: artifacts.Staged
    stack_sets: dict[str, dict[str, Any]]
    rules: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def join(self, monkeypatch: pytest.MonkeyPatch, name: str) -> str:
        """A new account moved into the target OU, and what automatic deployment then gives it; its id."""
        organizations = client("organizations")
        root = organizations.list_roots()["Roots"][0]["Id"]
        status = organizations.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        organizations.move_account(AccountId=status["AccountId"], SourceParentId=root, DestinationParentId=self.ou)
        self.deploy_instances(monkeypatch)
        return str(status["AccountId"])

    def deploy_instances(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """What CloudFormation does for the StackSets' instances groups, and the rule moto leaves out: the rule
        StackSet's first, then the alerts StackSet's (its DependsOn), when the release has one."""
        cloudformation = client("cloudformation")
        for stack_set in (self.stack_set, self.stack_sets.get("AlertsStackSet")):
            if stack_set is None:
                continue
            (group,) = stack_set["StackInstancesGroup"]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # moto: "Tried to parse ... not supported"
                cloudformation.create_stack_instances(
                    StackSetName=stack_set["StackSetName"],
                    DeploymentTargets=group["DeploymentTargets"],
                    Regions=group["Regions"],
                )
            if stack_set is not self.stack_set:
                continue
            instances = cloudformation.list_stack_instances(StackSetName=stack_set["StackSetName"])["Summaries"]
            for instance in instances:
                account, region = instance["Account"], instance["Region"]
                if (account, region) not in self.rules:
                    with as_account(monkeypatch, account):
                        self.rules[account, region] = complete_member_stack(
                            account, region, self.stack_set, self.member_template
                        )


def lambda_fetches(code: dict[str, Any], region: str) -> bytes:
    """The bytes Lambda takes for a function's Code or a layer's Content: the object by bucket and key, at
    S3ObjectVersion when the template pins one (Lambda API Reference, FunctionCode), and the bucket's latest
    otherwise. moto's Lambda ignores S3ObjectVersion; this does not."""
    request = {"Bucket": code["S3Bucket"], "Key": code["S3Key"]}
    if "S3ObjectVersion" in code:
        request["VersionId"] = code["S3ObjectVersion"]
    return bytes(client("s3", region).get_object(**request)["Body"].read())


def complete_member_stack(account: str, region: str, stack_set: dict[str, Any], template_path: Path) -> dict[str, Any]:
    """Finish, as CloudFormation and Lambda would, what moto left out of one member stack: the code and layer Lambda
    takes at the pinned S3 versions, the layer on the function, the rule."""
    functions = client("lambda", region)
    (layer,) = functions.list_layers()["Layers"]
    layer_arn = layer["LatestMatchingVersion"]["LayerVersionArn"]
    template = load(str(template_path))
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack_set["Parameters"]}
    resolver = Resolver(
        template,
        parameters,
        pseudo={"AWS::AccountId": account, "AWS::Region": region},
        known={"SdkLayer": layer_arn, "Function.Arn": function_arn(account, region)},
    )
    resources = {logical_id: props for logical_id, _, props in active_resources(template, resolver)}
    code = lambda_fetches(resources["Function"]["Code"], region)
    functions.update_function_code(FunctionName=FUNCTION_NAME, ZipFile=code)
    functions.update_function_configuration(FunctionName=FUNCTION_NAME, Layers=resources["Function"]["Layers"])
    lambda_fetches(resources["SdkLayer"]["Content"], region)  # Lambda refuses a version the bucket does not hold
    # The organization's own prerequisite (docs/deployment.md): a recorder recording ACM certificates.
    client("config", region).put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{account}:role/{CONFIG_SERVICE_ROLE}",
            "recordingGroup": {"allSupported": False, "resourceTypes": ["AWS::ACM::Certificate"]},
        }
    )
    return put_config_rule_as_config_does(account, region, resources["Rule"])


def deploy_artifact_bucket(organization_id: str, region: str) -> None:
    """artifacts.yaml in moto's CloudFormation, then what moto leaves out of it: the bucket's versioning, as the
    template asks for it (moto ignores VersioningConfiguration)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # moto: AWS::S3::BucketPolicy "not supported"
        client("cloudformation", region).create_stack(
            StackName=artifacts.ARTIFACTS_STACK,
            TemplateBody=artifacts.ARTIFACTS_TEMPLATE.read_text(),
            Parameters=[{"ParameterKey": "OrganizationId", "ParameterValue": organization_id}],
        )
    template = load("artifacts.yaml")
    pseudo = {"AWS::AccountId": MANAGEMENT, "AWS::Region": region}
    resolver = Resolver(template, {"OrganizationId": organization_id}, pseudo=pseudo)
    bucket = {logical_id: props for logical_id, _, props in active_resources(template, resolver)}["ArtifactBucket"]
    if "VersioningConfiguration" in bucket:
        status = bucket["VersioningConfiguration"]["Status"]
        client("s3", region).put_bucket_versioning(
            Bucket=bucket["BucketName"], VersioningConfiguration={"Status": status}
        )


@pytest.fixture
def rollout(aws: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Rollout:
    organizations = client("organizations")
    organization_id = organizations.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    root = organizations.list_roots()["Roots"][0]["Id"]
    ou = organizations.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]["Id"]

    def new_account(name: str, parent: str) -> str:
        status = organizations.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        if parent != root:
            organizations.move_account(AccountId=status["AccountId"], SourceParentId=root, DestinationParentId=parent)
        return str(status["AccountId"])

    members = [new_account("alpha", ou), new_account("beta", ou)]
    outsider = new_account("sandbox", root)

    # make package; a small stand-in for the layer (tests/test_layer.py checks the real one).
    dist = tmp_path / "dist"
    artifacts.build_function(dist)
    with zipfile.ZipFile(dist / artifacts.LAYER_ZIP, "w") as layer:
        layer.writestr("python/marker.py", "LAYER = True\n")
    release = artifacts.Release(
        account_id=MANAGEMENT,
        organization_id=organization_id,
        regions=REGIONS,
        home_region=HOME,
        layer=dist / artifacts.LAYER_ZIP,
        function=dist / artifacts.FUNCTION_ZIP,
        target_ous=ou,
    )
    # The release: buckets, then the zips uploaded and pinned in each Region, the member template rendered with
    # the pins, both templates in the home Region (its command lines are tests/test_release.py's business).
    for region in REGIONS:
        deploy_artifact_bucket(organization_id, region)
    cli = MotoCli(client)
    staged = artifacts.stage(cli, MANAGEMENT, REGIONS, release.layer, release.function, dist)
    keys = {}
    for template_path in (staged.member_template, artifacts.ALERTS_TEMPLATE):
        keys[template_path] = artifacts.versioned_key(template_path)
        artifacts.upload(cli, MANAGEMENT, HOME, template_path, keys[template_path])

    # organization.yaml with the release's parameters; its rule StackSet, as resolved, with the template it names.
    command = release.organization_command(staged, keys[staged.member_template], keys[artifacts.ALERTS_TEMPLATE])
    overrides = dict(item.split("=", 1) for item in command[command.index("--parameter-overrides") + 1 :])
    template = load("organization.yaml")
    resolver = Resolver(template, overrides, pseudo={"AWS::StackName": artifacts.ORGANIZATION_STACK})
    stack_sets = {logical_id: props for logical_id, _, props in active_resources(template, resolver)}
    stack_set = stack_sets["RuleStackSet"]
    member_template = tmp_path / "member-from-s3.yaml"
    member_template.write_bytes(template_at(stack_set["TemplateURL"]))
    client("cloudformation").create_stack_set(
        StackSetName=stack_set["StackSetName"],
        TemplateBody=json.dumps(moto_deployable(load(str(member_template)))),
        Parameters=stack_set["Parameters"],
        PermissionModel=stack_set["PermissionModel"],
        Capabilities=stack_set["Capabilities"],
        AutoDeployment={key: value for key, value in stack_set["AutoDeployment"].items() if key != "DependsOn"},
    )
    # The alerts StackSet, with the template its URL names (moto's CloudFormation creates its key, topic and event
    # rules; it skips alarms, subscriptions and metric filters, which tests/test_alerts.py resolves instead).
    alerts = stack_sets["AlertsStackSet"]
    client("cloudformation").create_stack_set(
        StackSetName=alerts["StackSetName"],
        TemplateBody=template_at(alerts["TemplateURL"]).decode(),
        Parameters=alerts["Parameters"],
        PermissionModel=alerts["PermissionModel"],
        Capabilities=alerts.get("Capabilities", []),
        AutoDeployment={key: value for key, value in alerts["AutoDeployment"].items() if key != "DependsOn"},
    )
    deployed = Rollout(organization_id, ou, members, outsider, dist, stack_set, member_template, staged, stack_sets)
    deployed.deploy_instances(monkeypatch)
    return deployed


# --- the rollout ------------------------------------------------------------------------------------


def assert_has_the_rule(monkeypatch: pytest.MonkeyPatch, rollout: Rollout, account: str, region: str) -> None:
    """The function (python3.12, 900 s, 256 MB, on the layer, our code), its permission and role, the rule."""
    with as_account(monkeypatch, account):
        functions = client("lambda", region)
        configuration = functions.get_function(FunctionName=FUNCTION_NAME)["Configuration"]
        assert (configuration["Runtime"], configuration["Handler"]) == ("python3.12", "ACMExpiryRule.lambda_handler")
        assert (configuration["Timeout"], configuration["MemorySize"]) == (900, 256)
        code = (rollout.dist / artifacts.FUNCTION_ZIP).read_bytes()
        assert configuration["CodeSha256"] == base64.b64encode(hashlib.sha256(code).digest()).decode()
        (layer,) = configuration["Layers"]
        assert layer["Arn"].startswith(f"arn:aws:lambda:{region}:{account}:layer:")
        policy = json.loads(functions.get_policy(FunctionName=FUNCTION_NAME)["Policy"])
        assert len(policy["Statement"]) == 1  # one statement, whatever the number of accounts
        groups = client("logs", region).describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{FUNCTION_NAME}")
        assert [group["retentionInDays"] for group in groups["logGroups"]] == [365]
    rule = rollout.rules[account, region]
    assert rule["ConfigRuleName"] == RULE_NAME
    assert rule["Source"]["SourceIdentifier"] == function_arn(account, region)
    assert {detail["MessageType"] for detail in rule["Source"]["SourceDetails"]} == {
        "ConfigurationItemChangeNotification",
        "OversizedConfigurationItemChangeNotification",
        "ScheduledNotification",
    }
    assert json.loads(rule["InputParameters"]) == {
        "daysToExpiration": "30",
        "securityHubFindings": "false",
        "crossingEvents": "true",
        "alertThresholdDays": "7",
        "AssumeRoleMode": "false",
    }


def assert_has_the_alerts(monkeypatch: pytest.MonkeyPatch, account: str, region: str) -> dict[str, Any]:
    """The alerts stack instance: its topic, the crossing rule sending to it (on: CertificatePages is "rule"), and
    Config's compliance-change line off. Returns the crossing rule."""
    with as_account(monkeypatch, account):
        events, sns = client("events", region), client("sns", region)
        (topic,) = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
        assert topic.startswith(f"arn:aws:sns:{region}:{account}:")
        rules = {rule["Name"].split("-")[-2]: rule for rule in events.list_rules()["Rules"]}
        assert {name: rule["State"] for name, rule in rules.items()} == {
            "CrossingRule": "ENABLED",
            "ComplianceChangeRule": "DISABLED",
        }
        targets = events.list_targets_by_rule(Rule=rules["CrossingRule"]["Name"])["Targets"]
        assert [target["Arn"] for target in targets] == [topic]
        return dict(rules["CrossingRule"])


def test_every_account_of_the_target_ou_gets_the_rule_in_every_region(
    rollout: Rollout, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert set(rollout.rules) == {(account, region) for account in rollout.members for region in REGIONS}
    for account, region in rollout.rules:
        assert_has_the_rule(monkeypatch, rollout, account, region)
        assert_has_the_alerts(monkeypatch, account, region)
    with as_account(monkeypatch, rollout.outsider):  # an account outside the OUs gets nothing
        assert client("lambda").list_functions()["Functions"] == []
    assert client("lambda").list_functions()["Functions"] == []  # nor the management account (StackSets skip it)


def test_an_account_that_joins_later_gets_everything_with_no_step(
    rollout: Rollout, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Automatic deployment: an account moved into a target OU gets instances in the StackSet's Regions with the
    StackSet's own parameters. Nothing account-specific exists to give: member.yaml takes none."""
    assert rollout.stack_set["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    newcomer = rollout.join(monkeypatch, "gamma")
    for region in REGIONS:
        assert_has_the_rule(monkeypatch, rollout, newcomer, region)
        assert_has_the_alerts(monkeypatch, newcomer, region)
    member_parameters = load("member.yaml")["Parameters"]
    assert not {name for name, spec in member_parameters.items() if "Default" not in spec} - {
        p["ParameterKey"] for p in rollout.stack_set["Parameters"]
    }


def member_certificate(aws: World, account: str, region: str) -> dict[str, Any]:
    """An in-use AMAZON_ISSUED certificate of ``account`` 12 days from expiry whose renewal is stuck."""
    record = amazon_issued_record(aws.now, "stuck", {"RenewalStatus": "PENDING_VALIDATION"})
    record["CertificateArn"] = f"arn:aws:acm:{region}:{account}:certificate/stuck"
    aws.acm.source = lambda asked: [record] if asked == region else []
    return record


def as_config_sends(event: dict[str, Any], rule: dict[str, Any], account: str) -> dict[str, Any]:
    """The event Config sends for this rule: its name, ARN, id and parameters, the account's ids."""
    invoking = json.loads(event["invokingEvent"])
    invoking.get("configurationItem", invoking)["awsAccountId"] = account
    return {
        **event,
        "invokingEvent": json.dumps(invoking),
        "ruleParameters": rule["InputParameters"],
        "configRuleName": rule["ConfigRuleName"],
        "configRuleArn": rule["ConfigRuleArn"],
        "configRuleId": rule["ConfigRuleId"],
        "accountId": account,
        "executionRoleArn": f"arn:aws:iam::{account}:role/{CONFIG_SERVICE_ROLE}",
    }


def role_policy(rollout: Rollout, account: str, region: str) -> dict[str, Any]:
    """The inline policy of the role the account's function in ``region`` runs as, as CloudFormation makes it
    (moto keeps the document as the text of a Python dict, with AWS::NoValue left in as None)."""
    template = load(str(rollout.member_template))
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in rollout.stack_set["Parameters"]}
    resolver = Resolver(template, parameters, pseudo={"AWS::AccountId": account, "AWS::Region": region})
    role = {logical_id: props for logical_id, _, props in active_resources(template, resolver)}["FunctionRole"]
    (policy,) = role["Policies"]
    return dict(policy["PolicyDocument"])


def call_resource(operation: str, params: dict[str, Any], account: str, region: str, rule: dict[str, Any]) -> str:
    """The resource IAM authorizes a call on: the certificate, the rule, or "*" for actions that name none."""
    if operation == "acm.DescribeCertificate":
        return str(params["CertificateArn"])
    if operation == "config.GetComplianceDetailsByConfigRule":
        return str(rule["ConfigRuleArn"])
    if operation == "events.PutEvents":  # the bus the entries go to: the default one without EventBusName
        return f"arn:aws:events:{region}:{account}:event-bus/default"
    return "*"


def call_contexts(operation: str, params: dict[str, Any]) -> list[dict[str, str]]:
    """The condition keys IAM evaluates a call with: for PutEvents, each entry's source and detail-type
    (EventBridge authorizes every entry: User Guide, "Using IAM policy conditions in Amazon EventBridge")."""
    if operation == "events.PutEvents":
        return [{"events:source": e["Source"], "events:detail-type": e["DetailType"]} for e in params["Entries"]]
    return [{}]


@pytest.mark.parametrize("region", REGIONS)
def test_the_rule_is_invoked_by_config_events_end_to_end(
    rollout: Rollout, aws: World, monkeypatch: pytest.MonkeyPatch, region: str
) -> None:
    """A change event and the daily run, as Config sends them for the rule the stack created: Lambda admits
    them, the real handler judges the account's certificate, Config gets the verdict, every call the handler
    made is one the function's role allows, and its page matches the crossing rule the alerts StackSet made there."""
    account = rollout.members[0]
    rule = rollout.rules[account, region]
    with as_account(monkeypatch, account):
        policy = json.loads(client("lambda", region).get_policy(FunctionName=FUNCTION_NAME)["Policy"])
    assert may_invoke(policy, account, region, rule["ConfigRuleArn"], account)
    # Another account's rule (another member's, say) cannot invoke it.
    other = rollout.members[1]
    assert not may_invoke(policy, account, region, rule_arn(other, region, rule["ConfigRuleId"]), other)
    assert not may_invoke(policy, account, region, rule_arn(account, "ap-south-1", rule["ConfigRuleId"]), account)

    # Lambda runs the function with its own Region in AWS_REGION and AWS_DEFAULT_REGION, and with the
    # environment the stack gave it.
    monkeypatch.setenv("AWS_REGION", region)
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    with as_account(monkeypatch, account):
        configured = client("lambda", region).get_function_configuration(FunctionName=FUNCTION_NAME)
    for name, value in configured["Environment"]["Variables"].items():
        monkeypatch.setenv(name, value)
    certificate = member_certificate(aws, account, region)
    configuration = {
        "certificateArn": certificate["CertificateArn"],
        "domainName": certificate["DomainName"],
        "status": "ISSUED",
        "type": "AMAZON_ISSUED",
        "keyAlgorithm": "EC-prime256v1",
        "inUseBy": ["arn:aws:elasticloadbalancing:listener/app"],
        "renewalEligibility": "ELIGIBLE",
        "notAfter": (aws.now + timedelta(days=12)).isoformat(),
    }
    change = as_config_sends(change_event(config_item(configuration, aws.now), aws.now), rule, account)
    (evaluation,) = aws.run(change)
    assert evaluation["ComplianceResourceId"] == certificate["CertificateArn"]
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["Annotation"].startswith("Expires in 12 days")

    aws.run(as_config_sends(scheduled_event(aws.later(days=1)), rule, account))
    assert [e["ComplianceType"] for e in aws.config.sent[-1:]] == ["NON_COMPLIANT"]

    # The permission admits the account's rules (it cannot name one not yet created); the function
    # itself refuses another rule's events, whatever they ask.
    sent = len(aws.config.put_calls)
    other_rule = rule | {"ConfigRuleName": "someone-elses-rule"}
    with pytest.raises(MalformedEventError, match=f"'someone-elses-rule' is not '{RULE_NAME}'"):
        aws.run(as_config_sends(scheduled_event(aws.later(days=1)), other_rule, account))
    assert len(aws.config.put_calls) == sent

    allowed_by_role = role_policy(rollout, account, region)
    calls = {(operation, json.dumps(params, sort_keys=True, default=str)) for operation, params in aws.doubles.requests}
    assert {operation for operation, _ in calls} >= {"acm.ListCertificates", "config.PutEvaluations"}
    assert "events.PutEvents" in {operation for operation, _ in calls}  # the renewal stuck: a page
    # ... which the account's alerts in that Region route to their topic: the pattern matches the event put.
    crossing_rule = assert_has_the_alerts(monkeypatch, account, region)
    assert aws.events.put
    for entry in aws.events.put:
        event = {
            "version": "0",
            "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
            "detail-type": entry["DetailType"],
            "source": entry["Source"],
            "account": account,
            "time": f"{aws.now:%Y-%m-%dT%H:%M:%SZ}",
            "region": region,
            "resources": entry["Resources"],
            "detail": entry["Detail"],
        }
        # moto does not implement TestEventPattern; its PutEvents' own matcher decides (as in tests/test_alerts.py).
        assert EventPattern.load(crossing_rule["EventPattern"]).matches_event(event), event  # type: ignore[arg-type]
        another_rule = event | {"detail": event["detail"] | {"configRuleName": f"{RULE_NAME}2"}}
        assert not EventPattern.load(crossing_rule["EventPattern"]).matches_event(another_rule)  # type: ignore[arg-type]
    for operation, params in calls:
        for context in call_contexts(operation, json.loads(params)):
            request = Request(
                f"arn:aws:sts::{account}:assumed-role/function/{FUNCTION_NAME}",
                RULE_ACTIONS[operation],
                call_resource(operation, json.loads(params), account, region, rule),
                context,
            )
            assert decide(allowed_by_role, request, identity=True) == ALLOW, (operation, params)


def test_config_refuses_a_permission_that_names_one_rule(rollout: Rollout, monkeypatch: pytest.MonkeyPatch) -> None:
    """Why member.yaml's permission names this account's rules and not the rule: a permission for one rule
    ARN admits no rule yet to be created, and Config refuses the rule."""
    account, region = rollout.members[0], HOME
    with as_account(monkeypatch, account):
        functions = client("lambda", region)
        (statement,) = json.loads(functions.get_policy(FunctionName=FUNCTION_NAME)["Policy"])["Statement"]
        functions.remove_permission(FunctionName=FUNCTION_NAME, StatementId=statement["Sid"])
        functions.add_permission(
            FunctionName=FUNCTION_NAME,
            StatementId="one-rule",
            Action="lambda:InvokeFunction",
            Principal="config.amazonaws.com",
            SourceAccount=account,
            SourceArn=rule_arn(account, region, "config-rule-ab12cd"),
        )
        rule = {
            "ConfigRuleName": "another",
            "Description": "d",
            "Scope": {"ComplianceResourceTypes": ["AWS::ACM::Certificate"]},
            "Source": {
                "Owner": "CUSTOM_LAMBDA",
                "SourceIdentifier": function_arn(account, region),
                "SourceDetails": [{"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}],
            },
            "InputParameters": {},
        }
        with pytest.raises(ConfigRefused, match="InsufficientPermissionsException"):
            put_config_rule_as_config_does(account, region, rule)


# --- who may read the artifacts --------------------------------------------------------------------


def bucket_policy(organization_id: str, region: str, readers: str = "") -> dict[str, Any]:
    template = load("artifacts.yaml")
    bucket = artifacts.artifact_bucket(MANAGEMENT, region)
    resolver = Resolver(
        template,
        {"OrganizationId": organization_id, "ReaderAccountIds": readers},
        pseudo={"AWS::AccountId": MANAGEMENT, "AWS::Region": region},
        known={"ArtifactBucket": bucket, "ArtifactBucket.Arn": f"arn:aws:s3:::{bucket}"},
    )
    resources = {logical_id: props for logical_id, _, props in active_resources(template, resolver)}
    assert resources["ArtifactBucket"]["BucketName"] == bucket  # the name member.yaml reads from
    return dict(resources["ArtifactBucketPolicy"]["PolicyDocument"])


def fetch_request(rollout: Rollout, role_arn: str, bucket: str, key: str, **context: str) -> Request:
    """CloudFormation's GetObject(Version) in a member account: its session's role is aws:PrincipalArn."""
    account = role_arn.split(":")[4]
    organization = rollout.organization_id if account in rollout.members else "o-someoneelse1"
    carried = {"aws:PrincipalOrgID": organization, "aws:PrincipalArn": role_arn, "aws:SecureTransport": "true"}
    session = role_arn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/cloudformation"
    return Request(session, "s3:GetObjectVersion", f"arn:aws:s3:::{bucket}/{key}", carried | context)


@pytest.mark.parametrize("region", REGIONS)
def test_the_code_comes_from_an_artifact_bucket_in_the_functions_region_that_the_organization_reads(
    rollout: Rollout, region: str
) -> None:
    """Lambda takes code from a bucket in the function's Region, fetched with the caller's credentials: in a
    member account, the StackSets role CloudFormation runs as. The bucket policy admits those roles of the
    organization, for the pinned versions, and no one else."""
    bucket = artifacts.artifact_bucket(MANAGEMENT, region)
    location = client("s3", region).get_bucket_location(Bucket=bucket)["LocationConstraint"]
    assert (location or "us-east-1") == region
    policy = bucket_policy(rollout.organization_id, region)
    pins = rollout.staged.pins[region]
    exec_role = f"arn:aws:iam::{rollout.members[0]}:role/{STACKSETS_ROLE}"
    for key in (pins.function_key, pins.layer_key):
        fetch = fetch_request(rollout, exec_role, bucket, key)
        assert decide(policy, fetch) == ALLOW
        assert decide(policy, Request(fetch.principal, "s3:GetObject", fetch.resource, fetch.context)) == ALLOW
        # Another role of the same member account: its own account's identity policy cannot reach across.
        other_role = fetch_request(rollout, f"arn:aws:iam::{rollout.members[0]}:role/developer", bucket, key)
        assert decide(policy, other_role) != ALLOW
        stranger = fetch_request(rollout, exec_role.replace(rollout.members[0], "999999999999"), bucket, key)
        assert decide(policy, stranger) != ALLOW
        plain_http = fetch_request(rollout, exec_role, bucket, key, **{"aws:SecureTransport": "false"})
        assert decide(policy, plain_http) == DENY
        assert decide(policy, Request(fetch.principal, "s3:PutObject", fetch.resource, fetch.context)) != ALLOW
    elsewhere = fetch_request(rollout, exec_role, bucket, "private/notes.txt")
    assert decide(policy, elsewhere) != ALLOW
    # An account whose own principals deploy plain stacks (the management account, when the release runs in a
    # delegated administrator): admitted once named in ReaderAccountIds, and not before.
    reader = f"arn:aws:iam::{rollout.members[1]}:role/admin"
    assert decide(policy, fetch_request(rollout, reader, bucket, pins.function_key)) != ALLOW
    named = bucket_policy(rollout.organization_id, region, readers=rollout.members[1])
    assert decide(named, fetch_request(rollout, reader, bucket, pins.function_key)) == ALLOW


@pytest.mark.parametrize("region", REGIONS)
def test_each_region_runs_the_code_pinned_in_its_own_bucket(rollout: Rollout, region: str) -> None:
    """One bucket per Region, so one S3 version per Region: the released member template names each Region's own,
    and a stack looks up its Region's. The version exists in that Region's bucket alone."""
    mapping = load(str(rollout.member_template))["Mappings"]["Artifacts"]
    assert set(mapping) == set(REGIONS)
    pins = rollout.staged.pins[region]
    assert mapping[region] == pins.as_mapping()
    other = next(name for name in REGIONS if name != region)
    assert pins.function_version != rollout.staged.pins[other].function_version
    s3 = client("s3", region)
    bucket = artifacts.artifact_bucket(MANAGEMENT, region)
    for key, version, path in (
        (pins.function_key, pins.function_version, artifacts.FUNCTION_ZIP),
        (pins.layer_key, pins.layer_version, artifacts.LAYER_ZIP),
    ):
        body = s3.get_object(Bucket=bucket, Key=key, VersionId=version)["Body"].read()
        assert body == (rollout.dist / path).read_bytes()
    with pytest.raises(ClientError):
        s3.get_object(Bucket=bucket, Key=pins.function_key, VersionId=rollout.staged.pins[other].function_version)


def test_a_swapped_object_does_not_reach_an_account_that_joins_later(
    rollout: Rollout, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone puts other code under the released key (the latest object is now theirs): an account that joins
    afterwards still gets the released code, because its stack asks for the pinned version. Lambda without the pin
    would have taken theirs."""
    for region in REGIONS:
        pins = rollout.staged.pins[region]
        bucket = artifacts.artifact_bucket(MANAGEMENT, region)
        client("s3", region).put_object(Bucket=bucket, Key=pins.function_key, Body=b"someone else's code")
        unpinned = {"S3Bucket": bucket, "S3Key": pins.function_key}
        assert lambda_fetches(unpinned, region) == b"someone else's code"
    newcomer = rollout.join(monkeypatch, "late")
    for region in REGIONS:
        assert_has_the_rule(monkeypatch, rollout, newcomer, region)  # the released code's SHA-256


def test_the_artifact_buckets_are_versioned_and_outlive_their_stacks(rollout: Rollout) -> None:
    for region in REGIONS:
        bucket = artifacts.artifact_bucket(MANAGEMENT, region)
        s3 = client("s3", region)
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        client("cloudformation", region).delete_stack(StackName=artifacts.ARTIFACTS_STACK)
        s3.head_bucket(Bucket=bucket)  # still there, its name still this account's
        assert s3.list_object_versions(Bucket=bucket)["Versions"]
    resource = load("artifacts.yaml")["Resources"]["ArtifactBucket"]
    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_member_yaml_as_it_is_deploys_nowhere() -> None:
    """Only the released copy names Regions: the file itself, deployed as it is, fails as CloudFormation fails
    on a missing mapping key, rather than run code nobody pinned."""
    template = load("member.yaml")
    resolver = Resolver(template, {"ArtifactBucketAccount": MANAGEMENT})
    with pytest.raises(MappingNotFound, match="Artifacts::us-east-1::LayerKey"):
        list(active_resources(template, resolver))


# --- the organization template ---------------------------------------------------------------------


def organization_resources(overrides: dict[str, str]) -> dict[str, dict[str, Any]]:
    template = load("organization.yaml")
    required = {
        "TargetOrganizationalUnitIds": "ou-ab12-cdef3456",
        "TargetRegions": "us-east-1,eu-west-1",
        "ArtifactBucketAccount": MANAGEMENT,
        "MemberTemplateURL": "https://b.s3.us-east-1.amazonaws.com/acm-expiry/member-0123456789abcdef.yaml",
        "AlertsTemplateURL": "https://b.s3.us-east-1.amazonaws.com/acm-expiry/alerts-0123456789abcdef.yaml",
    }
    resolver = Resolver(template, {**required, **overrides})
    return {logical_id: props for logical_id, _, props in active_resources(template, resolver)}


def stack_sets_of(resources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: props for name, props in resources.items() if name.endswith("StackSet")}


RULE_STACK_SET_ARN = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stackset/sample-RuleStackSet"


def test_both_stack_sets_are_service_managed_auto_deploying_and_target_the_same_accounts() -> None:
    resources = stack_sets_of(organization_resources({}))
    assert set(resources) == {"RuleStackSet", "AlertsStackSet"}
    for stack_set in resources.values():
        assert stack_set["PermissionModel"] == "SERVICE_MANAGED"
        assert stack_set["AutoDeployment"]["Enabled"] is True
        assert stack_set["AutoDeployment"]["RetainStacksOnAccountRemoval"] is False
        assert stack_set["StackInstancesGroup"] == [
            {
                "DeploymentTargets": {"OrganizationalUnitIds": ["ou-ab12-cdef3456"]},
                "Regions": ["us-east-1", "eu-west-1"],
            }
        ]
        assert stack_set["CallAs"] == "SELF"
    assert resources["RuleStackSet"]["Capabilities"] == ["CAPABILITY_IAM"]  # member.yaml's unnamed role
    assert organization_resources({"CallAs": "DELEGATED_ADMIN"})["RuleStackSet"]["CallAs"] == "DELEGATED_ADMIN"
    assert set(stack_sets_of(organization_resources({"Alerts": "false"}))) == {"RuleStackSet"}


def test_joining_accounts_get_the_rule_after_the_recorder_and_the_alerts_after_the_rule() -> None:
    """AutoDeployment.DependsOn takes StackSet ARNs: the recorder's, when given (empty by default), and the rule
    StackSet's for the alerts (arn:...:stackset/<name>:<id>, the form of the documented event's stack-set-arn)."""
    resources = stack_sets_of(organization_resources({}))
    assert "DependsOn" not in resources["RuleStackSet"]["AutoDeployment"]
    assert resources["AlertsStackSet"]["AutoDeployment"]["DependsOn"] == [RULE_STACK_SET_ARN]
    recorder = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stackset/recorder:0123abcd-0123-4567-89ab-0123456789ab"
    after = stack_sets_of(organization_resources({"RecorderStackSetArn": recorder}))
    assert after["RuleStackSet"]["AutoDeployment"]["DependsOn"] == [recorder]
    for wrong in ("recorder", "arn:aws:cloudformation:us-east-1:123:stackset/recorder"):  # a name, no id
        with pytest.raises(AssertionError, match="RecorderStackSetArn"):
            organization_resources({"RecorderStackSetArn": wrong})


def test_the_stack_sets_pass_only_parameters_their_templates_take() -> None:
    resources = organization_resources({"AlertEmail": "ops@example.com"})
    passed = {p["ParameterKey"] for p in resources["RuleStackSet"]["Parameters"]}
    member = load("member.yaml")["Parameters"]
    assert passed <= set(member)
    assert {name for name, spec in member.items() if "Default" not in spec} <= passed
    alerts = {p["ParameterKey"]: p["ParameterValue"] for p in resources["AlertsStackSet"]["Parameters"]}
    assert set(alerts) <= set(load("alerts.yaml")["Parameters"])
    assert alerts["AlertEmail"] == "ops@example.com"
    assert "AlertEmail" not in {p["ParameterKey"] for p in organization_resources({})["AlertsStackSet"]["Parameters"]}


def test_the_alerts_watch_the_rule_and_function_the_member_stack_creates() -> None:
    """The alerts StackSet is given the member stack's own rule and function names, whatever they are."""
    for names in ({}, {"ConfigRuleName": "cert-expiry", "FunctionName": "cert-expiry-fn"}):
        resources = organization_resources(names)
        member = {p["ParameterKey"]: p["ParameterValue"] for p in resources["RuleStackSet"]["Parameters"]}
        alerts = {p["ParameterKey"]: p["ParameterValue"] for p in resources["AlertsStackSet"]["Parameters"]}
        for name in ("ConfigRuleName", "FunctionName"):
            assert (
                alerts[name]
                == member[name]
                == names.get(name, load("organization.yaml")["Parameters"][name]["Default"])
            )


def passed(resources: dict[str, dict[str, Any]], stack_set: str) -> dict[str, str]:
    return {p["ParameterKey"]: p["ParameterValue"] for p in resources[stack_set]["Parameters"]}


@pytest.mark.parametrize(
    ("overrides", "rule", "alerts"),
    [
        ({}, {"AlertThresholdDays": "7", "CrossingEvents": "true"},
         {"SoonestExpiryThresholdDays": "7", "CertificatePages": "rule"}),
        ({"AlertThresholdDays": "14,7,1"}, {"AlertThresholdDays": "14,7,1", "CrossingEvents": "true"},
         {"SoonestExpiryThresholdDays": "14", "CertificatePages": "rule"}),
        ({"CertificatePages": "config"}, {"AlertThresholdDays": "7", "CrossingEvents": "true"},
         {"SoonestExpiryThresholdDays": "7", "CertificatePages": "config"}),
        # A rule that puts no events: only Config's line can name the certificates, whatever CertificatePages says.
        ({"CrossingEvents": "false", "CertificatePages": "rule"},
         {"AlertThresholdDays": "7", "CrossingEvents": "false"},
         {"SoonestExpiryThresholdDays": "7", "CertificatePages": "config"}),
    ],
)  # fmt: skip
def test_the_thresholds_and_pages_reach_both_stack_sets(
    overrides: dict[str, str], rule: dict[str, str], alerts: dict[str, str]
) -> None:
    """The rule's thresholds and crossing events go to the member stacks; the alarm's threshold is the rule's first,
    and the alerts name certificates by the rule's events unless the rule puts none. Each template takes what it is
    given (its AllowedPattern, AllowedValues, MinValue and MaxValue, as CloudFormation checks them)."""
    resources = organization_resources(overrides)
    member, given = passed(resources, "RuleStackSet"), passed(resources, "AlertsStackSet")
    assert {name: member[name] for name in rule} == rule
    assert {name: given[name] for name in alerts} == alerts
    Resolver(load("alerts.yaml"), given)
    Resolver(load("member.yaml"), member)


@pytest.mark.parametrize(
    ("value", "accepted"),
    [("7", True), ("14,7,1", True), ("365,30", True), ("1", True), ("30,7,3,2,1", True),
     ("0", False), ("366", False), ("0,7", False), ("7,", False), ("7 ,1", False), ("30,7,3,2,1,0", False)],
)  # fmt: skip
def test_alert_threshold_days_start_with_a_day_count_the_alarm_takes(value: str, accepted: bool) -> None:
    """member.yaml takes 0 to 9999 each; organization.yaml's first must also be the alerts' SoonestExpiryThresholdDays
    (1 to 365), or every alerts stack instance would fail: CloudFormation refuses it here instead."""
    pattern = load("organization.yaml")["Parameters"]["AlertThresholdDays"]["AllowedPattern"]
    assert allowed_by_pattern(str(pattern), value) is accepted
    if accepted:
        member_pattern = load("member.yaml")["Parameters"]["AlertThresholdDays"]["AllowedPattern"]
        assert allowed_by_pattern(str(member_pattern), value)


def test_member_names_do_not_collide_with_the_rdk_path() -> None:
    """RDK names the function RDK-Rule-Function-ACMExpiryRule (and so its log group) and the rule ACMExpiryRule;
    the member stack's defaults, and the organization's, are other names."""
    rdk = {"FunctionName": "RDK-Rule-Function-ACMExpiryRule", "ConfigRuleName": "ACMExpiryRule"}
    for template in ("member.yaml", "organization.yaml"):
        parameters = load(template)["Parameters"]
        for name, taken in rdk.items():
            assert str(parameters[name]["Default"]).lower() != taken.lower(), (template, name)
    resources = organization_resources({})
    member = {p["ParameterKey"]: p["ParameterValue"] for p in resources["RuleStackSet"]["Parameters"]}
    assert f"/aws/lambda/{member['FunctionName']}" != "/aws/lambda/RDK-Rule-Function-ACMExpiryRule"


def test_the_aggregator_covers_every_account_and_region_of_the_organization() -> None:
    template = load("aggregator.yaml")
    resources = {logical_id: props for logical_id, _, props in active_resources(template, Resolver(template, {}))}
    aggregator = resources["Aggregator"]
    assert aggregator["ConfigurationAggregatorName"] == "acm-expiry-organization"
    assert aggregator["OrganizationAggregationSource"] == {
        "RoleArn": "sample-AggregatorRole-Arn",
        "AllAwsRegions": True,
    }
    role = resources["AggregatorRole"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "config.amazonaws.com"}
    # The confused deputy: Config may assume it for this account's aggregator only.
    assume = Request(
        "config.amazonaws.com", "sts:AssumeRole", "sample-AggregatorRole-Arn", {"aws:SourceAccount": ACCOUNT}
    )
    assert decide(role["AssumeRolePolicyDocument"], assume) == ALLOW
    for other in ({"aws:SourceAccount": "999999999999"}, {}):
        assert decide(role["AssumeRolePolicyDocument"], Request(assume.principal, assume.action, "*", other)) != ALLOW
    assert role["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/service-role/AWSConfigRoleForOrganizations"]
