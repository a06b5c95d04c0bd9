"""The files that go beside an exported `<stem>.json` for the plugin's C++ side: `<stem>.h` (the
compile-time type) and `<stem>.golden/` (input stream, expected outputs, tolerance).

They are generated from the JSON's bytes alone, so export and `registry ship` write the same files
for the same JSON, and neither can drift from the file it describes.
"""

from __future__ import annotations

from pathlib import Path

from emotrain.export.cpp_header import render_header
from emotrain.export.golden import folder_name, golden_bundle
from emotrain.io import atomic_write_bytes


def companion_files(
    data: bytes, name: str, stem: str | None = None, *, cpp_weights: bool = False
) -> dict[str, bytes]:
    """Relative path -> bytes of every companion of the JSON file `data` (network `name`)."""
    stem = stem or name
    files = {f"{stem}.h": render_header(data, name, weights=cpp_weights).encode("utf-8")}
    for rel, content in golden_bundle(data, name).items():
        files[f"{folder_name(stem)}/{rel}"] = content
    return files


def companion_roots(stem: str) -> tuple[str, str]:
    """The top-level names the companions of `<stem>.json` take in its folder."""
    return f"{stem}.h", folder_name(stem)


def write_files(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write companions (relative path -> bytes) into `folder`, each atomically; a file that
    already holds those bytes is left untouched."""
    written = []
    for rel, content in files.items():
        path = Path(folder) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not (path.is_file() and path.read_bytes() == content):
            atomic_write_bytes(path, content)
        written.append(path)
    return written


def write_companions(
    json_path: Path, data: bytes, name: str, *, cpp_weights: bool = False
) -> list[Path]:
    """Write the companions beside `json_path`."""
    json_path = Path(json_path)
    files = companion_files(data, name, json_path.stem, cpp_weights=cpp_weights)
    return write_files(json_path.parent, files)
