"""The AWS CLI commands deploy/artifacts.py runs, answered by boto3 against moto, as the AWS CLI would answer them.

Only the commands the release uses to upload and pin artifacts are understood (``s3api head-object``,
``s3api put-object``); any other command fails the test instead of being guessed at. Answers are what
``--query ... --output text`` prints: tab-separated values, ``None`` for a missing field, and a missing object
reported as the AWS CLI reports it on stderr.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from typing import Any

from botocore.exceptions import ClientError

import artifacts


class CliError(Exception):
    """What the AWS CLI would print on stderr before exiting non-zero."""


class MotoCli(artifacts.AwsCli):
    def __init__(self, client: Callable[[str, str], Any]) -> None:
        super().__init__("aws")
        self.client = client  # (service, region) -> a boto3 client on moto
        self.lines: list[list[str]] = []

    def run(self, *arguments: str) -> None:
        self._answer(arguments)

    def ask(self, *arguments: str, placeholder: str) -> str:
        return self._answer(arguments)

    def ask_if_found(self, *arguments: str) -> str | None:
        try:
            return self._answer(arguments)
        except CliError as error:
            if artifacts.NOT_FOUND.search(str(error)):
                return None
            raise

    def _answer(self, arguments: Sequence[str]) -> str:
        self.lines.append(list(arguments))
        command = tuple(arguments[:2])
        options = _options(arguments[2:])
        s3 = self.client("s3", options["--region"])
        common = {"Bucket": options["--bucket"], "Key": options["--key"]}
        if "--expected-bucket-owner" in options:
            common["ExpectedBucketOwner"] = options["--expected-bucket-owner"]
        if command == ("s3api", "head-object"):
            try:
                answer = s3.head_object(**common, ChecksumMode=options.get("--checksum-mode", "DISABLED"))
            except ClientError as error:
                if error.response["Error"]["Code"] in ("404", "NoSuchKey"):
                    raise CliError("An error occurred (404) when calling the HeadObject operation: Not Found") from None
                raise
        elif command == ("s3api", "put-object"):
            with open(options["--body"], "rb") as body:
                answer = s3.put_object(**common, Body=body.read(), ChecksumSHA256=options["--checksum-sha256"])
        else:
            raise AssertionError(f"the AWS CLI double does not know {shlex.join(arguments)}")
        return _query(answer, options["--query"])


def _options(arguments: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for index, argument in enumerate(arguments):
        if argument.startswith("--"):
            following = arguments[index + 1] if index + 1 < len(arguments) else ""
            found[argument] = "" if following.startswith("--") else following
    return found


def _query(answer: dict[str, Any], query: str) -> str:
    """``--query`` for the two forms the release uses (one field, or a list of fields) with ``--output text``."""
    fields = [field.strip() for field in query.strip("[]").split(",")]
    return "\t".join(str(answer.get(field)) for field in fields)
