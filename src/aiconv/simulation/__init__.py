"""The test bench: simulated customers with personas, intents and goals talk to the agent under
test; outcomes are decided by evaluators or arbitration; batches run scenario matrices; reports
say how often and why the agent succeeds.

It sits above ``platform`` (uses the conductor, sessions and the log through their ports) and
below ``cli``; it never reads the environment or settings.
"""
