"""Learning from real conversations: import transcripts, redact them, discover outcomes, intents
and personas, fit timing, retrieve style examples, measure realism, fork and replay.

Above ``simulation`` (it writes scenario files and compares outcomes), below ``cli``. The heavy
numeric parts (scikit-learn) are imported only by the modules that need them and are installed
with the ``learning`` extra.
"""
