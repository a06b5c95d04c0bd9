"""`python -m emotrain.tuning.worker STUDY_JSON [DEADLINE]`: one worker process of `--workers K`.

It reads the study from the study.json its parent wrote, runs trials until the study is done, and
exits 0, 130 when interrupted (Ctrl-C reaches the whole process group: the running trial keeps its
last epoch's checkpoint), or 1 with one line on stderr.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading


def main(argv: list[str]) -> int:
    from emotrain.errors import EmotrainError
    from emotrain.tuning.runner import run_worker
    from emotrain.tuning.study import StudySpec

    threads = os.environ.get("EMOTRAIN_TUNE_THREADS")
    if threads:
        import torch

        torch.set_num_threads(int(threads))
    with open(argv[0], encoding="utf-8") as f:
        spec = StudySpec.from_dict(json.load(f))
    deadline = float(argv[1]) if len(argv) > 1 else None
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        run_worker(spec, stop_event=stop, deadline=deadline)
    except EmotrainError as exc:
        sys.stderr.write(f"error: worker {os.getpid()}: {' '.join(str(exc).split())}\n")
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
