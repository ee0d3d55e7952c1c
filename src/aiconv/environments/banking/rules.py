"""The numbers of Harbor Bank's policy, in one place: the tools apply them, the policy document
states them (a test checks the two agree), and the offline agent quotes them."""

from __future__ import annotations

from decimal import Decimal

#: Failed verifications after which the call's verification locks (then: transfer to security).
MAX_VERIFICATION_ATTEMPTS = 3

#: Replacement delivery: business days, and how an agent says it.
STANDARD_DAYS = 7
STANDARD_TIME = "5 to 7 business days"
EXPRESS_DAYS = 2
EXPRESS_TIME = "2 business days"
#: The express delivery fee, waived for premier customers.
EXPRESS_FEE = Decimal("15.00")

#: A transaction may be disputed up to this many days after its date.
DISPUTE_WINDOW_DAYS = 60
#: Disputes of at most this amount are credited provisionally at once.
PROVISIONAL_CREDIT_LIMIT = Decimal("100.00")
#: How long the disputes team takes to decide.
DISPUTE_REVIEW_TIME = "10 business days"
