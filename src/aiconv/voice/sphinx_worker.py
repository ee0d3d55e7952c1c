"""The recognition worker process: ``python -m aiconv.voice.sphinx_worker`` (not imported).

Reads requests from stdin (a 4-byte big-endian length, then that many bytes of PCM16 16 kHz mono
audio) and answers each with one JSON line ``{"text": ..., "confidence": ...}`` on stdout. It
loads the en-US model once, then prints ``{"ready": true}``. A zero length ends it.
"""

from __future__ import annotations

import json
import sys
from typing import Any

RATE = 16_000
_FILLERS = ("<s>", "</s>", "<sil>", "<unk>")


def decode(decoder: Any, pcm: bytes) -> dict[str, Any]:
    """One utterance through ``decoder``: the hypothesis and the mean word posterior."""
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    if hypothesis is None:
        return {"text": "", "confidence": 0.0}
    probs = [
        float(s.prob)
        for s in decoder.seg()
        if s.word not in _FILLERS and not s.word.startswith(("[", "+"))
    ]
    confidence = sum(probs) / len(probs) if probs else 0.0
    return {"text": str(hypothesis.hypstr), "confidence": round(confidence, 4)}


def main() -> None:
    from pocketsphinx import Decoder

    # No second (flat-lexicon) pass: 10 % less CPU for the same word error rate on our voices.
    decoder = Decoder(samprate=RATE, loglevel="FATAL", fwdflat=False)
    source, sink = sys.stdin.buffer, sys.stdout
    sink.write(json.dumps({"ready": True}) + "\n")
    sink.flush()
    for _ in iter(int, 1):  # one request per round, until a zero length or end of input
        header = source.read(4)
        length = int.from_bytes(header, "big") if len(header) == 4 else 0
        if length == 0:
            return
        sink.write(json.dumps(decode(decoder, source.read(length))) + "\n")
        sink.flush()


if __name__ == "__main__":
    main()
