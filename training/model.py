"""Train the LightFM hybrid (with early stopping) and score with its learned representations."""
from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from lightfm import LightFM

from training import evaluate
from training.config import MAX_EVAL_USERS, ModelParams
from training.features import Features
from training.interface import validation_ndcg

log = logging.getLogger(__name__)


@dataclass
class Validation:
    """Held-out positives to pick the number of epochs on, what to exclude when ranking them, and the rows
    judged (default: a sample of the rows with held-out positives)."""

    test: sp.csr_matrix
    exclude: sp.csr_matrix
    rows: np.ndarray | None = None

    def ndcg(self, model: LightFM, features: Features) -> float:
        """NDCG@10 of ``model``'s lists for the judged users, in batches."""
        representations = Representations.of(model, features)
        rows = self.rows if self.rows is not None else evaluate.sample_rows(
            np.flatnonzero(np.diff(self.test.indptr)), MAX_EVAL_USERS)
        return validation_ndcg(representations.score, rows, self.test, self.exclude)


def validation_split(interactions: sp.spmatrix, fraction: float, seed: int) -> tuple[sp.csr_matrix, Validation]:
    """A seeded random ``fraction`` of the positives held out for validation; the rest to fit on."""
    coo = interactions.tocoo()
    held = np.random.default_rng(seed).random(coo.nnz) < fraction
    part = lambda mask: sp.csr_matrix((coo.data[mask], (coo.row[mask], coo.col[mask])), shape=coo.shape)  # noqa: E731
    fit = part(~held)
    return fit, Validation(test=part(held), exclude=fit)


def train(features: Features, interactions: sp.spmatrix, params: ModelParams,
          validation: Validation | None = None) -> tuple[LightFM, int]:
    """Fit LightFM for up to ``params.epochs``; return the model and its number of epochs.

    With ``validation``, the model kept is the one of the epoch with the best validation
    NDCG@10 (checked every ``eval_every`` epochs, stopping after ``patience`` checks without
    improvement), and the epochs returned are that epoch's.
    """
    model = LightFM(no_components=params.no_components, loss=params.loss, learning_rate=params.learning_rate,
                    item_alpha=params.item_alpha, user_alpha=params.user_alpha, max_sampled=params.max_sampled,
                    random_state=np.random.RandomState(params.random_state))
    interactions = interactions.tocoo()
    log.info("training LightFM (%s, %d components) on %d interactions, %d users, %d items",
             params.loss, params.no_components, interactions.nnz, *interactions.shape)
    best, best_score, best_epoch, stale = model, -np.inf, params.epochs, 0
    for epoch in range(1, params.epochs + 1):
        model.fit_partial(interactions, user_features=features.user_features,
                          item_features=features.item_features, epochs=1, num_threads=params.num_threads)
        if validation is not None and (epoch % params.eval_every == 0 or epoch == params.epochs):
            score = validation.ndcg(model, features)
            log.info("epoch %d/%d: validation ndcg@10=%.4f", epoch, params.epochs, score)
            if score > best_score:
                best, best_score, best_epoch, stale = copy.deepcopy(model), score, epoch, 0
            else:
                stale += 1
                if stale >= params.patience:
                    log.info("early stop: best validation ndcg@10=%.4f at epoch %d", best_score, best_epoch)
                    break
        elif validation is None and (epoch % 5 == 0 or epoch == params.epochs):
            log.info("epoch %d/%d", epoch, params.epochs)
    if validation is None:
        return model, params.epochs
    return best, best_epoch


def fit(features: Features, interactions: sp.spmatrix, params: ModelParams) -> tuple[LightFM, int]:
    """Train with early stopping when configured: pick the epochs on a validation split of
    ``interactions``, then refit on all of them for that many epochs. Returns the model and its epochs."""
    if not params.early_stopping:
        return train(features, interactions, params)
    fit_part, validation = validation_split(interactions, params.validation_fraction, params.random_state)
    _, epochs = train(features, fit_part, params, validation)
    return train(features, interactions, replace(params, epochs=epochs))


@dataclass
class Representations:
    """A fitted model's user and item vectors with their biases, computed once: scoring a batch of users
    is then one (batch x components) @ (components x items) product."""

    user_bias: np.ndarray
    user_embeddings: np.ndarray
    item_bias: np.ndarray
    item_embeddings: np.ndarray

    @classmethod
    def of(cls, model: LightFM, features: Features) -> "Representations":
        return cls(*model.get_user_representations(features.user_features),
                   *model.get_item_representations(features.item_features))

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        """Scores (len(user_rows) x items) of rows of the feature space."""
        return self._scores(self.user_bias[user_rows], self.user_embeddings[user_rows])

    def score_features(self, model: LightFM, user_features: sp.csr_matrix) -> np.ndarray:
        """Scores of other users, given by their ``user_features`` rows (e.g. demographics only)."""
        return self._scores(*model.get_user_representations(user_features))

    def _scores(self, bias: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
        return embeddings @ self.item_embeddings.T + bias[:, None] + self.item_bias[None, :]
