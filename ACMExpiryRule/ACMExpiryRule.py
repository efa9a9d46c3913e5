"""AWS Lambda entry point for the ACMExpiryRule AWS Config rule (handler ``ACMExpiryRule.lambda_handler``).

The rule's logic lives in the ``acm_expiry`` package beside this file; see its modules.
"""

from acm_expiry.handler import lambda_handler

__all__ = ["lambda_handler"]
