"""Shipped test doubles: offline providers, the log contract suite, a fake LLM server, helpers.

Teams use these to test their own agents and backends the way aiconv tests itself.
"""
