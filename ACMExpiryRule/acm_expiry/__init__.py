"""ACMExpiryRule: an AWS Config custom rule that flags ACM certificates close to expiry.

Modules, from the pure core outwards:
- ``certificate``: one certificate model, built from a configuration item or an ACM answer.
- ``verdict``: the verdict table (plain values and ``now`` in, verdict and annotation out).
- ``parameters``: the rule's parameters, validated.
- ``acm``: reading ACM (ListCertificates, DescribeCertificate).
- ``events``: validating the event Config sends.
- ``rule``: the rdklib ``ConfigRule`` wiring them together.
- ``handler``: the Lambda entry point that makes failures loud and delivers every evaluation.
"""

RESOURCE_TYPE = "AWS::ACM::Certificate"
