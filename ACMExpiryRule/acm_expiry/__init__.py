"""ACMExpiryRule: an AWS Config custom rule that flags ACM certificates close to expiry.

From the pure core outwards (docs/development.md, "Layout", has the whole map):
- ``certificate``, ``verdict``, ``outcome``, ``findings``: plain values in and out; no boto3, no clock.
- ``edge``: one ``AwsEdge`` per invocation: credentials, clients with the retry policy, call counts.
- ``acm``, ``results``, ``oversized``, ``securityhub``, ``delivery``, ``assess``: reads and writes
  through the edge's clients.
- ``rule``: the rdklib ``ConfigRule``; ``adapter``: runs it in place of rdklib's Evaluator;
  ``handler``: the Lambda entry point.
"""

RESOURCE_TYPE = "AWS::ACM::Certificate"
