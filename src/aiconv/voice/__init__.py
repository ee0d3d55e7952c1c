"""Voice: a layer around the transcript (text-to-speech, recognition, realtime agents, recordings).

Sits above ``platform`` and below ``cli``; needs the ``voice`` extra (numpy, pocketsphinx,
websockets) and the ``espeak-ng`` binary. Audio never goes into events: events carry a
content-addressed reference into a ``BlobStore``. Everything here is PCM16, 16 kHz, mono unless a
name says otherwise (``stereo``, the Realtime API's 24 kHz).
"""
