"""A wire-compatible fake of the OpenAI Realtime API (WebSocket), with real audio.

``FakeRealtimeServer`` speaks the GA Realtime protocol at ``ws://127.0.0.1:PORT/v1/realtime``:
bearer-key handshake, ``session.created``/``session.update`` (validated like the real server),
``input_audio_buffer.*`` with server-side turn detection (energy VAD), input transcription by
pocketsphinx, responses streamed as ``response.output_audio.delta`` (espeak-ng audio, 24 kHz
PCM16) with transcript deltas, function calls, cancellation on barge-in and item truncation.
"""

from aiconv.testing.fake_realtime.model import FakeReply, FakeTurn
from aiconv.testing.fake_realtime.server import FakeRealtimeServer

__all__ = ["FakeRealtimeServer", "FakeReply", "FakeTurn"]
