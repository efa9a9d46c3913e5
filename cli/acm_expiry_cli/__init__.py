"""`acm-expiry`: the ACMExpiryRule's own logic from the command line, plus its demo and AWS doubles."""
