"""The plugin as code: what the C++ plugin does, written once in numpy for everything that imitates it.

Training builds its inputs and targets with these rules, evaluation streams with them and preview
plays them, so none of them can drift from the others or from docs/plugin-contract.md. Nothing here
imports torch, nor anything of emotrain but errors.py.

- timing.py: sample rate, hop, frame times, sixteenth steps at a tempo, which frame a step reads
- features.py, streaming.py: the per-frame log-mel bands, whole-file and block by block
- embedding.py: valence/arousal <-> the 64-d emotion embedding, quadrants
- wiring.py: the five networks' names, shapes and which vector feeds which network
- reference.py: RTNeural's run-time loader and forward() in numpy (the exported files as run)
- chain.py: a set of exported networks run over songs or a live set from one reset
- chords.py, dynamics.py, groove.py: what the helpers' outputs mean (chord vocabulary and Harte
  mapping; performance -> 16 expression quantities; bar -> onset strength and micro-timing)
"""
