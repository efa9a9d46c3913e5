"""The deployment templates of deploy/, read as CloudFormation would for given parameter values.

Templates are read with cfn-lint's CloudFormation-aware YAML loader and their intrinsics (Ref, Fn::Sub,
Fn::If with AWS::NoValue, Fn::Join, conditions) are resolved for concrete parameter values, after the
template's Rules (CloudFormation refuses a stack whose rule assertions fail) are checked, so a test looks
at what AWS would see for that deployment.
"""

from __future__ import annotations

import functools
import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import regex
from cfnlint.decode import decode

import artifacts

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
ACCOUNT = "111111111111"
PSEUDO_PARAMETERS = {
    "AWS::Partition": "aws",
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": "us-east-1",
    "AWS::StackName": "acm-expiry",
    "AWS::URLSuffix": "amazonaws.com",
}
NO_VALUE = object()


class RuleAssertionFailed(AssertionError):
    """CloudFormation refuses the stack: one of the template's Rules does not hold (its AssertDescription)."""


class MappingNotFound(AssertionError):
    """CloudFormation refuses the stack: an Fn::FindInMap key is not in the mapping (its error's words)."""


# member.yaml's Artifacts mapping names no Region; deploy/artifacts.py releases a copy that names each Region's
# keys and S3 versions. Tests that resolve the member stack load that copy (under this name), made with these
# sample pins (version ids in the form of the S3 User Guide's examples).
RELEASED_MEMBER = "member.yaml, as released"
SAMPLE_REGIONS = ("us-east-1", "eu-west-1", "us-gov-west-1", "cn-north-1")
SAMPLE_PINS = artifacts.Pins(
    function_key="acm-expiry/acm-expiry-function-0123456789abcdef.zip",
    function_version="3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nrjfkd",
    layer_key="acm-expiry/acm-expiry-layer-0123456789abcdef.zip",
    layer_version="QUpfdndhfd8438MNFDN93jdnJFkdmqnh893",
)


@functools.cache
def released_member() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="acm-expiry-released-"))
    path = folder / "member.yaml"
    path.write_text(artifacts.render_member_template(dict.fromkeys(SAMPLE_REGIONS, SAMPLE_PINS)))
    return path


def load(name: str) -> dict[str, Any]:
    template, matches = decode(str(released_member() if name == RELEASED_MEMBER else DEPLOY / name))
    assert not matches, matches
    assert template is not None
    return template


def allowed_by_pattern(pattern: str, value: str) -> bool:
    """CloudFormation's AllowedPattern, a Java regular expression matched against the whole value. The
    ``regex`` module (a dependency of cfn-lint) knows the Unicode classes (``\\p{L}``) Java has and ``re`` lacks."""
    return regex.fullmatch(pattern, value) is not None


class Resolver:
    """Evaluates a template's intrinsics for given parameter values (defaults where not given).

    ``pseudo`` replaces pseudo parameters (another account or Region); ``known`` gives what resources
    resolve to once created: ``{"Function": <Ref value>, "Function.Arn": <GetAtt value>}``. A resource
    not in ``known`` resolves to ``sample-<name>`` (``sample-<name>-<attribute>``).
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        overrides: Mapping[str, str] | None = None,
        *,
        pseudo: Mapping[str, str] | None = None,
        known: Mapping[str, str] | None = None,
    ) -> None:
        overrides = dict(overrides or {})
        parameters: Mapping[str, Any] = template.get("Parameters", {})
        unknown = set(overrides) - set(parameters)
        assert not unknown, f"no such parameters: {unknown}"
        self.values: dict[str, Any] = {**PSEUDO_PARAMETERS, **(pseudo or {})}
        self.known = dict(known or {})
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
            self.values[str(name)] = value.split(",") if spec.get("Type") == "CommaDelimitedList" else value
        self.conditions: Mapping[str, Any] = template.get("Conditions", {})
        self.mappings: Mapping[str, Any] = template.get("Mappings", {})
        self.resources: Mapping[str, Any] = template.get("Resources", {})
        for rule in template.get("Rules", {}).values():
            if "RuleCondition" in rule and not self._truth(rule["RuleCondition"]):
                continue
            for assertion in rule["Assertions"]:
                if not self._truth(assertion["Assert"]):
                    raise RuleAssertionFailed(str(assertion.get("AssertDescription", assertion)))

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

    def ref(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        if name in self.resources:
            return self.known.get(name, f"sample-{name}")
        raise AssertionError(f"Ref to unknown name {name}")

    def get_att(self, name: str, attribute: str) -> str:
        assert name in self.resources, f"GetAtt of unknown resource {name}"
        return self.known.get(f"{name}.{attribute}", f"sample-{name}-{attribute}")

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
                if key == "Fn::FindInMap":
                    name, top, second = (str(self.resolve(item)) for item in argument)
                    if second not in self.mappings[name].get(top, {}):
                        raise MappingNotFound(f"Unable to get mapping for {name}::{top}::{second}")
                    return str(self.mappings[name][top][second])
                if key == "Fn::Split":
                    separator, text = argument
                    return str(self.resolve(text)).split(str(separator))
                if key == "Fn::Select":
                    index, items = argument
                    return self.resolve(items)[int(self.resolve(index))]
                if key == "Fn::Join":
                    separator, items = argument
                    return str(separator).join(str(item) for item in self.resolve(items))
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
            if name in local:
                return str(local[name])
            resource, dot, attribute = name.partition(".")
            return self.get_att(resource, attribute) if dot and resource in self.resources else str(self.ref(name))

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
