"""Mail only what is current: a complete run whose inputs, config and documents are
still those it was made from. A run made from last week's exports, or a pack edited
by hand since, is refused with what changed and what to run."""

from __future__ import annotations

from pathlib import Path

from ..config import Settings
from ..contract import DATASETS
from ..errors import InputError
from ..read.files import locate, sha256


def _differences(then, now, path: str = "") -> list[str]:
    """Dotted keys whose values differ between two plain config dumps."""
    if isinstance(then, dict) and isinstance(now, dict):
        found = []
        for key in sorted(set(then) | set(now), key=str):
            found += _differences(then.get(key), now.get(key), f"{path}.{key}" if path else str(key))
        return found
    return [] if then == now else [path]


def changes_since_run(folder: Path, manifest: dict, inputs: Path, settings: Settings) -> list[str]:
    """What differs between the run in ``folder`` and the inputs, config and files now."""
    changes = []
    inputs = Path(inputs)
    used = manifest.get("inputs", {})
    for name in DATASETS:
        path = locate(inputs, name) if inputs.is_dir() else None
        then = used.get(name)
        if then is None and path is not None:
            changes.append(f"{path.name} is new in {inputs}")
        elif then is not None and path is None:
            changes.append(f"{then['file']} is no longer in {inputs}")
        elif then is not None and (path.name != then["file"] or sha256(path) != then["sha256"]):
            changes.append(f"{path.name} has changed")
    # Where it is mailed from or laid out changes no document.
    config_then = {k: v for k, v in manifest.get("config", {}).items() if k not in ("file", "delivery", "cluster")}
    config_now = settings.model_dump(mode="json", exclude={"delivery", "cluster"})
    changes += [f"config key '{key}' has changed" for key in _differences(config_then, config_now)]
    for name, digest in manifest.get("outputs", {}).items():
        document = folder / name
        if not document.is_file():
            changes.append(f"{name} is missing from {folder}")
        elif sha256(document) != digest:
            changes.append(f"{name} was changed after the run")
    return changes


def require_current(folder: Path, manifest: dict, inputs: Path, settings: Settings) -> None:
    changes = changes_since_run(folder, manifest, inputs, settings)
    if changes:
        shown = "; ".join(changes[:8]) + (f"; and {len(changes) - 8} more" if len(changes) > 8 else "")
        raise InputError(f"the run of {folder.name} (generated {manifest.get('generated_at', '?')}) is not current: "
                         f"{shown}. Nothing was sent.", file=str(folder),
                         hint=f"Run `salespack run --period {folder.name}` again, then send.")
