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

from recsys.settings import Settings, local_secret


class UntrustedArtefactError(ValueError):
    """A model run's file is unsigned or its signature does not match: it is not loaded."""


def signing_key(settings: Settings) -> bytes:
    """The key model runs are signed with (the environment's, or the local state's, created on first use)."""
    return (os.environ.get("RECSYS_MODEL_SIGNING_KEY") or local_secret(settings, "model-signing.key")).encode()


def sign(key: bytes, name: str, body: bytes) -> str:
    """HMAC-SHA256 of ``body`` bound to ``name`` (``<run_id>/<file>``), hex: a signed file copied to another
    run or another file name no longer verifies."""
    return hmac.new(key, name.encode() + b"\0" + body, hashlib.sha256).hexdigest()


def verify(key: bytes, name: str, body: bytes, signature: str | None, what: str) -> bytes:
    """``body`` if ``signature`` is its HMAC for ``name`` under ``key``; otherwise :class:`UntrustedArtefactError`."""
    if not signature or not hmac.compare_digest(sign(key, name, body), signature):
        raise UntrustedArtefactError(f"{what} is unsigned or its signature does not match: it was not written by "
                                     f"a train task holding this deployment's signing key; refusing to load it")
    return body
