"""Model runs are signed: nothing is unpickled or trusted from the lake unless its HMAC matches.

Anyone who can write to the lake bucket could otherwise run code in the worker through a
crafted ``model.pkl``, or wave a model through the gate with edited metrics. The train
stage records an HMAC-SHA256 of every file of a run (``signatures.json``) under a key the
lake never holds: ``RECSYS_MODEL_SIGNING_KEY`` (in AWS, from a secret), or locally a
random key generated once into ``<state>/secrets/model-signing.key`` (mode 0600).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from recsys.settings import Settings


class UntrustedArtefactError(ValueError):
    """A model run's file is unsigned or its signature does not match: it is not loaded."""


def signing_key(settings: Settings) -> bytes:
    """The key model runs are signed with (the environment's, or the local state's, created on first use)."""
    if os.environ.get("RECSYS_MODEL_SIGNING_KEY"):
        return os.environ["RECSYS_MODEL_SIGNING_KEY"].encode()
    path = settings.state_dir / "secrets" / "model-signing.key"
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            return path.read_bytes().strip()
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_bytes().strip()


def sign(key: bytes, body: bytes) -> str:
    """HMAC-SHA256 of ``body``, hex."""
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def verify(key: bytes, body: bytes, signature: str | None, what: str) -> bytes:
    """``body`` if ``signature`` is its HMAC under ``key``; otherwise :class:`UntrustedArtefactError`."""
    if not signature or not hmac.compare_digest(sign(key, body), signature):
        raise UntrustedArtefactError(f"{what} is unsigned or its signature does not match: it was not written by "
                                     f"a train task holding this deployment's signing key; refusing to load it")
    return body
