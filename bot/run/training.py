"""Train only when something the model is built from has changed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterable, List

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
# Everything a trained model depends on: data, config, and the NLU code it runs.
MODEL_INPUTS = (
    "config.yml",
    "domain.yml",
    "data",
    "bot/nlu",
    # The NLU takes its language list and its folding of text from these.
    "referrals/schema.py",
    "referrals/text.py",
)


def _files(paths: Iterable[str]) -> List[Path]:
    found: List[Path] = []
    for name in paths:
        path = ROOT / name
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and "__pycache__" not in p.parts
            )
        elif path.is_file():
            found.append(path)
    return found


def fingerprint(config: str = "config.yml") -> str:
    """A short hash of every model input (file names and contents)."""
    digest = hashlib.sha256()
    inputs = [config if name == "config.yml" else name for name in MODEL_INPUTS]
    for path in _files(inputs):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def model_path(config: str = "config.yml") -> Path:
    stem = Path(config).stem.replace("_", "-")
    return MODELS / f"{stem}-{fingerprint(config)}.tar.gz"


def ensure_model(config: str = "config.yml") -> Path:
    """Return the model for the current inputs, training it if it is missing."""
    target = model_path(config)
    if target.exists():
        print(f"Model up to date: {target.relative_to(ROOT)}", flush=True)
        return target
    print(
        f"Training {target.relative_to(ROOT)} (data or config changed) ...", flush=True
    )
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    subprocess.run(
        [
            str(Path(sys.executable).with_name("rasa")),
            "train",
            "--config",
            config,
            "--domain",
            "domain.yml",
            "--data",
            "data",
            "--out",
            str(MODELS),
            "--fixed-model-name",
            target.name[: -len(".tar.gz")],
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return target


if __name__ == "__main__":
    config_file = sys.argv[1] if len(sys.argv) > 1 else "config.yml"
    print(ensure_model(config_file))
