"""Environments: domains (tools + a state + a policy), tasks, and grading by what agents did."""
