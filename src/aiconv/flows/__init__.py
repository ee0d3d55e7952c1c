"""Stage flows: a participant defined by a flow file (stages, fields as JSON schemas, per-stage
agents, thresholds, transitions), its offline extractor, and the stage machine behind it.

A flow is a provider-like participant (``flow:FILE``): its replies come from the stage machine,
its extractions and stages are events recorded with its messages, and its state is their fold
(``aiconv.platform.flow_fold``).
"""
