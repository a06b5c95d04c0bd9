"""The model registry: which exact RTNeural files exist, where each came from, and which one ships.

Local-first, no server: one SQLite file (`registry.db`, WAL mode, one transaction per change) and
content-addressed, immutable `objects/<sha256>.json` files. `store.py` is the database, `lineage.py`
what a version records about its origin, `candidates.py` what `registry add` reads (run folders,
checkpoints, exports), `add.py` how candidates become versions with a parent, `ship.py` the locked set a plugin's models folder holds.
Importing this package does not import torch.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DIR = "emotrain-registry"
ENV_VAR = "EMOTRAIN_REGISTRY"


def registry_dir(given: str | os.PathLike[str] | None = None) -> Path:
    """`--registry DIR`, else `$EMOTRAIN_REGISTRY`, else `./emotrain-registry/`."""
    if given is not None and str(given) != "":
        return Path(given)
    env = os.environ.get(ENV_VAR, "")
    return Path(env) if env else Path(DEFAULT_DIR)
