"""`acm-expiry`: the ACMExpiryRule's own logic from the command line, and its demo."""
